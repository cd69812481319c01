package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The money core enforces the limits it is given atomically with the debit, under any concurrency. */
class LimitsTest extends MoneyCoreTest {

  @Test
  @DisplayName("100 concurrent transfers against a daily amount limit that admits 37 of them: exactly 37 pass")
  void amountLimitIsExactUnderConcurrency() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000_000);
    List<WalletId> payees = List.of(core.openNear(owner(), from), core.openElsewhere(owner(), from));
    List<LimitCheck> daily = List.of(new LimitCheck("daily p2p", counter("day"), 37 * 10, -1, 60_000));

    List<Future<Outcome<TransferView>>> transfers = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      transfers.add(cache.transfer(new Transfer(from, payees.get(i % 2), new Money(10, USD), alice, key(alice), daily)));
    }
    Await.result(Future.join(transfers));

    assertThat(transfers.stream().filter(f -> f.result().code() == OutcomeCode.OK)).hasSize(37);
    assertThat(transfers.stream().filter(f -> f.result().code() == OutcomeCode.LIMIT_EXCEEDED))
      .hasSize(63)
      .allSatisfy(f -> assertThat(f.result().detail()).isEqualTo("daily p2p"));
    assertThat(core.available(from)).isEqualTo(1_000_000 - 370);
  }

  @Test
  @DisplayName("a velocity limit counts movements, and a refused movement does not count")
  void countLimit() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId to = core.openNear(owner(), from);
    List<LimitCheck> velocity = List.of(new LimitCheck("3 per minute", counter("minute"), -1, 3, 60_000));

    assertThat(transfer(from, to, 10, alice, velocity)).isEqualTo(OutcomeCode.OK);
    assertThat(transfer(from, to, 500, alice, velocity)).isEqualTo(OutcomeCode.INSUFFICIENT_FUNDS);
    assertThat(transfer(from, to, 10, alice, velocity)).isEqualTo(OutcomeCode.OK);
    assertThat(transfer(from, to, 10, alice, velocity)).isEqualTo(OutcomeCode.OK);
    assertThat(transfer(from, to, 10, alice, velocity)).isEqualTo(OutcomeCode.LIMIT_EXCEEDED);
  }

  @Test
  @DisplayName("a reversed cross-shard transfer and a released hold give back what they counted")
  void reversalsAndReleasesUncount() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId closedSoon = core.openElsewhere(owner(), from);
    WalletId open = core.openElsewhere(owner(), from);
    List<LimitCheck> limit = List.of(new LimitCheck("daily", counter("day"), 100, -1, 60_000));
    Await.result(cache.setStatus(closedSoon, WalletStatus.FROZEN, "test"));

    assertThat(transfer(from, closedSoon, 100, alice, limit)).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    HoldView hold = Await.result(cache.placeHold(new PlaceHold(from, new Money(100, USD), alice, "wd", key(alice),
      limit))).value();
    assertThat(transfer(from, open, 1, alice, limit)).as("the hold used the day's limit").isEqualTo(OutcomeCode.LIMIT_EXCEEDED);
    Await.result(cache.releaseHold(hold.id()));

    assertThat(transfer(from, open, 100, alice, limit)).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(open)).isEqualTo(100);
  }

  private OutcomeCode transfer(WalletId from, WalletId to, long amount, String actor, List<LimitCheck> limits) {
    return Await.result(cache.transfer(new Transfer(from, to, new Money(amount, USD), actor, key(actor), limits))).code();
  }

  private static String counter(String window) {
    return "p2p_send:USD:" + window + ":" + UUID.randomUUID();
  }
}
