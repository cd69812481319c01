package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.OpenWallet;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class IdempotencyTest extends MoneyCoreTest {

  @Test
  @DisplayName("50 concurrent identical same-shard transfers make one posting and 49 identical replays")
  void concurrentIdenticalSameShard() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openNear(owner(), from);
    Transfer transfer = new Transfer(from, to, new Money(70, USD), alice, key(alice));

    List<Outcome<TransferView>> outcomes = all(IntStream.range(0, 50).mapToObj(i -> cache.transfer(transfer)).toList());

    assertThat(outcomes).allMatch(o -> o.code() == OutcomeCode.OK);
    assertThat(outcomes.stream().filter(Outcome::replayed)).hasSize(49);
    assertThat(outcomes.stream().map(Outcome::value).collect(Collectors.toSet())).as("replays are identical").hasSize(1);
    assertThat(core.available(from)).isEqualTo(930);
    assertThat(core.available(to)).isEqualTo(70);
    assertThat(core.wallet(from).seq()).as("one posting on the source after its deposit").isEqualTo(2);
  }

  @Test
  @DisplayName("50 concurrent identical cross-shard transfers make one transfer; others replay it or see it in flight")
  void concurrentIdenticalCrossShard() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openElsewhere(owner(), from);
    Transfer transfer = new Transfer(from, to, new Money(70, USD), alice, key(alice));

    List<Outcome<TransferView>> outcomes = all(IntStream.range(0, 50).mapToObj(i -> cache.transfer(transfer)).toList());

    assertThat(outcomes).allMatch(o -> o.code() == OutcomeCode.OK || o.code() == OutcomeCode.IDEMPOTENCY_IN_FLIGHT);
    Set<TransferId> ids = outcomes.stream().map(o -> o.value().id()).collect(Collectors.toSet());
    assertThat(ids).hasSize(1);
    assertThat(outcomes.stream().filter(o -> o.code() == OutcomeCode.OK && !o.replayed())).hasSize(1);
    assertThat(core.available(from)).isEqualTo(930);
    assertThat(core.available(to)).isEqualTo(70);
    assertThat(Await.result(cache.transfer(transfer))).satisfies(replay -> {
      assertThat(replay.replayed()).isTrue();
      assertThat(replay.value().id()).isEqualTo(ids.iterator().next());
      assertThat(replay.value().status()).isEqualTo(TransferStatus.COMPLETED);
    });
  }

  @Test
  @DisplayName("the same key with another body is refused with IDEMPOTENCY_KEY_REUSED and moves nothing")
  void keyReusedWithAnotherBody() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openNear(owner(), from);
    IdempotencyKey key = key(alice);
    assertThat(Await.result(cache.transfer(new Transfer(from, to, new Money(10, USD), alice, key))).code())
      .isEqualTo(OutcomeCode.OK);

    Outcome<TransferView> other = Await.result(cache.transfer(new Transfer(from, to, new Money(20, USD), alice, key)));
    assertThat(other.code()).isEqualTo(OutcomeCode.IDEMPOTENCY_KEY_REUSED);
    assertThat(core.available(from)).isEqualTo(990);
  }

  @Test
  @DisplayName("while the first request's saga is unfinished, a retry gets IDEMPOTENCY_IN_FLIGHT; once finished, its outcome")
  void inFlightUntilTheSagaEnds() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openElsewhere(owner(), from);
    Transfer transfer = new Transfer(from, to, new Money(40, USD), alice, key(alice));
    TransferId id = TransferId.random(from.shard());
    Outcome<TransferView> debited = Await.result(cache.saga().debit(transfer, id));
    assertThat(debited.code()).isEqualTo(OutcomeCode.PENDING);

    Outcome<TransferView> retry = Await.result(cache.transfer(transfer));
    assertThat(retry.code()).isEqualTo(OutcomeCode.IDEMPOTENCY_IN_FLIGHT);
    assertThat(retry.value().id()).isEqualTo(id);

    assertThat(Await.result(cache.sweepPendingTransfers())).isGreaterThanOrEqualTo(1);
    Outcome<TransferView> after = Await.result(cache.transfer(transfer));
    assertThat(after.code()).isEqualTo(OutcomeCode.OK);
    assertThat(after.replayed()).isTrue();
    assertThat(after.value().id()).isEqualTo(id);
    assertThat(core.available(to)).isEqualTo(40);
  }

  @Test
  @DisplayName("a refused request stays refused on retry, even after the refusal's cause went away")
  void refusalStaysRefused() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId to = core.openNear(owner(), from);
    Transfer tooMuch = new Transfer(from, to, new Money(500, USD), alice, key(alice));
    assertThat(Await.result(cache.transfer(tooMuch)).code()).isEqualTo(OutcomeCode.INSUFFICIENT_FUNDS);

    core.fund(from, 1_000);
    Outcome<TransferView> retry = Await.result(cache.transfer(tooMuch));
    assertThat(retry.code()).isEqualTo(OutcomeCode.INSUFFICIENT_FUNDS);
    assertThat(retry.replayed()).isTrue();
    assertThat(core.available(from)).isEqualTo(1_100);
  }

  @Test
  @DisplayName("opening a wallet twice under one key gives the same wallet once")
  void openWalletIsIdempotent() {
    String alice = owner();
    OpenWallet open = new OpenWallet(alice, USD, WalletType.PERSONAL, Optional.empty(), key(alice));
    List<Outcome<Wallet>> outcomes = all(IntStream.range(0, 10).mapToObj(i -> cache.openWallet(open)).toList());
    assertThat(outcomes).allMatch(o -> o.code() == OutcomeCode.OK);
    assertThat(outcomes.stream().map(o -> o.value().id()).distinct()).hasSize(1);
    assertThat(outcomes.stream().filter(o -> !o.replayed())).hasSize(1);
  }

  private static <T> List<T> all(List<Future<T>> futures) {
    Await.result(Future.all(futures));
    return futures.stream().map(Future::result).toList();
  }
}
