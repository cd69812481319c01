package dev.wallet.balancecache.impl;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.OpenWallet;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.ShardSnapshot;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.util.Currency;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Redis does not roll back a script that fails half-way, so every script checks everything
 * before its first write. These tests take every key of the shard before and after each kind of
 * refusal and failure and show that nothing changed but the refusal's own idempotency record.
 */
@ExtendWith(VertxExtension.class)
class RefusalsLeaveNoTraceTest {

  private Redis redis;
  private RedisBalanceCache cache;
  private MoneyCore core;
  private ScriptRunner runner;
  private ClusterRouter router;
  private final Scripts scripts = new Scripts();

  @BeforeEach
  void start(Vertx vertx) {
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    core = new MoneyCore(cache);
    redis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
    router = new ClusterRouter(vertx, TestEnvironment.redisNodes(), 4);
    Await.result(router.start(5_000));
    runner = new ScriptRunner(vertx, router, ShardRange.of(64), 1, 500, 2_000);
  }

  @AfterEach
  void stop() {
    Await.result(cache.close());
    redis.close();
    router.close();
  }

  @Test
  @DisplayName("a transfer beyond the balance is refused and writes nothing but its refusal record")
  void insufficientFunds() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId to = core.openNear(owner(), from);
    IdempotencyKey key = key(alice);
    assertRefusedWithoutTrace(from.shard(), key, OutcomeCode.INSUFFICIENT_FUNDS,
      () -> cache.transfer(new Transfer(from, to, new Money(101, USD), alice, key)));
  }

  @Test
  @DisplayName("a transfer to a wallet that does not exist is refused without trace")
  void destinationMissing() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId nowhere = WalletId.random(from.shard());
    IdempotencyKey key = key(alice);
    assertRefusedWithoutTrace(from.shard(), key, OutcomeCode.WALLET_NOT_FOUND,
      () -> cache.transfer(new Transfer(from, nowhere, new Money(10, USD), alice, key)));
  }

  @Test
  @DisplayName("a caller cannot spend from a wallet it does not own, and learns nothing about it")
  void notTheOwner() {
    WalletId from = core.funded(owner(), 100);
    WalletId to = core.openNear(owner(), from);
    String mallory = owner();
    IdempotencyKey key = key(mallory);
    assertRefusedWithoutTrace(from.shard(), key, OutcomeCode.WALLET_NOT_FOUND,
      () -> cache.transfer(new Transfer(from, to, new Money(10, USD), mallory, key)));
  }

  @Test
  @DisplayName("a frozen source or a frozen destination refuses the transfer without trace")
  void inactiveWallets() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId to = core.openNear(owner(), from);
    Await.result(cache.setStatus(to, WalletStatus.FROZEN, "test"));
    IdempotencyKey first = key(alice);
    assertRefusedWithoutTrace(from.shard(), first, OutcomeCode.WALLET_INACTIVE,
      () -> cache.transfer(new Transfer(from, to, new Money(10, USD), alice, first)));

    Await.result(cache.setStatus(to, WalletStatus.ACTIVE, "test"));
    Await.result(cache.setStatus(from, WalletStatus.FROZEN, "test"));
    IdempotencyKey second = key(alice);
    assertRefusedWithoutTrace(from.shard(), second, OutcomeCode.WALLET_INACTIVE,
      () -> cache.transfer(new Transfer(from, to, new Money(10, USD), alice, second)));
  }

  @Test
  @DisplayName("money does not cross currencies: a transfer to a wallet in another currency is refused")
  void currencyMismatch() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId euros = Await.result(cache.openWallet(new OpenWallet(owner(), Currency.getInstance("EUR"),
      WalletType.PERSONAL, Optional.of(from), key("eu")))).value().id();
    IdempotencyKey key = key(alice);
    assertRefusedWithoutTrace(from.shard(), key, OutcomeCode.CURRENCY_MISMATCH,
      () -> cache.transfer(new Transfer(from, euros, new Money(10, USD), alice, key)));
  }

  @Test
  @DisplayName("a wallet cannot pay itself")
  void sameWallet() {
    String alice = owner();
    WalletId wallet = core.funded(alice, 100);
    IdempotencyKey key = key(alice);
    assertRefusedWithoutTrace(wallet.shard(), key, OutcomeCode.SAME_WALLET,
      () -> cache.transfer(new Transfer(wallet, wallet, new Money(10, USD), alice, key)));
  }

  @Test
  @DisplayName("a credit that would take a balance past 2^53-1 minor units is refused, not wrapped")
  void overflow() {
    String alice = owner();
    WalletId wallet = core.open(alice);
    SystemAccount clearing = SystemAccount.clearing("test", USD);
    Await.result(cache.credit(new Credit(wallet, new Money(Money.MAX_MINOR, USD), clearing, PostingType.DEPOSIT,
      "d-max-" + wallet.value(), key("funding"))));
    IdempotencyKey key = key("funding");
    assertRefusedWithoutTrace(wallet.shard(), key, OutcomeCode.BALANCE_OVERFLOW,
      () -> cache.credit(new Credit(wallet, new Money(1, USD), clearing, PostingType.DEPOSIT, "d-overflow-" + key.key(),
        key)));

    // pay the maximum back out, so the shard's clearing account is where it was
    var hold = Await.result(cache.placeHold(new PlaceHold(wallet, new Money(Money.MAX_MINOR, USD), alice, "wd-max",
      key(alice)))).value();
    assertThat(Await.result(cache.settleHold(hold.id(), clearing)).code()).isEqualTo(OutcomeCode.OK);
  }

  @Test
  @DisplayName("a credit that would take a wallet's money, available and held together, past 2^53-1 minor units is "
    + "refused: the hold's release would have taken its available balance past it")
  void overflowWithMoneyHeld() {
    String alice = owner();
    WalletId wallet = core.open(alice);
    SystemAccount clearing = SystemAccount.clearing("test", USD);
    Await.result(cache.credit(new Credit(wallet, new Money(1_000, USD), clearing, PostingType.DEPOSIT,
      "d-held-" + wallet.value(), key("funding"))));
    var hold = Await.result(cache.placeHold(new PlaceHold(wallet, new Money(1_000, USD), alice, "wd-held",
      key(alice)))).value();
    // another clearing account, whose own balance has room for the maximum
    SystemAccount other = SystemAccount.clearing("test.other", USD);
    IdempotencyKey key = key("funding");

    assertRefusedWithoutTrace(wallet.shard(), key, OutcomeCode.BALANCE_OVERFLOW,
      () -> cache.credit(new Credit(wallet, new Money(Money.MAX_MINOR, USD), other, PostingType.DEPOSIT,
        "d-past-" + key.key(), key)));

    assertThat(Await.result(cache.releaseHold(hold.id())).code()).isEqualTo(OutcomeCode.OK);
    assertThat(Await.result(cache.wallet(wallet)).orElseThrow().available()).isEqualTo(1_000);
  }

  @Test
  @DisplayName("a cross-shard debit and a hold beyond the balance are refused without trace")
  void sagaDebitAndHold() {
    String alice = owner();
    WalletId from = core.funded(alice, 50);
    WalletId elsewhere = core.openElsewhere(owner(), from);
    IdempotencyKey debitKey = key(alice);
    assertRefusedWithoutTrace(from.shard(), debitKey, OutcomeCode.INSUFFICIENT_FUNDS,
      () -> cache.transfer(new Transfer(from, elsewhere, new Money(51, USD), alice, debitKey)));
    IdempotencyKey holdKey = key(alice);
    assertRefusedWithoutTrace(from.shard(), holdKey, OutcomeCode.INSUFFICIENT_FUNDS,
      () -> cache.placeHold(new PlaceHold(from, new Money(51, USD), alice, "wd-1", holdKey)));
  }

  @ParameterizedTest(name = "amount \"{0}\"")
  @ValueSource(strings = {"0", "-5", "1.5", "1e3", "abc", "", "9007199254740992", "00012"})
  @DisplayName("the scripts themselves refuse malformed amounts, whatever the caller sends")
  void malformedAmounts(String amount) {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId to = core.openNear(owner(), from);
    ShardId shard = from.shard();
    IdempotencyKey key = key(alice);
    TransferId id = TransferId.random(shard);
    List<String> keys = List.of(Keys.wallet(from), Keys.wallet(to), Keys.idempotency(shard, key),
      Keys.movement(shard, id.value()), Keys.outbox(shard), Keys.systemAccount(shard, SystemAccount.fees(USD)),
      Keys.paymentRecord(shard, id.value()));
    assertRefusedWithoutTrace(shard, key, OutcomeCode.AMOUNT_INVALID,
      () -> runner.run(scripts.move, keys, List.of(id.value(), "transfer", amount, "0", "USD", "hash", alice, "60000",
          SystemAccount.fees(USD).id(shard), "", "", "[]"))
        .map(reply -> Views.outcome(reply, Views::transfer)));
  }

  @Test
  @DisplayName("a capture whose authorization's record is gone when capture.lua runs writes nothing, not even a refusal record")
  void captureWithoutAuthorizationRecord() {
    String alice = owner();
    WalletId payer = core.funded(alice, 100);
    ShardId shard = payer.shard();
    HoldId expired = HoldId.random(shard);
    PaymentId payment = PaymentId.random(shard);
    IdempotencyKey key = key(alice);
    SystemAccount transit = SystemAccount.transit(USD);
    SystemAccount fees = SystemAccount.fees(USD);
    List<String> keys = List.of(Keys.wallet(payer), Keys.hold(expired), Keys.idempotency(shard, key),
      Keys.movement(shard, payment.value()), Keys.outbox(shard), Keys.holdExpiries(shard),
      Keys.pendingMovements(shard), Keys.systemAccount(shard, transit), Keys.wallet(payer),
      Keys.systemAccount(shard, fees), Keys.paymentRecord(shard, payment.value()));
    assertUnrecordedWithoutTrace(shard, OutcomeCode.AUTHORIZATION_NOT_FOUND, () -> runner.run(scripts.capture, keys,
      List.of(payment.value(), expired.value(), "10", "0", "hash", alice, "0", "60000", "1", transit.id(shard),
        fees.id(shard))));
  }

  @Test
  @DisplayName("a void or a withdrawal's ending whose hold's record is gone when finish_hold.lua runs writes nothing")
  void endingWithoutHoldRecord() {
    String alice = owner();
    WalletId wallet = core.funded(alice, 100);
    ShardId shard = wallet.shard();
    HoldId expired = HoldId.random(shard);
    assertUnrecordedWithoutTrace(shard, OutcomeCode.HOLD_NOT_FOUND, () -> runner.run(scripts.finishHold,
      List.of(Keys.wallet(wallet), Keys.hold(expired), Keys.outbox(shard), Keys.holdExpiries(shard),
        Keys.idempotency(shard, key(alice))),
      List.of(expired.value(), "released", "", "void", "hash")));
  }

  /** A script's refusal that writes nothing at all, and says so (kind UNRECORDED) to its caller. */
  private void assertUnrecordedWithoutTrace(ShardId shard, OutcomeCode expected, Supplier<Future<ScriptReply>> script) {
    Map<String, String> before = ShardSnapshot.take(redis, shard);
    ScriptReply reply = Await.result(script.get());
    assertThat(reply.kind()).isEqualTo(ScriptReply.Kind.UNRECORDED);
    assertThat(reply.outcome().getString("code")).isEqualTo(expected.name());
    assertThat(ShardSnapshot.changedKeys(before, ShardSnapshot.take(redis, shard))).as("keys changed").isEmpty();
  }

  @Test
  @DisplayName("the same idempotency key with another body is refused and writes nothing at all")
  void keyReused() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId to = core.openNear(owner(), from);
    IdempotencyKey key = key(alice);
    assertThat(Await.result(cache.transfer(new Transfer(from, to, new Money(10, USD), alice, key))).code())
      .isEqualTo(OutcomeCode.OK);
    Map<String, String> before = ShardSnapshot.take(redis, from.shard());
    Outcome<?> reused = Await.result(cache.transfer(new Transfer(from, to, new Money(11, USD), alice, key)));
    assertThat(reused.code()).isEqualTo(OutcomeCode.IDEMPOTENCY_KEY_REUSED);
    assertThat(ShardSnapshot.changedKeys(before, ShardSnapshot.take(redis, from.shard()))).as("keys changed").isEmpty();
  }

  @Test
  @DisplayName("a script that raises (a finish for a transfer that does not exist) writes nothing at all")
  void scriptErrorWritesNothing() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    ShardId shard = from.shard();
    TransferId ghost = TransferId.random(shard);
    SystemAccount transit = SystemAccount.transit(USD);
    Map<String, String> before = ShardSnapshot.take(redis, shard);
    Future<ScriptReply> finish = runner.run(scripts.sagaFinish,
      List.of(Keys.transfer(ghost), Keys.pendingMovements(shard), Keys.idempotency(shard, key(alice)),
        Keys.wallet(from), Keys.systemAccount(shard, transit), Keys.outbox(shard), Keys.paymentRecord(shard, "none"),
        Keys.owedNotices(shard), Keys.pendingMovements(shard)),
      List.of(ghost.value(), "reversed", "WALLET_INACTIVE", transit.id(shard), "{s0000}:in:" + ghost.value(), ""));
    assertThatThrownBy(() -> Await.result(finish)).hasMessageContaining("no movement");
    assertThat(ShardSnapshot.changedKeys(before, ShardSnapshot.take(redis, shard))).as("keys changed").isEmpty();
  }

  @Test
  @DisplayName("an atomic batch whose second item needs what the first would take is refused whole and writes nothing, not even refusal records")
  void atomicBatchShortOfFunds() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId to = core.openNear(owner(), from);
    List<Transfer> batch = List.of(new Transfer(from, to, new Money(60, USD), alice, key(alice)),
      new Transfer(from, to, new Money(50, USD), alice, key(alice)));
    assertBatchRefusedWithoutTrace(from.shard(), batch, 1, OutcomeCode.INSUFFICIENT_FUNDS);
  }

  @Test
  @DisplayName("an atomic batch whose items each fit a daily limit but together exceed it is refused whole, without trace")
  void atomicBatchOverLimit() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openNear(owner(), from);
    List<LimitCheck> daily = List.of(new LimitCheck("daily.p2p_send", "p2p_send:USD:d:test-" + alice, 100, -1, 60_000));
    List<Transfer> batch = List.of(new Transfer(from, to, new Money(60, USD), alice, key(alice), daily),
      new Transfer(from, to, new Money(50, USD), alice, key(alice), daily));
    assertBatchRefusedWithoutTrace(from.shard(), batch, 1, OutcomeCode.LIMIT_EXCEEDED);
  }

  @Test
  @DisplayName("an atomic batch that names one idempotency key twice raises before any write")
  void atomicBatchKeyTwice() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openNear(owner(), from);
    IdempotencyKey key = key(alice);
    Map<String, String> before = ShardSnapshot.take(redis, from.shard());
    Future<?> twice = cache.transferAll(List.of(new Transfer(from, to, new Money(10, USD), alice, key),
      new Transfer(from, to, new Money(20, USD), alice, key)));
    assertThatThrownBy(() -> Await.result(twice)).hasMessageContaining("used twice");
    assertThat(ShardSnapshot.changedKeys(before, ShardSnapshot.take(redis, from.shard()))).as("keys changed").isEmpty();
  }

  private void assertBatchRefusedWithoutTrace(ShardId shard, List<Transfer> batch, int failing, OutcomeCode expected) {
    Map<String, String> before = ShardSnapshot.take(redis, shard);
    List<Outcome<TransferView>> outcomes = Await.result(cache.transferAll(batch));
    for (int i = 0; i < batch.size(); i++) {
      assertThat(outcomes.get(i).code()).isEqualTo(i == failing ? expected : OutcomeCode.BATCH_REFUSED);
    }
    assertThat(ShardSnapshot.changedKeys(before, ShardSnapshot.take(redis, shard))).as("keys changed on " + shard)
      .isEmpty();
  }

  private void assertRefusedWithoutTrace(ShardId shard, IdempotencyKey key, OutcomeCode expected,
                                         Supplier<Future<? extends Outcome<?>>> request) {
    Map<String, String> before = ShardSnapshot.take(redis, shard);
    Outcome<?> outcome = Await.result(request.get());
    assertThat(outcome.code()).isEqualTo(expected);
    Map<String, String> after = new HashMap<>(ShardSnapshot.take(redis, shard));
    assertThat(after.remove(Keys.idempotency(shard, key))).as("the refusal is recorded for replay").isNotNull();
    assertThat(ShardSnapshot.changedKeys(before, after)).as("keys changed on " + shard).isEmpty();
  }
}
