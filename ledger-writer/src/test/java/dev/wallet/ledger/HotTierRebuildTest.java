package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.command.Authorize;
import dev.wallet.balancecache.command.Capture;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.config.Settings;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.CaptureView;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.RefundView;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.MovementKind;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.impl.HotTierRebuild;
import io.lettuce.core.ScoredValue;
import io.lettuce.core.ScriptOutputType;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Disaster recovery: Redis is emptied and refilled from the ledger alone. */
@ExtendWith(VertxExtension.class)
class HotTierRebuildTest {

  /** Longer than a rebuild of the test ledger takes, short enough to wait out at the end. */
  private static final Duration CLOCK_AHEAD = Duration.ofSeconds(20);

  private LedgerFixture ledger;
  private RedisBalanceCache cache;
  private MoneyCore core;

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    core = new MoneyCore(cache);
  }

  @AfterEach
  void stop() {
    ledger.close();
    Await.result(cache.close());
  }

  @Test
  @DisplayName("after Redis is flushed and rebuilt from the ledger, every balance, sequence, status, pending transfer and hold is as before, with the limit counters it names, and sagas finish once")
  void rebuildRestoresTheHotTier(Vertx vertx) {
    LedgerWriter writer = ledger.startWriter();
    // an owner (a token's subject) may hold a '/', which the counter keys carry: Lua's JSON encoder
    // writes it "\/", the rebuild's "/", and the scripts compare the keys a record names as lists
    String alice = "org/" + owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId near = core.openNear(owner(), payer);
    WalletId far = core.openElsewhere(owner(), payer);
    WalletId frozen = core.funded(owner(), 300);
    List<LimitCheck> limits = List.of(new LimitCheck("daily amount", "p2p:USD:d:" + System.nanoTime(), 1_000_000, -1,
      3_600_000), new LimitCheck("an hour's count", "out:v:" + System.nanoTime(), -1, 100, 3_600_000));
    assertThat(Await.result(core.transfer(payer, near, 100, alice)).code()).isEqualTo(OutcomeCode.OK);
    assertThat(Await.result(core.transfer(payer, far, 200, alice)).code()).isEqualTo(OutcomeCode.OK);
    TransferView debitedOnly = debit(payer, far, 300, alice, limits);
    TransferView credited = debit(payer, far, 400, alice, limits);
    assertThat(Await.result(cache.saga().credit(credited))).isEqualTo(OutcomeCode.OK);
    assertThat(Await.result(cache.placeHold(new PlaceHold(payer, new Money(500, USD), alice, "withdrawal-7",
      MoneyCore.key(alice), limits))).code()).isEqualTo(OutcomeCode.OK);
    WalletId shop = core.openMerchant(owner(), Optional.of(payer));
    HoldId authorization = Await.result(cache.authorize(new Authorize(payer, shop, new Money(800, USD), alice,
      "cart-9", 600_000, MoneyCore.key(alice), limits))).value().id();
    assertThat(Await.result(cache.capture(new Capture(authorization, 300, 8, true, "*", MoneyCore.key(alice)))).code())
      .isEqualTo(OutcomeCode.OK);
    IdempotencyKey depositKey = MoneyCore.key("gateway");
    Credit deposit = new Credit(near, new Money(50, USD), SystemAccount.clearing("sandbox", USD), PostingType.DEPOSIT,
      "dep-" + System.nanoTime(), depositKey);
    assertThat(Await.result(cache.credit(deposit)).code()).isEqualTo(OutcomeCode.OK);
    assertThat(Await.result(cache.setStatus(frozen, WalletStatus.FROZEN, "test")).code()).isEqualTo(OutcomeCode.OK);
    StripedPayment hot = paidThroughAStripe(vertx, payer, alice);
    WalletId stripe = hot.stripe();
    Settlement fromAnotherRegion = creditedFromAnotherRegion(vertx, near, 70);
    ledger.awaitDrained(Duration.ofSeconds(30));
    Await.result(writer.stop());

    // the hot merchant's wallet with the field that says its stripes were opened, which its reads follow
    List<WalletId> wallets = List.of(payer, near, far, frozen, shop, stripe, hot.merchant());
    Map<String, Map<String, String>> before = snapshot(wallets, List.of(debitedOnly, credited));
    ledger.redis().flushall();
    RebuildReport report = Await.result(HotTierRebuild.run(vertx, cache,
      LedgerPlacement.single(LedgerFixture.appDatabase()), 24 * 3_600_000L), 300);
    Map<String, Map<String, String>> after = snapshot(wallets, List.of(debitedOnly, credited));

    assertThat(report.pendingTransfers()).isGreaterThanOrEqualTo(2);
    assertThat(after).isEqualTo(before);
    assertThat(Await.result(cache.credit(deposit)).code()).as("a retried deposit after the rebuild")
      .isEqualTo(OutcomeCode.IDEMPOTENCY_KEY_REUSED);
    assertSagasFinishOnce(payer, far, before);
    long nearAfter = core.available(near);
    OutcomeCode redelivered = Await.result(HotTierRebuildTest.<OutcomeCode>inRegionA(vertx,
      region -> region.creditFromRegion(fromAnotherRegion, Optional.empty())));
    assertThat(redelivered).as("a credit from another region delivered again after the rebuild")
      .isEqualTo(OutcomeCode.OK);
    assertThat(core.available(near)).as("and not credited twice").isEqualTo(nearAfter);
    assertThat(Await.result(cache.authorization(authorization)).orElseThrow().heldMinor()).isEqualTo(500);
    long availableBeforeVoid = core.available(payer);
    assertThat(Await.result(cache.voidAuthorization(authorization, MoneyCore.key(alice))).code()).as("the restored authorization voided")
      .isEqualTo(OutcomeCode.OK);
    assertThat(core.available(payer)).isEqualTo(availableBeforeVoid + 500);
    assertThat(paidAgain(vertx, hot, payer, alice)).as("a payment to the hot merchant by a process that opens its "
      + "stripes, whose opening's idempotency record the rebuild restored").isEqualTo(OutcomeCode.OK);
  }

  @Test
  @DisplayName("the rebuild restores every limit counter whose window is open, net of reversals and releases, so an owner's limits hold across the disaster")
  void rebuildRestoresLimitCounters(Vertx vertx) {
    LedgerWriter writer = ledger.startWriter();
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId near = core.openNear(owner(), payer);
    WalletId far = core.openElsewhere(owner(), payer);
    WalletId frozenFar = core.openElsewhere(owner(), payer);
    assertThat(Await.result(cache.setStatus(frozenFar, WalletStatus.FROZEN, "test")).code()).isEqualTo(OutcomeCode.OK);
    WalletId shop = core.openMerchant(owner(), Optional.of(payer));
    List<LimitCheck> limits = List.of(
      new LimitCheck("daily amount", "p2p:USD:d:test", 2_000, -1, 3_600_000),
      new LimitCheck("monthly count", "p2p:USD:m:test", -1, 5, 30L * 24 * 3_600_000),
      new LimitCheck("a window that ends at once", "p2p:USD:gone", -1, -1, 1));

    assertThat(transfer(payer, near, 100, alice, limits)).isEqualTo(OutcomeCode.OK);
    assertThat(transfer(payer, far, 400, alice, limits)).isEqualTo(OutcomeCode.OK);
    assertThat(transfer(payer, frozenFar, 600, alice, limits)).as("reversed: gives back what it counted")
      .isEqualTo(OutcomeCode.WALLET_INACTIVE);
    assertThat(Await.result(cache.placeHold(new PlaceHold(payer, new Money(500, USD), alice, "withdrawal-1",
      MoneyCore.key(alice), limits))).code()).isEqualTo(OutcomeCode.OK);
    HoldId released = Await.result(cache.placeHold(new PlaceHold(payer, new Money(300, USD), alice, "withdrawal-2",
      MoneyCore.key(alice), limits))).value().id();
    assertThat(Await.result(cache.releaseHold(released)).code()).as("released: gives back what it counted")
      .isEqualTo(OutcomeCode.OK);
    HoldId authorization = Await.result(cache.authorize(new Authorize(payer, shop, new Money(800, USD), alice,
      "cart-1", 600_000, MoneyCore.key(alice), limits))).value().id();
    assertThat(Await.result(cache.capture(new Capture(authorization, 300, 0, false, "*", MoneyCore.key(alice)))).code())
      .as("captured in part: the rest's amount given back, its count kept").isEqualTo(OutcomeCode.OK);
    ledger.awaitDrained(Duration.ofSeconds(30));
    Await.result(writer.stop());

    Map<String, Map<String, String>> before = limitCounters(payer.shard(), alice);
    assertThat(before.values()).as("the day's and the month's: 100 + 400 + 500 + 300 in four movements").hasSize(2)
      .allSatisfy(counter -> assertThat(counter).containsEntry("amt", "1300").containsEntry("cnt", "4"));
    ledger.redis().flushall();
    RebuildReport report = Await.result(HotTierRebuild.run(vertx, cache,
      LedgerPlacement.single(LedgerFixture.appDatabase()), 24 * 3_600_000L), 300);

    assertThat(report.limitCounters()).isGreaterThanOrEqualTo(2);
    assertThat(limitCounters(payer.shard(), alice)).isEqualTo(before);
    assertThat(transfer(payer, near, 800, alice, limits)).as("beyond the day's 2,000 with the restored 1,300")
      .isEqualTo(OutcomeCode.LIMIT_EXCEEDED);
    assertThat(transfer(payer, near, 700, alice, limits)).as("up to it").isEqualTo(OutcomeCode.OK);
  }

  @Test
  @DisplayName("a payment whose fee is its whole amount, credited and not finished when Redis was lost, is restored as "
    + "credited: a retry is told it is in flight, and it finishes without crediting the fee account a second time")
  void aPaymentOfFeeAloneIsRestoredAsCredited(Vertx vertx) {
    LedgerWriter writer = ledger.startWriter();
    String alice = owner();
    WalletId payer = core.funded(alice, 1_000);
    WalletId shop = core.openMerchantElsewhere(owner(), payer);
    PaymentId id = PaymentId.random(payer.shard());
    Payment allFee = new Payment(payer, shop, new Money(100, USD), 100, alice, "all-fee", MoneyCore.key(alice),
      List.of());
    assertThat(Await.result(cache.saga().debitAndCredit(allFee, id))).isEqualTo(OutcomeCode.OK);
    String fees = shop.shard().tag() + ":a:fees:USD";
    ledger.awaitDrained(Duration.ofSeconds(30));
    String feesBefore = ledger.redis().hget(fees, "avail");

    rebuiltOnceTheLedgerHasIt(vertx, writer);

    assertThat(ledger.redis().hget(shop.shard().tag() + ":in:" + id.value(), "outcome")).as("its credit decision")
      .isNotNull();
    assertThat(Await.result(cache.pay(allFee)).code()).as("its retry, while it is under way")
      .isEqualTo(OutcomeCode.IDEMPOTENCY_IN_FLIGHT);
    assertThat(Await.result(cache.authorize(new Authorize(payer, shop, new Money(100, USD), alice, "all-fee", 600_000,
      allFee.idempotencyKey(), List.of()))).code()).as("another kind of request under its key")
      .isEqualTo(OutcomeCode.IDEMPOTENCY_KEY_REUSED);
    Eventually.await("the payment to finish", Duration.ofSeconds(60), () -> {
      Await.result(cache.sweepPendingTransfers());
      return !Await.result(cache.pendingMovements(payer.shard())).contains(id.value());
    });
    assertThat(ledger.redis().hget(fees, "avail")).as("the fee credited once").isEqualTo(feesBefore);
    assertThat(ledger.redis().hget(payer.shard().tag() + ":x:" + id.value(), "state")).isEqualTo("completed");
  }

  @Test
  @DisplayName("a capture into the saga, pending when Redis was lost, is restored with its authorization and its "
    + "counters, so that a reversal after the rebuild gives back what it captured")
  void aPendingCaptureKeepsItsAuthorizationsCounters(Vertx vertx) {
    LedgerWriter writer = ledger.startWriter();
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId shop = core.openMerchantOnAnotherMaster(owner(), payer);
    List<LimitCheck> limits = List.of(new LimitCheck("daily amount", "pay:USD:d:" + System.nanoTime(), 1_000_000, -1,
      3_600_000));
    HoldId authorization = Await.result(cache.authorize(new Authorize(payer, shop, new Money(800, USD), alice,
      "cart-3", 600_000, MoneyCore.key(alice), limits))).value().id();
    int shopsMaster = RedisNodes.masterOf(shop.shard());
    RedisNodes.cli(shopsMaster, "CLIENT", "PAUSE", "5000", "WRITE");
    Outcome<CaptureView> captured;
    try {
      captured = Await.result(cache.capture(new Capture(authorization, 300, 0, true, "*", MoneyCore.key(alice))), 30);
    } finally {
      RedisNodes.cli(shopsMaster, "CLIENT", "UNPAUSE");
    }
    assertThat(captured.code()).as("its credit could not be reached").isEqualTo(OutcomeCode.PENDING);
    String record = payer.shard().tag() + ":x:" + captured.value().payment().id().value();
    Map<String, String> before = capturedRecord(record);
    assertThat(before).containsKeys("lim", "auth");

    rebuiltOnceTheLedgerHasIt(vertx, writer);

    assertThat(capturedRecord(record)).isEqualTo(before);
  }

  @Test
  @DisplayName("a refund across shards, pending when Redis was lost, is restored naming its payment: a retry is told "
    + "it is in flight, with the refund's id and its payment's")
  void aPendingRefundRetriedAfterTheRebuildIsInFlight(Vertx vertx) {
    LedgerWriter writer = ledger.startWriter();
    // the rebuild leaves the completed payment's record out: its refund finds the payment in the ledger,
    // as the edge's does
    cache.connectLedger(LedgerReader.create(ledger.pool()));
    String alice = owner();
    String shopOwner = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId shop = core.openMerchantOnAnotherMaster(shopOwner, payer);
    Outcome<PaymentView> paid = Await.result(cache.pay(new Payment(payer, shop, new Money(1_000, USD), 0, alice,
      "order-11", MoneyCore.key(alice), List.of())));
    assertThat(paid.code()).isEqualTo(OutcomeCode.OK);
    Refund refund = new Refund(paid.value().id(), new Money(400, USD), shopOwner, MoneyCore.key(shopOwner));
    Outcome<RefundView> pending = refundedWhileItsCreditIsOutOfReach(refund, payer);
    assertThat(pending.code()).as("its credit could not be reached").isEqualTo(OutcomeCode.PENDING);

    rebuiltOnceTheLedgerHasIt(vertx, writer);
    Outcome<RefundView> retried = Await.result(cache.refund(refund));

    assertThat(retried.code()).isEqualTo(OutcomeCode.IDEMPOTENCY_IN_FLIGHT);
    assertThat(retried.value().id()).isEqualTo(pending.value().id());
    assertThat(retried.value().payment()).isEqualTo(paid.value().id());
  }

  @Test
  @DisplayName("a credit stripe frozen for itself (reconciliation's finding) stays frozen after the rebuild: an edge "
    + "that copies its active merchant's status to its stripes does not lift the freeze, and payments do not land on it")
  void aStripeFrozenForItselfStaysFrozen(Vertx vertx) {
    LedgerWriter writer = ledger.startWriter();
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    StripedPayment hot = paidThroughAStripe(vertx, payer, alice);
    // as Reconciler.freeze does it: through a money core that stripes no one
    assertThat(Await.result(cache.setStatus(hot.stripe(), WalletStatus.FROZEN, "reconciliation: a finding about it"))
      .value()).isEqualTo(WalletStatus.FROZEN);

    rebuiltOnceTheLedgerHasIt(vertx, writer);

    assertThat(paidAgain(vertx, hot, payer, alice)).as("a payment by a process that opens the merchant's stripes and "
      + "copies its status to them").isEqualTo(OutcomeCode.WALLET_INACTIVE);
    assertThat(ledger.redis().hget(hot.stripe().shard().tag() + ":w:" + hot.stripe().value(), "status"))
      .isEqualTo("frozen");
  }

  @Test
  @DisplayName("a credit stripe frozen for itself while its merchant's freeze had frozen it already stays frozen after "
    + "the merchant's freeze is lifted, and after the rebuild")
  void aStripeFrozenForItselfUnderAFrozenMerchantStaysFrozen(Vertx vertx) {
    LedgerWriter writer = ledger.startWriter();
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    StripedPayment hot = paidThroughAStripe(vertx, payer, alice);
    assertThat(Await.result(cache.setStatus(hot.merchant(), WalletStatus.FROZEN, "risk review")).value())
      .isEqualTo(WalletStatus.FROZEN);
    assertThat(Await.result(cache.setStatus(hot.stripe(), WalletStatus.FROZEN, "reconciliation: a finding about it"))
      .value()).isEqualTo(WalletStatus.FROZEN);
    assertThat(Await.result(cache.setStatus(hot.merchant(), WalletStatus.ACTIVE, "review passed")).value())
      .isEqualTo(WalletStatus.ACTIVE);
    String stripeKey = hot.stripe().shard().tag() + ":w:" + hot.stripe().value();
    assertThat(ledger.redis().hget(stripeKey, "status")).as("before the loss").isEqualTo("frozen");

    rebuiltOnceTheLedgerHasIt(vertx, writer);

    assertThat(paidAgain(vertx, hot, payer, alice)).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    assertThat(ledger.redis().hget(stripeKey, "status")).isEqualTo("frozen");
  }

  @Test
  @DisplayName("a shard's clock carried ahead before Redis was lost is restored with it: a movement after the rebuild "
    + "is not stamped before the ones the ledger has")
  void theShardsClockIsRestored(Vertx vertx) {
    LedgerWriter writer = ledger.startWriter();
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openNear(owner(), from);
    String clock = from.shard().tag() + ":clock";
    // as a master whose clock ran ahead leaves it (docs/architecture.md, "The shard's clock"), by more than a rebuild takes
    ledger.redis().set(clock, Long.toString(Instant.now().plus(CLOCK_AHEAD).toEpochMilli()));
    TransferView last = completed(core.transfer(from, to, 100, alice));

    rebuiltOnceTheLedgerHasIt(vertx, writer);

    try {
      assertThat(completed(core.transfer(from, to, 100, alice)).createdAt()).as("the first movement after the rebuild")
        .isAfterOrEqualTo(last.createdAt());
      assertThat(Long.parseLong(ledger.redis().get(clock))).as("the shard's clock")
        .isGreaterThanOrEqualTo(last.createdAt().toEpochMilli());
    } finally {
      // no later test of the shared shard should see movements dated ahead of its own clock
      Eventually.await("this machine's clock to catch up with the shard's", CLOCK_AHEAD.plusSeconds(30),
        () -> last.createdAt().isBefore(Instant.now()));
    }
  }

  private static TransferView completed(Future<Outcome<TransferView>> transfer) {
    Outcome<TransferView> outcome = Await.result(transfer);
    assertThat(outcome.code()).isEqualTo(OutcomeCode.OK);
    return outcome.value();
  }

  /** The payer's master takes no writes for a while, so the refund's debit is made and its credit waits. */
  private Outcome<RefundView> refundedWhileItsCreditIsOutOfReach(Refund refund, WalletId payer) {
    int payersMaster = RedisNodes.masterOf(payer.shard());
    RedisNodes.cli(payersMaster, "CLIENT", "PAUSE", "5000", "WRITE");
    try {
      return Await.result(cache.refund(refund), 30);
    } finally {
      RedisNodes.cli(payersMaster, "CLIENT", "UNPAUSE");
    }
  }

  /** Redis emptied and rebuilt from the ledger, once the writer has committed everything and stopped. */
  private void rebuiltOnceTheLedgerHasIt(Vertx vertx, LedgerWriter writer) {
    ledger.awaitDrained(Duration.ofSeconds(30));
    Await.result(writer.stop());
    ledger.redis().flushall();
    Await.result(HotTierRebuild.run(vertx, cache, LedgerPlacement.single(LedgerFixture.appDatabase()),
      24 * 3_600_000L), 300);
  }

  /** What saga_finish reads of a capture's record to give back its counters: their keys and its authorization. */
  private Map<String, String> capturedRecord(String key) {
    Map<String, String> record = withCountersListed(ledger.redis().hgetall(key));
    record.keySet().retainAll(List.of("kind", "from", "to", "amt", "state", "lim", "auth"));
    return record;
  }

  @Test
  @DisplayName("a counter is restored only under a limit counter's key: a ledger row naming any other key writes nothing")
  void restoresOnlyLimitCounterKeys() {
    WalletId wallet = core.funded(owner(), 1_000);
    String walletKey = wallet.shard().tag() + ":w:" + wallet.value();
    Map<String, String> before = ledger.redis().hgetall(walletKey);
    long inAMinute = System.currentTimeMillis() + 60_000;

    assertThatThrownBy(() -> Await.result(cache.hotTier().restoreLimitCounter(
      new HotTierAccess.LimitCounterFacts(walletKey, 5, 1, inAMinute))))
      .hasMessageContaining("not a limit counter's key");

    assertThat(ledger.redis().hgetall(walletKey)).isEqualTo(before);
    assertThat(ledger.redis().pttl(walletKey)).as("and no lifetime given to it").isEqualTo(-1L);
  }

  /**
   * The first of the scope's writes as a retried attempt finds it when the reply to the first was
   * lost: until 2026-12-07 the retry took the scope for someone else's and left it so, without an
   * outcome or a lifetime, refusing its key for good.
   */
  @Test
  @DisplayName("a retired idempotency scope whose first write was sent again is finished, with its outcome and lifetime")
  void aScopeRetiredTwiceIsFinished() {
    String scope = "{s0003}:idem:retired-" + UUID.randomUUID();
    ledger.redis().hset(scope, "rh", "rebuilt-from-ledger");

    boolean retired = Await.result(cache.hotTier().retireIdempotencyScope(scope, 60_000));

    assertThat(retired).isTrue();
    assertThat(ledger.redis().hgetall(scope)).containsEntry("state", "done")
      .containsEntry("outcome", "{\"code\":\"IDEMPOTENCY_KEY_REUSED\"}");
    assertThat(ledger.redis().pttl(scope)).isBetween(1L, 60_000L);
    assertThat(Await.result(cache.hotTier().retireIdempotencyScope("{s0003}:idem:restored-" + UUID.randomUUID(),
      60_000))).as("a scope of its own").isTrue();
  }

  private OutcomeCode transfer(WalletId from, WalletId to, long amount, String owner, List<LimitCheck> limits) {
    return Await.result(cache.transfer(new Transfer(from, to, new Money(amount, USD), owner, MoneyCore.key(owner),
      limits))).code();
  }

  /** The owner's limit counters: amount, count and when the window ends (Redis's PEXPIRETIME). */
  private Map<String, Map<String, String>> limitCounters(ShardId home, String owner) {
    Map<String, Map<String, String>> counters = new TreeMap<>();
    for (String key : ledger.redis().keys(home.tag() + ":lim:" + owner + ":*")) {
      Map<String, String> counter = new TreeMap<>(ledger.redis().hgetall(key));
      Long ends = ledger.redis().eval("return redis.call('PEXPIRETIME', KEYS[1])", ScriptOutputType.INTEGER, key);
      counter.put("ends", Long.toString(ends));
      counters.put(key, counter);
    }
    return counters;
  }

  /**
   * A payment from {@code payer} to a hot merchant on another shard, landed on the merchant's credit
   * stripe on the payer's shard: the stripe, whose hash (its parent included) the rebuild must restore.
   */
  private StripedPayment paidThroughAStripe(Vertx vertx, WalletId payer, String payerOwner) {
    String hotShop = owner();
    RedisBalanceCache striped = stripingFor(vertx, hotShop);
    try {
      core.fund(payer, 1_000);
      WalletId merchant = core.openMerchantElsewhere(hotShop, payer);
      assertThat(Await.result(striped.pay(new Payment(payer, merchant, new Money(1_000, USD), 10, payerOwner, "hot",
        MoneyCore.key(payerOwner), List.of()))).code()).isEqualTo(OutcomeCode.OK);
      WalletId stripe = WalletId.derived(payer.shard(), "stripe|" + merchant.value());
      assertThat(ledger.redis().hget(stripe.shard().tag() + ":w:" + stripe.value(), "parent")).isEqualTo(merchant.value());
      assertThat(core.available(stripe)).isEqualTo(990);
      return new StripedPayment(hotShop, merchant, stripe);
    } finally {
      Await.result(striped.close());
    }
  }

  /** A hot merchant's wallet, paid through its credit stripe on the payer's shard. */
  private record StripedPayment(String hotShop, WalletId merchant, WalletId stripe) {
  }

  /** Another payment to the same hot merchant, by a new process, which opens the merchant's stripes first. */
  private OutcomeCode paidAgain(Vertx vertx, StripedPayment hot, WalletId payer, String payerOwner) {
    RedisBalanceCache striped = stripingFor(vertx, hot.hotShop());
    try {
      core.fund(payer, 100);
      return Await.result(striped.pay(new Payment(payer, hot.merchant(), new Money(100, USD), 10, payerOwner, "hot",
        MoneyCore.key(payerOwner), List.of()))).code();
    } finally {
      Await.result(striped.close());
    }
  }

  private static RedisBalanceCache stripingFor(Vertx vertx, String hotShop) {
    RedisBalanceCache striped = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0)
      .withStriping(new BalanceCacheOptions.Striping(java.util.Set.of(hotShop), 0)));
    Await.result(striped.start());
    return striped;
  }

  /**
   * A transfer another region debited for {@code to}, credited here by this cluster as region a's money
   * core (docs/architecture.md, "Regions"): a credit whose debit and end are in the other region's
   * ledger. That region is a third one, c, which no test runs: region b's books, which the suite's
   * check between regions compares with these, have no debit for it.
   */
  private Settlement creditedFromAnotherRegion(Vertx vertx, WalletId to, long amount) {
    Settlement settlement = new Settlement(TransferId.random(new ShardId(2_001)).value(), MovementKind.TRANSFER,
      WalletId.random(new ShardId(2_001)), to, new Money(amount, USD), "c");
    OutcomeCode credited = Await.result(HotTierRebuildTest.<OutcomeCode>inRegionA(vertx,
      region -> region.creditFromRegion(settlement, Optional.empty())));
    assertThat(credited).isEqualTo(OutcomeCode.OK);
    return settlement;
  }

  /** {@code work} on a money core of this cluster as region a of three, started and closed around it. */
  private static <T> Future<T> inRegionA(Vertx vertx, Function<RedisBalanceCache, Future<T>> work) {
    Regions regions = Regions.from(Settings.of(Map.of("WALLET_REGIONS",
      "a=http://127.0.0.1:1,b=http://127.0.0.1:2,c=http://127.0.0.1:3", "WALLET_REGION", "a"), new JsonObject()), 64);
    RedisBalanceCache region = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0)
      .withRegions(regions));
    return region.start().compose(started -> work.apply(region)).eventually(region::close);
  }

  private TransferView debit(WalletId from, WalletId to, long amount, String owner, List<LimitCheck> limits) {
    Transfer transfer = new Transfer(from, to, new Money(amount, USD), owner, MoneyCore.key(owner), limits);
    TransferView view = Await.result(cache.saga().debit(transfer, TransferId.random(from.shard()))).value();
    assertThat(view.status().wire()).isEqualTo("pending");
    return view;
  }

  /** The money core's view after the rebuild: the sweeper credits the first saga and only finishes the second. */
  private void assertSagasFinishOnce(WalletId payer, WalletId far, Map<String, Map<String, String>> before) {
    long farBefore = Long.parseLong(before.get(far.shard().tag() + ":w:" + far.value()).get("avail"));
    Eventually.await("the restored sagas to finish", Duration.ofSeconds(60), () -> {
      Await.result(cache.sweepPendingTransfers());
      return Await.result(cache.pendingMovements(payer.shard())).isEmpty();
    });
    assertThat(core.available(far)).as("far receives the debited-only 300 once, the credited 400 not again")
      .isEqualTo(farBefore + 300);
  }

  /** Wallet and system-account hashes of the test's shards, pending sets, pending transfer records, credit decisions, holds. */
  private Map<String, Map<String, String>> snapshot(List<WalletId> wallets, List<TransferView> pending) {
    Map<String, Map<String, String>> keys = new TreeMap<>();
    TreeSet<String> shards = new TreeSet<>();
    for (WalletId wallet : wallets) {
      keys.put(wallet.shard().tag() + ":w:" + wallet.value(), ledger.redis().hgetall(wallet.shard().tag() + ":w:"
        + wallet.value()));
      shards.add(wallet.shard().tag());
    }
    for (String shard : shards) {
      for (String key : ledger.redis().keys(shard + ":a:*")) {
        keys.put(key, ledger.redis().hgetall(key));
      }
      for (String key : ledger.redis().keys(shard + ":h:*")) {
        Map<String, String> hold = ledger.redis().hgetall(key);
        if ("active".equals(hold.get("state"))) {
          keys.put(key, withCountersListed(hold));
        }
      }
      Map<String, String> pendingSet = new TreeMap<>();
      for (ScoredValue<String> member : ledger.redis().zrangeWithScores(shard + ":pending", 0, -1)) {
        pendingSet.put(member.getValue(), Long.toString((long) member.getScore()));
      }
      keys.put(shard + ":pending", pendingSet);
      Map<String, String> expirySet = new TreeMap<>();
      for (ScoredValue<String> member : ledger.redis().zrangeWithScores(shard + ":hexp", 0, -1)) {
        expirySet.put(member.getValue(), Long.toString((long) member.getScore()));
      }
      keys.put(shard + ":hexp", expirySet);
    }
    for (TransferView t : pending) {
      Map<String, String> record = new TreeMap<>(ledger.redis().hgetall(t.id().shard().tag() + ":x:" + t.id().value()));
      record.keySet().retainAll(List.of("id", "kind", "from", "to", "amt", "fee", "cur", "state", "created", "idem",
        "pay", "ref", "lim"));
      keys.put("x:" + t.id().value(), withCountersListed(record));
      String decision = ledger.redis().hget(t.to().shard().tag() + ":in:" + t.id().value(), "outcome");
      keys.put("in:" + t.id().value(), decision == null ? Map.of()
        : Map.of("code", new io.vertx.core.json.JsonObject(decision).getString("code")));
    }
    return keys;
  }

  /** A record with its counter list ('lim') as the keys it names, however its JSON was written. */
  private static Map<String, String> withCountersListed(Map<String, String> record) {
    Map<String, String> listed = new TreeMap<>(record);
    listed.computeIfPresent("lim", (field, json) -> new JsonArray(json).getList().toString());
    return listed;
  }
}
