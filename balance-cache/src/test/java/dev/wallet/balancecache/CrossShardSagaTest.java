package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PendingBacklog;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CrossShardSagaTest extends MoneyCoreTest {

  @Test
  @DisplayName("a cross-shard transfer completes: the source pays, the destination receives, in-transit nets to zero")
  void completes() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = core.openElsewhere(owner(), from);

    Outcome<TransferView> outcome = Await.result(core.transfer(from, to, 120, alice));

    assertThat(outcome.code()).isEqualTo(OutcomeCode.OK);
    assertThat(outcome.value().status()).isEqualTo(TransferStatus.COMPLETED);
    assertThat(core.available(from)).isEqualTo(380);
    assertThat(core.available(to)).isEqualTo(120);
    assertThat(Await.result(cache.transfer(outcome.value().id())).orElseThrow().status())
      .isEqualTo(TransferStatus.COMPLETED);
    assertThat(Await.result(cache.pendingMovements(from.shard()))).doesNotContain(outcome.value().id().value());
  }

  @Test
  @DisplayName("when the destination refuses for good, the transfer is reversed and the source gets its money back")
  void reversedWhenTheDestinationRefuses() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = core.openElsewhere(owner(), from);
    Await.result(cache.setStatus(to, WalletStatus.FROZEN, "test"));

    Outcome<TransferView> outcome = Await.result(core.transfer(from, to, 120, alice));

    assertThat(outcome.code()).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    assertThat(outcome.value().status()).isEqualTo(TransferStatus.REVERSED);
    assertThat(outcome.value().reversalReason()).contains(OutcomeCode.WALLET_INACTIVE);
    assertThat(core.available(from)).isEqualTo(500);
    assertThat(core.wallet(to).available()).isZero();
    assertThat(Await.result(cache.transfer(outcome.value().id())).orElseThrow().status())
      .isEqualTo(TransferStatus.REVERSED);
  }

  @Test
  @DisplayName("a crash after the debit leaves a pending transfer that the sweeper completes")
  void sweeperCompletesAfterCrashBeforeCredit() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = core.openElsewhere(owner(), from);
    TransferId id = crashAfterDebit(from, to, 75, alice);
    assertThat(core.available(from)).isEqualTo(425);
    assertThat(core.available(to)).isZero();

    assertThat(Await.result(cache.sweepPendingTransfers())).isGreaterThanOrEqualTo(1);

    assertThat(core.available(to)).isEqualTo(75);
    assertThat(Await.result(cache.transfer(id)).orElseThrow().status()).isEqualTo(TransferStatus.COMPLETED);
    assertThat(Await.result(cache.pendingMovements(from.shard()))).doesNotContain(id.value());
  }

  @Test
  @DisplayName("a crash after the credit is finished by the sweeper without crediting twice")
  void sweeperFinishesAfterCrashBeforeFinish() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = core.openElsewhere(owner(), from);
    TransferId id = crashAfterDebit(from, to, 75, alice);
    TransferView pending = Await.result(cache.transfer(id)).orElseThrow();
    assertThat(Await.result(cache.saga().credit(pending))).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(to)).isEqualTo(75);

    Await.result(cache.sweepPendingTransfers());

    assertThat(core.available(to)).isEqualTo(75);
    assertThat(core.wallet(to).seq()).isEqualTo(1);
    assertThat(Await.result(cache.transfer(id)).orElseThrow().status()).isEqualTo(TransferStatus.COMPLETED);
  }

  @Test
  @DisplayName("a destination frozen while the transfer was pending makes the sweeper reverse it")
  void sweeperReverses() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = core.openElsewhere(owner(), from);
    TransferId id = crashAfterDebit(from, to, 75, alice);
    Await.result(cache.setStatus(to, WalletStatus.CLOSED, "test"));

    Await.result(cache.sweepPendingTransfers());

    TransferView view = Await.result(cache.transfer(id)).orElseThrow();
    assertThat(view.status()).isEqualTo(TransferStatus.REVERSED);
    assertThat(view.reversalReason()).contains(OutcomeCode.WALLET_INACTIVE);
    assertThat(core.available(from)).isEqualTo(500);
    assertThat(core.wallet(to)).extracting(Wallet::status, Wallet::available, Wallet::held)
      .as("the closed destination received nothing").containsExactly(WalletStatus.CLOSED, 0L, 0L);
  }

  @Test
  @DisplayName("a wallet whose whole balance is on its way to another shard cannot be closed (MONEY_IN_FLIGHT) until the transfer ends; then it closes")
  void closingWaitsForOutgoingTransfer() {
    String alice = owner();
    WalletId from = core.funded(alice, 300);
    WalletId to = core.openElsewhere(owner(), from);
    TransferId id = crashAfterDebit(from, to, 300, alice);
    assertThat(core.wallet(from)).extracting(Wallet::available, Wallet::held).containsExactly(0L, 0L);

    Outcome<WalletStatus> refused = Await.result(cache.setStatus(from, WalletStatus.CLOSED, "test"));

    assertThat(refused.code()).isEqualTo(OutcomeCode.MONEY_IN_FLIGHT);
    assertThat(core.wallet(from).status()).isEqualTo(WalletStatus.ACTIVE);
    Await.result(cache.sweepPendingTransfers());
    assertThat(Await.result(cache.transfer(id)).orElseThrow().status()).isEqualTo(TransferStatus.COMPLETED);
    assertThat(Await.result(cache.setStatus(from, WalletStatus.CLOSED, "test")).code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.wallet(from).status()).isEqualTo(WalletStatus.CLOSED);
  }

  @Test
  @DisplayName("a transfer refused by its destination returns the money to a source that could not be closed meanwhile")
  void reversalNeverReachesAClosedSource() {
    String alice = owner();
    WalletId from = core.funded(alice, 300);
    WalletId to = core.openElsewhere(owner(), from);
    WalletId other = core.openElsewhere(owner(), from);
    TransferId first = crashAfterDebit(from, other, 100, alice);
    TransferId second = crashAfterDebit(from, to, 200, alice);
    Await.result(cache.setStatus(to, WalletStatus.FROZEN, "test"));
    Await.result(cache.saga().credit(Await.result(cache.transfer(first)).orElseThrow()));

    assertThat(Await.result(cache.setStatus(from, WalletStatus.CLOSED, "test")).code())
      .as("two transfers in flight").isEqualTo(OutcomeCode.MONEY_IN_FLIGHT);
    Await.result(cache.sweepPendingTransfers());

    assertThat(Await.result(cache.transfer(first)).orElseThrow().status()).isEqualTo(TransferStatus.COMPLETED);
    assertThat(Await.result(cache.transfer(second)).orElseThrow().status()).isEqualTo(TransferStatus.REVERSED);
    assertThat(core.wallet(from)).extracting(Wallet::status, Wallet::available)
      .as("the reversed 200 is back in a wallet that can still spend it").containsExactly(WalletStatus.ACTIVE, 200L);
    assertThat(Await.result(cache.setStatus(from, WalletStatus.CLOSED, "test")).code())
      .as("nothing in flight any more, 200 available").isEqualTo(OutcomeCode.BALANCE_NOT_ZERO);
  }

  @Test
  @DisplayName("many drivers of one pending transfer at once credit the destination exactly once")
  void concurrentDrivers() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = core.openElsewhere(owner(), from);
    TransferId id = crashAfterDebit(from, to, 75, alice);
    TransferView pending = Await.result(cache.transfer(id)).orElseThrow();

    List<Future<?>> drivers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      drivers.add(cache.sweepPendingTransfers());
      drivers.add(cache.saga().credit(pending));
    }
    Await.result(Future.join(drivers));
    Await.result(cache.sweepPendingTransfers());

    assertThat(core.available(to)).isEqualTo(75);
    assertThat(core.wallet(to).seq()).isEqualTo(1);
    assertThat(core.available(from)).isEqualTo(425);
    assertThat(Await.result(cache.transfer(id)).orElseThrow().status()).isEqualTo(TransferStatus.COMPLETED);
  }

  @Test
  @DisplayName("every shard's pending backlog is read, one batch per master; a shard's counts the movements left after their debit and dates the oldest; the sweep empties it")
  void pendingBacklog() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = core.openElsewhere(owner(), from);
    PendingBacklog before = backlogOf(from);
    long firstDebitAtMs = System.currentTimeMillis();
    crashAfterDebit(from, to, 75, alice);
    crashAfterDebit(from, to, 25, alice);
    long lastDebitAtMs = System.currentTimeMillis();

    PendingBacklog during = backlogOf(from);
    Await.result(cache.sweepPendingTransfers());
    PendingBacklog after = backlogOf(from);

    assertThat(Await.result(cache.pendingBacklogs())).extracting(PendingBacklog::shard)
      .containsExactlyInAnyOrderElementsOf(IntStream.range(0, cache.shardCount()).mapToObj(ShardId::new).toList());
    assertThat(during.inRegion().count()).isEqualTo(before.inRegion().count() + 2);
    assertThat(during.inRegion().oldestCreatedAtMs()).isPositive().isLessThanOrEqualTo(lastDebitAtMs);
    if (before.inRegion().count() == 0) {
      assertThat(during.inRegion().oldestCreatedAtMs()).isGreaterThanOrEqualTo(firstDebitAtMs - 1_000);
    }
    assertThat(during.inRegion().oldestAgeSeconds(during.inRegion().oldestCreatedAtMs() + 2_500)).isEqualTo(2.5);
    assertThat(during.toRegions()).as("one region: no other to wait for").isEmpty();
    assertThat(after.inRegion().count()).isLessThanOrEqualTo(during.inRegion().count() - 2);
    assertThat(PendingBacklog.Waiting.NONE.oldestAgeSeconds(lastDebitAtMs)).isZero();
  }

  private TransferId crashAfterDebit(WalletId from, WalletId to, long amount, String owner) {
    return MoneyCore.pendingAfterDebit(cache, from, to, amount, owner);
  }


  private PendingBacklog backlogOf(WalletId wallet) {
    return Await.result(cache.pendingBacklogs()).stream().filter(backlog -> backlog.shard().equals(wallet.shard()))
      .findFirst().orElseThrow();
  }
}
