package dev.wallet.balancecache.impl;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCacheOptions.Striping;
import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.command.Authorize;
import dev.wallet.balancecache.command.Capture;
import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.CaptureView;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.RefundView;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.SystemNames;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hot merchants on credit stripes, against the real cluster: a payment from a payer on any shard
 * is one script on the payer's shard, the merchant still sees one wallet whose balance is exact
 * while sweeps move its money, and payouts and refunds find the money wherever it is.
 */
@ExtendWith(VertxExtension.class)
class CreditStripesTest {

  private static final long FEE = 30;

  private RedisBalanceCache cache;
  private MoneyCore core;
  private String shop;
  private WalletId merchant;

  @BeforeEach
  void start(Vertx vertx) {
    shop = owner();
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0)
      .withStriping(new Striping(Set.of(shop), 0)));
    Await.result(cache.start());
    core = new MoneyCore(cache);
    merchant = core.openMerchant(shop, Optional.empty());
  }

  @AfterEach
  void stop() {
    Await.result(cache.close());
  }

  @Test
  @DisplayName("payments from payers on many shards each complete in one script on the payer's shard, on its stripe")
  void paymentsLandOnThePayersShard() {
    List<WalletId> payers = payersOnOtherShards(12, 5_000);

    List<Outcome<PaymentView>> paid = Await.result(Future.all(payers.stream().map(payer -> pay(payer, 1_000)).toList())
      .map(all -> all.<Outcome<PaymentView>>list()));

    for (int i = 0; i < payers.size(); i++) {
      Outcome<PaymentView> outcome = paid.get(i);
      assertThat(outcome.code()).isEqualTo(OutcomeCode.OK);
      assertThat(outcome.value().status()).as("no saga: completed at once").isEqualTo(TransferStatus.COMPLETED);
      assertThat(outcome.value().merchant()).as("the merchant sees its own wallet").isEqualTo(merchant);
      PaymentView stored = Await.result(cache.payment(outcome.value().id())).orElseThrow();
      assertThat(stored.merchant()).isEqualTo(merchant);
      assertThat(stored.status()).isEqualTo(TransferStatus.COMPLETED);
      WalletId stripe = Stripes.stripeOf(merchant, payers.get(i).shard());
      assertThat(core.wallet(stripe).available()).as("on the payer's shard's stripe").isGreaterThanOrEqualTo(1_000 - FEE);
      // other tests' movements may be pending on the same shard of the shared cluster
      assertThat(Await.result(cache.pendingMovements(payers.get(i).shard()))).doesNotContain(outcome.value().id().value());
    }
    assertThat(core.wallet(merchant).available()).as("the merchant's total").isEqualTo(12 * (1_000 - FEE));
  }

  @Test
  @DisplayName("the merchant's total is exact while payments arrive and sweeps move the money between its wallets")
  void totalStaysExactWhileSwept() throws Exception {
    List<WalletId> payers = payersOnOtherShards(16, 1_000_000);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong paidIn = new AtomicLong();
    AtomicLong swept = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    ConcurrentLinkedQueue<String> wrongReads = new ConcurrentLinkedQueue<>();

    Thread payments = new Thread(() -> {
      while (running.get()) {
        Await.result(Future.all(payers.stream().map(payer -> pay(payer, 1_000)
          .map(outcome -> assertOk(outcome.code()))).toList()));
        paidIn.addAndGet(payers.size() * (1_000 - FEE));
      }
    });
    // a pass of sweeps after every two reads: reads meet sweeps under way, and each read settles
    Thread sweeper = new Thread(() -> {
      long readsBefore = -2;
      while (running.get()) {
        if (reads.get() >= readsBefore + 2) {
          readsBefore = reads.get();
          swept.addAndGet(Await.result(cache.sweepStripes(merchant)));
        } else {
          Thread.onSpinWait();
        }
      }
    });
    Thread reader = new Thread(() -> {
      long last = 0;
      while (running.get()) {
        long before = paidIn.get();
        try {
          long total = Await.result(cache.wallet(merchant)).orElseThrow().available();
          long after = paidIn.get() + payers.size() * (1_000 - FEE);  // a round under way may be seen in part
          if (total < last || total < before || total > after) {
            wrongReads.add("read " + total + " after " + last + ", paid in between " + before + " and " + after);
          }
          last = total;
        } catch (RuntimeException failed) {
          wrongReads.add("read failed: " + failed);
        }
        reads.incrementAndGet();
      }
    });
    payments.start();
    sweeper.start();
    reader.start();
    long until = System.currentTimeMillis() + 4_000;
    while (System.currentTimeMillis() < until && wrongReads.isEmpty()) {
      Thread.onSpinWait();
    }
    running.set(false);
    payments.join();
    sweeper.join();
    reader.join();
    swept.addAndGet(Await.result(cache.sweepStripes(merchant)));

    assertThat(wrongReads).as("every total read is what was paid in by then, never less than the read before").isEmpty();
    assertThat(reads.get()).as("reads").isGreaterThanOrEqualTo(5);
    assertThat(swept.get()).as("what sweeps moved while read").isPositive();
    assertThat(core.wallet(merchant).available()).isEqualTo(paidIn.get());
    assertThat(ownBalance(merchant)).as("everything swept into the merchant wallet").isEqualTo(paidIn.get());
    for (WalletId payer : payers) {
      assertThat(core.wallet(Stripes.stripeOf(merchant, payer.shard())).available()).isZero();
    }
  }

  @Test
  @DisplayName("a sweep stopped after its debit, or after its credit, counts once in the merchant's total")
  void sweepUnderWayCountsOnce() {
    WalletId payer = payersOnOtherShards(1, 5_000).get(0);
    assertOk(Await.result(pay(payer, 2_000)).code());
    WalletId stripe = Stripes.stripeOf(merchant, payer.shard());
    long total = 2_000 - FEE;
    String id = dev.wallet.balancecache.model.TransferId.random(stripe.shard()).value();
    Movement sweep = new Movement(id, dev.wallet.balancecache.outbox.MovementKind.SWEEP, stripe, merchant,
      new Money(1_500, USD), 0, "*", new dev.wallet.balancecache.model.IdempotencyKey("sweeps", id), "", "",
      List.of(), "sweep|" + id);
    PendingMovement pending = PendingMovement.of(sweep);

    assertThat(Await.result(cache.saga().debit(sweep)).outcome().getString("code")).isEqualTo("PENDING");
    assertThat(core.wallet(stripe).available()).isEqualTo(total - 1_500);
    assertThat(core.wallet(merchant).available()).as("in transit").isEqualTo(total);

    assertThat(Await.result(cache.saga().credit(pending))).isEqualTo(OutcomeCode.OK);
    assertThat(ownBalance(merchant)).as("credited, the sweep not finished yet").isEqualTo(1_500);
    assertThat(core.wallet(merchant).available()).isEqualTo(total);

    Await.result(cache.saga().finish(pending, "completed", ""));
    assertThat(core.wallet(merchant).available()).isEqualTo(total);
    assertThat(ownBalance(merchant)).isEqualTo(1_500);
  }

  @Test
  @DisplayName("a refund from a stripe that was swept empty is refilled from the merchant wallet first")
  void refundAfterSweep() {
    WalletId payer = payersOnOtherShards(1, 5_000).get(0);
    PaymentView paid = Await.result(pay(payer, 2_000)).value();
    Await.result(cache.sweepStripes(merchant));
    assertThat(core.wallet(Stripes.stripeOf(merchant, payer.shard())).available()).isZero();

    Outcome<RefundView> refunded = Await.result(cache.refund(new Refund(paid.id(), new Money(1_500, USD), shop,
      key(shop))));

    assertThat(refunded.code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(payer)).isEqualTo(5_000 - 2_000 + 1_500);
    assertThat(core.wallet(merchant).available()).isEqualTo(2_000 - FEE - 1_500);
    assertThat(Await.result(cache.payment(paid.id())).orElseThrow().refundedMinor()).isEqualTo(1_500);
  }

  @Test
  @DisplayName("a retried refund or payout is answered from its key before its stripe is refilled or the stripes "
    + "gathered: a retry moves no money between the merchant's wallets")
  void retriesMoveNoMoneyBetweenTheMerchantsWallets() {
    List<WalletId> payers = payersOnOtherShards(2, 5_000);
    PaymentView paid = Await.result(pay(payers.get(0), 2_000)).value();
    assertOk(Await.result(pay(payers.get(1), 2_000)).code());
    Await.result(cache.sweepStripes(merchant));
    Refund refund = new Refund(paid.id(), new Money(1_500, USD), shop, key(shop));
    PlaceHold payout = new PlaceHold(merchant, new Money(500, USD), shop, "wd-retried", key(shop));
    assertOk(Await.result(cache.refund(refund)).code());
    assertOk(Await.result(cache.placeHold(payout)).code());
    long sweepsBefore = cache.sagaCounts().started();
    long merchantBefore = core.wallet(merchant).available();

    Outcome<RefundView> refundAgain = Await.result(cache.refund(refund));
    Outcome<HoldView> payoutAgain = Await.result(cache.placeHold(payout));

    assertThat(refundAgain.replayed()).isTrue();
    assertThat(payoutAgain.replayed()).isTrue();
    assertThat(cache.sagaCounts().started() - sweepsBefore).as("sweeps started by the retries").isZero();
    assertThat(core.wallet(merchant).available()).isEqualTo(merchantBefore);
  }

  @Test
  @DisplayName("a refund from a stripe that holds part of it is refilled by the rest, gathered from the other stripes "
    + "only: two sweeps, the stripe's own money left where the refund needs it")
  void aRefillKeepsTheStripesOwnMoney() {
    List<WalletId> payers = payersOnOtherShards(2, 5_000);
    PaymentView paid = Await.result(pay(payers.get(0), 1_000)).value();
    assertOk(Await.result(pay(payers.get(1), 2_000)).code());
    WalletId stripe = Stripes.stripeOf(merchant, payers.get(0).shard());
    assertThat(core.wallet(stripe).available()).isEqualTo(1_000 - FEE);
    long sweepsBefore = cache.sagaCounts().started();

    Outcome<RefundView> refunded = Await.result(cache.refund(new Refund(paid.id(), new Money(1_000, USD), shop,
      key(shop))));

    assertThat(refunded.code()).isEqualTo(OutcomeCode.OK);
    assertThat(cache.sagaCounts().started() - sweepsBefore).as("the other stripe's gathering and the refill")
      .isEqualTo(2);
    assertThat(core.available(payers.get(0))).isEqualTo(5_000);
    assertThat(core.wallet(merchant).available()).isEqualTo((1_000 - FEE) + (2_000 - FEE) - 1_000);
  }

  /**
   * A payment from a payer on the merchant's own shard lands on the merchant wallet, and its refund is
   * paid from there. Until 2026-12-06 such a refund never drew on the stripes, and was refused while
   * the merchant held enough in total.
   */
  @Test
  @DisplayName("a refund of a payment that landed on the merchant wallet itself gathers the stripes when the wallet "
    + "holds too little")
  void refundFromTheMerchantWalletGathersTheStripes() {
    WalletId neighbour = core.openNear(owner(), merchant);
    core.fund(neighbour, 5_000);
    PaymentView paid = Await.result(pay(neighbour, 1_000)).value();
    assertThat(ownBalance(merchant)).as("landed on the merchant wallet").isEqualTo(1_000 - FEE);
    assertOk(Await.result(cache.placeHold(new PlaceHold(merchant, new Money(1_000 - FEE, USD), shop, "wd-all",
      key(shop)))).code());
    WalletId payer = payersOnOtherShards(1, 5_000).get(0);
    assertOk(Await.result(pay(payer, 2_000)).code());

    Outcome<RefundView> refunded = Await.result(cache.refund(new Refund(paid.id(), new Money(500, USD), shop,
      key(shop))));

    assertThat(refunded.code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(neighbour)).isEqualTo(5_000 - 1_000 + 500);
    assertThat(core.wallet(merchant).available()).isEqualTo(2_000 - FEE - 500);
    assertThat(core.wallet(merchant).held()).isEqualTo(1_000 - FEE);
  }

  @Test
  @DisplayName("a capture for a merchant on another shard completes at once on the payer's shard's stripe, and is "
    + "refunded from there")
  void captureLandsOnTheStripe() {
    WalletId payer = payersOnOtherShards(1, 5_000).get(0);
    String payerOwner = Await.result(cache.identity(payer)).orElseThrow().ownerId();
    Outcome<AuthorizationView> authorized = Await.result(cache.authorize(new Authorize(payer, merchant,
      new Money(3_000, USD), payerOwner, "order-9", 600_000, key(payerOwner), List.of())));
    assertThat(authorized.code()).isEqualTo(OutcomeCode.OK);

    Outcome<CaptureView> captured = Await.result(cache.capture(new Capture(authorized.value().id(), 2_000, FEE, false,
      "*", key(shop))));

    assertThat(captured.code()).isEqualTo(OutcomeCode.OK);
    PaymentView payment = captured.value().payment();
    assertThat(payment.status()).as("no saga: completed at once").isEqualTo(TransferStatus.COMPLETED);
    assertThat(payment.merchant()).as("the merchant sees its own wallet").isEqualTo(merchant);
    assertThat(Await.result(cache.payment(payment.id())).orElseThrow().merchant()).isEqualTo(merchant);
    assertThat(core.wallet(Stripes.stripeOf(merchant, payer.shard())).available()).isEqualTo(2_000 - FEE);
    assertThat(Await.result(cache.pendingMovements(payer.shard()))).doesNotContain(payment.id().value());
    assertThat(core.wallet(payer).held()).as("the rest released").isZero();
    assertThat(core.available(payer)).isEqualTo(3_000);

    Outcome<RefundView> refunded = Await.result(cache.refund(new Refund(payment.id(), new Money(500, USD), shop,
      key(shop))));

    assertThat(refunded.code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(payer)).isEqualTo(3_500);
    assertThat(core.wallet(merchant).available()).as("the merchant's total").isEqualTo(2_000 - FEE - 500);
  }

  @Test
  @DisplayName("concurrent refunds that each fit the stripe but together do not are all paid: the merchant holds "
    + "enough in total")
  void concurrentRefundsFromOneStripe() {
    core.fund(merchant, 20_000);
    WalletId payer = payersOnOtherShards(1, 100_000).get(0);
    List<PaymentView> paid = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      paid.add(Await.result(pay(payer, 1_000)).value());
    }
    assertThat(core.wallet(Stripes.stripeOf(merchant, payer.shard())).available()).isEqualTo(16 * (1_000 - FEE));

    List<Outcome<RefundView>> refunds = Await.result(Future.all(paid.stream().map(payment -> cache.refund(
        new Refund(payment.id(), new Money(1_000, USD), shop, key(shop)))).toList())
      .map(all -> all.<Outcome<RefundView>>list()));

    assertThat(refunds).extracting(Outcome::code).containsOnly(OutcomeCode.OK);
    assertThat(core.available(payer)).isEqualTo(100_000);
    assertThat(core.wallet(merchant).available()).isEqualTo(20_000 - 16 * FEE);
  }

  @Test
  @DisplayName("payouts that need the money on the stripes, racing refunds that need it back there, are all paid: "
    + "the merchant holds enough in total")
  void payoutsRacingRefunds() {
    List<WalletId> payers = payersOnOtherShards(8, 5_000);
    List<PaymentView> paid = Await.result(Future.all(payers.stream().map(payer -> pay(payer, 1_000)).toList())
      .map(all -> all.<Outcome<PaymentView>>list().stream().map(Outcome::value).toList()));
    assertThat(ownBalance(merchant)).isZero();

    List<Future<OutcomeCode>> asked = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      asked.add(cache.placeHold(new PlaceHold(merchant, new Money(1_500, USD), shop, "wd-" + i, key(shop)))
        .map(Outcome::code));
    }
    paid.forEach(payment -> asked.add(cache.refund(new Refund(payment.id(), new Money(200, USD), shop, key(shop)))
      .map(Outcome::code)));
    List<OutcomeCode> answers = Await.result(Future.all(asked).map(all -> all.<OutcomeCode>list()));

    assertThat(answers).containsOnly(OutcomeCode.OK);
    assertThat(core.wallet(merchant).held()).isEqualTo(4 * 1_500);
    assertThat(core.wallet(merchant).available()).isEqualTo(8 * (1_000 - FEE) - 4 * 1_500 - 8 * 200);
    payers.forEach(payer -> assertThat(core.available(payer)).isEqualTo(5_000 - 1_000 + 200));
  }

  @Test
  @DisplayName("refunds to payers on other shards of payments that landed on the merchant wallet itself, racing "
    + "payouts that take what it gathers, are all paid: the merchant holds enough in total")
  void sagaRefundsRacingPayouts(Vertx vertx) {
    List<WalletId> payers = payersOnOtherShards(8, 5_000);
    List<PaymentView> onTheWallet = paidThroughAProcessWithoutStriping(vertx, payers, 1_000);
    payers.forEach(payer -> assertOk(Await.result(pay(payer, 1_000)).code()));
    assertThat(ownBalance(merchant)).isEqualTo(8 * (1_000 - FEE));

    List<Future<OutcomeCode>> asked = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      asked.add(cache.placeHold(new PlaceHold(merchant, new Money(1_500, USD), shop, "wd-" + i, key(shop)))
        .map(Outcome::code));
    }
    onTheWallet.forEach(payment -> asked.add(cache.refund(new Refund(payment.id(), new Money(500, USD), shop,
      key(shop))).map(Outcome::code)));
    List<OutcomeCode> answers = Await.result(Future.all(asked).map(all -> all.<OutcomeCode>list()));

    assertThat(answers).containsOnly(OutcomeCode.OK);
    assertThat(core.wallet(merchant).held()).isEqualTo(4 * 1_500);
    assertThat(core.wallet(merchant).available()).isEqualTo(16 * (1_000 - FEE) - 4 * 1_500 - 8 * 500);
    payers.forEach(payer -> assertThat(core.available(payer)).isEqualTo(5_000 - 2 * 1_000 + 500));
  }

  @Test
  @DisplayName("the system taking money back from a merchant whose money is held for a payout is answered "
    + "funds_held after its gatherings, unrecorded (its caller waits for the hold to end), and asked again "
    + "once the payout came back it takes the money")
  void aChargebackWaitingForHeldMoneyEnds() {
    List<WalletId> payers = payersOnOtherShards(2, 5_000);
    Await.result(Future.all(payers.stream().map(payer -> pay(payer, 1_000)).toList()));
    long total = 2 * (1_000 - FEE);
    Outcome<HoldView> payout = Await.result(cache.placeHold(new PlaceHold(merchant, new Money(total, USD), shop,
      "wd-" + UUID.randomUUID(), key(shop))));
    assertThat(payout.code()).isEqualTo(OutcomeCode.OK);
    PlaceHold chargeback = new PlaceHold(merchant, new Money(1_000, USD), SystemNames.ACTOR,
      "cb-" + UUID.randomUUID(), key("system"));

    Outcome<HoldView> waiting = Await.result(cache.placeHold(chargeback), 30);
    Await.result(cache.releaseHold(payout.value().id()));
    Outcome<HoldView> taken = Await.result(cache.placeHold(chargeback), 30);

    assertThat(waiting.code()).isEqualTo(OutcomeCode.FUNDS_HELD);
    assertThat(taken.code()).as("not recorded: asked again, it takes the money").isEqualTo(OutcomeCode.OK);
    assertThat(core.wallet(merchant).held()).isEqualTo(1_000);
  }

  @Test
  @DisplayName("a payout larger than the merchant wallet holds gathers the stripes first")
  void payoutGathersTheStripes() {
    List<WalletId> payers = payersOnOtherShards(4, 5_000);
    Await.result(Future.all(payers.stream().map(payer -> pay(payer, 1_000)).toList()));
    assertThat(ownBalance(merchant)).isZero();

    Outcome<HoldView> held = Await.result(cache.placeHold(new PlaceHold(merchant, new Money(3_500, USD), shop, "wd-1",
      key(shop))));

    assertThat(held.code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.wallet(merchant).held()).isEqualTo(3_500);
    assertThat(core.wallet(merchant).available()).isEqualTo(4 * (1_000 - FEE) - 3_500);
  }

  @Test
  @DisplayName("a transfer on its shard and to another, a payment, an authorization and an atomic batch from the "
    + "merchant wallet gather its stripes when the wallet itself holds too little, as its balance counts the stripes' "
    + "money as its own")
  void everyMovementFromTheMerchantWalletGathersTheStripes() {
    WalletId near = core.openNear(owner(), merchant);
    WalletId far = core.openElsewhere(owner(), merchant);
    WalletId supplier = core.openMerchant(owner(), Optional.of(merchant));
    Map<String, Function<Long, Future<OutcomeCode>>> movements = new LinkedHashMap<>();
    movements.put("transfer on its shard", minor -> core.transfer(merchant, near, minor, shop).map(Outcome::code));
    movements.put("transfer to another shard", minor -> core.transfer(merchant, far, minor, shop).map(Outcome::code));
    movements.put("payment", minor -> cache.pay(new Payment(merchant, supplier, new Money(minor, USD), 0, shop,
      "supplies", key(shop), List.of())).map(Outcome::code));
    movements.put("authorization", minor -> cache.authorize(new Authorize(merchant, supplier, new Money(minor, USD),
      shop, "more supplies", 600_000, key(shop), List.of())).map(Outcome::code));
    movements.put("atomic batch", minor -> cache.transferAll(List.of(
        new Transfer(merchant, near, new Money(minor / 2, USD), shop, key(shop)),
        new Transfer(merchant, near, new Money(minor - minor / 2, USD), shop, key(shop))))
      .map(outcomes -> outcomes.stream().map(Outcome::code).filter(code -> code != OutcomeCode.OK).findFirst()
        .orElse(OutcomeCode.OK)));

    long paidIn = 0;
    Map<String, Long> taken = new LinkedHashMap<>();
    for (Map.Entry<String, Function<Long, Future<OutcomeCode>>> movement : movements.entrySet()) {
      assertOk(Await.result(pay(payersOnOtherShards(1, 5_000).get(0), 1_000)).code());
      paidIn += 1_000 - FEE;
      long moreThanItsOwn = ownBalance(merchant) + 500;

      assertThat(Await.result(movement.getValue().apply(moreThanItsOwn))).as(movement.getKey())
        .isEqualTo(OutcomeCode.OK);
      taken.put(movement.getKey(), moreThanItsOwn);
    }

    long takenInAll = taken.values().stream().mapToLong(Long::longValue).sum();
    assertThat(core.wallet(merchant).held()).as("the authorization's").isEqualTo(taken.get("authorization"));
    assertThat(core.wallet(merchant).available()).isEqualTo(paidIn - takenInAll);
    assertThat(core.available(near)).isEqualTo(taken.get("transfer on its shard") + taken.get("atomic batch"));
  }

  @Test
  @DisplayName("a merchant whose owner is taken off the striped list keeps what its stripes hold: a process that does "
    + "not stripe the owner counts it in the balance, lists the stripes with the wallet, and gathers them for a payout")
  void aMerchantNoLongerListedKeepsItsStripesMoney(Vertx vertx) {
    List<WalletId> payers = payersOnOtherShards(4, 5_000);
    Await.result(Future.all(payers.stream().map(payer -> pay(payer, 1_000)).toList()));
    long paidIn = 4 * (1_000 - FEE);
    assertThat(ownBalance(merchant)).isZero();
    RedisBalanceCache unlisted = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0));
    Await.result(unlisted.start());
    try {
      assertThat(Await.result(unlisted.wallet(merchant)).orElseThrow().available()).isEqualTo(paidIn);
      assertThat(Await.result(unlisted.stripesOf(merchant))).hasSize(cache.shardCount() - 1);

      Outcome<HoldView> held = Await.result(unlisted.placeHold(new PlaceHold(merchant, new Money(paidIn, USD), shop,
        "wd-unlisted", key(shop))));

      assertThat(held.code()).isEqualTo(OutcomeCode.OK);
      assertThat(Await.result(unlisted.wallet(merchant)).orElseThrow().held()).isEqualTo(paidIn);
    } finally {
      Await.result(unlisted.close());
    }
  }

  @Test
  @DisplayName("an owner taken off the striped list moves its merchant wallet's stripes' money in an atomic batch as in "
    + "a single transfer: the stripes are gathered, not the batch refused for funds its balance shows (until "
    + "2026-12-07 only a listed owner's batch gathered them)")
  void anUnlistedOwnersAtomicBatchGathersTheStripes(Vertx vertx) {
    List<WalletId> payers = payersOnOtherShards(4, 5_000);
    Await.result(Future.all(payers.stream().map(payer -> pay(payer, 1_000)).toList()));
    long paidIn = 4 * (1_000 - FEE);
    WalletId near = core.openNear(shop, merchant);
    RedisBalanceCache unlisted = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0));
    Await.result(unlisted.start());
    try {
      List<Outcome<TransferView>> moved = Await.result(unlisted.transferAll(List.of(
        new Transfer(merchant, near, new Money(paidIn / 2, USD), shop, key(shop)),
        new Transfer(merchant, near, new Money(paidIn - paidIn / 2, USD), shop, key(shop)))));

      assertThat(moved).extracting(Outcome::code).containsOnly(OutcomeCode.OK);
      assertThat(core.available(near)).isEqualTo(paidIn);
      assertThat(Await.result(unlisted.wallet(merchant)).orElseThrow().available()).isZero();
    } finally {
      Await.result(unlisted.close());
    }
  }

  @Test
  @DisplayName("a payout the stripes it can sweep cover is paid while another stripe's master takes no writes; one "
    + "they do not cover is unavailable, not refused for funds")
  void payoutGathersWhatItCanReach() {
    List<WalletId> payers = payersOnOtherShards(8, 5_000);
    Await.result(Future.all(payers.stream().map(payer -> pay(payer, 1_000)).toList()));
    int merchantsMaster = RedisNodes.masterOf(merchant.shard());
    int silent = payers.stream().map(payer -> RedisNodes.masterOf(payer.shard()))
      .filter(master -> master != merchantsMaster).findFirst().orElseThrow();
    long onSilentStripes = payers.stream().filter(payer -> RedisNodes.masterOf(payer.shard()) == silent).count()
      * (1_000 - FEE);
    long reachable = 8 * (1_000 - FEE) - onSilentStripes;

    Outcome<HoldView> held;
    Throwable beyond;
    // writes paused (a sweep of its stripes cannot run there), so that CLIENT UNPAUSE is not held up itself
    RedisNodes.cli(silent, "CLIENT", "PAUSE", "20000", "WRITE");
    try {
      held = Await.result(cache.placeHold(new PlaceHold(merchant, new Money(reachable, USD), shop, "wd-1", key(shop))),
        30);
      beyond = Await.result(cache.placeHold(new PlaceHold(merchant, new Money(1, USD), shop, "wd-2", key(shop)))
        .transform(done -> Future.succeededFuture(done.cause())), 30);
    } finally {
      RedisNodes.cli(silent, "CLIENT", "UNPAUSE");
    }

    assertThat(held.code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.wallet(merchant).held()).isEqualTo(reachable);
    assertThat(beyond).isInstanceOf(BalanceCacheUnavailableException.class);
  }

  @Test
  @DisplayName("a frozen merchant is refused on every shard, and paid again on every shard once reactivated")
  void statusReachesEveryStripe() {
    List<WalletId> payers = payersOnOtherShards(6, 5_000);
    assertOk(Await.result(pay(payers.get(0), 100)).code());

    assertOk(Await.result(cache.setStatus(merchant, WalletStatus.FROZEN, "risk review")).code());
    for (WalletId payer : payers) {
      assertThat(Await.result(pay(payer, 100)).code()).isEqualTo(OutcomeCode.WALLET_INACTIVE);
      assertThat(Await.result(cache.wallet(Stripes.stripeOf(merchant, payer.shard()))).orElseThrow().status())
        .isEqualTo(WalletStatus.FROZEN);
    }

    assertOk(Await.result(cache.setStatus(merchant, WalletStatus.ACTIVE, "cleared")).code());
    for (WalletId payer : payers) {
      assertOk(Await.result(pay(payer, 100)).code());
    }
  }

  @Test
  @DisplayName("a striped merchant closes only once every stripe is empty, and then is refused on every shard")
  void closesOnlyWhenEveryStripeIsEmpty() {
    List<WalletId> payers = payersOnOtherShards(3, 5_000);
    assertOk(Await.result(pay(payers.get(0), 1_000)).code());

    assertThat(Await.result(cache.setStatus(merchant, WalletStatus.CLOSED, "leaving")).code())
      .as("money on a stripe").isEqualTo(OutcomeCode.BALANCE_NOT_ZERO);
    assertThat(core.wallet(merchant).status()).isEqualTo(WalletStatus.ACTIVE);
    for (WalletId payer : payers) {
      assertThat(core.wallet(Stripes.stripeOf(merchant, payer.shard())).status()).as("the empty stripes open again")
        .isEqualTo(WalletStatus.ACTIVE);
    }
    assertOk(Await.result(pay(payers.get(1), 100)).code());

    long total = 1_000 - FEE + 100 - FEE;
    HoldView payout = Await.result(cache.placeHold(new PlaceHold(merchant, new Money(total, USD), shop, "wd-all",
      key(shop)))).value();
    assertOk(Await.result(cache.settleHold(payout.id(), dev.wallet.balancecache.model.SystemAccount.clearing("sandbox",
      USD))).code());
    assertOk(Await.result(cache.setStatus(merchant, WalletStatus.CLOSED, "leaving")).code());

    assertThat(core.wallet(merchant).status()).isEqualTo(WalletStatus.CLOSED);
    for (WalletId payer : payers) {
      assertThat(Await.result(pay(payer, 100)).code()).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    }
  }

  @Test
  @DisplayName("a close the merchant wallet refuses after its empty stripes closed first leaves them open again: "
    + "payments land on them as before")
  void closeRefusedByTheMerchantWalletReopensItsStripes() {
    List<WalletId> payers = payersOnOtherShards(3, 5_000);
    assertOk(Await.result(pay(payers.get(0), 1_000)).code());
    Await.result(cache.sweepStripes(merchant));
    assertThat(ownBalance(merchant)).as("swept into the merchant wallet").isEqualTo(1_000 - FEE);

    assertThat(Await.result(cache.setStatus(merchant, WalletStatus.CLOSED, "leaving")).code())
      .as("money on the merchant wallet itself").isEqualTo(OutcomeCode.BALANCE_NOT_ZERO);

    assertThat(core.wallet(merchant).status()).isEqualTo(WalletStatus.ACTIVE);
    for (WalletId payer : payers) {
      assertThat(core.wallet(Stripes.stripeOf(merchant, payer.shard())).status()).as("its stripe open again")
        .isEqualTo(WalletStatus.ACTIVE);
      assertOk(Await.result(pay(payer, 100)).code());
    }
  }

  @Test
  @DisplayName("a close that one stripe's master could not answer leaves the stripes that did close open again: "
    + "payments land on them as before")
  void closeAStripeCouldNotAnswerReopensTheOthers() {
    List<WalletId> payers = payersOnOtherShards(8, 5_000);
    Await.result(Future.all(payers.stream().map(payer -> pay(payer, 100)).toList()));
    Await.result(cache.sweepStripes(merchant));
    int merchantsMaster = RedisNodes.masterOf(merchant.shard());
    int silent = payers.stream().map(payer -> RedisNodes.masterOf(payer.shard()))
      .filter(master -> master != merchantsMaster).findFirst().orElseThrow();
    List<WalletId> answering = payers.stream().filter(payer -> RedisNodes.masterOf(payer.shard()) != silent).toList();
    assertThat(answering).isNotEmpty();

    Throwable closing;
    RedisNodes.cli(silent, "CLIENT", "PAUSE", "20000", "WRITE");
    try {
      closing = Await.result(cache.setStatus(merchant, WalletStatus.CLOSED, "leaving")
        .transform(done -> Future.succeededFuture(done.failed() ? done.cause() : null)), 30);
    } finally {
      RedisNodes.cli(silent, "CLIENT", "UNPAUSE");
    }

    assertThat(closing).as("one stripe did not answer").isNotNull();
    assertThat(core.wallet(merchant).status()).isEqualTo(WalletStatus.ACTIVE);
    for (WalletId payer : answering) {
      assertThat(core.wallet(Stripes.stripeOf(merchant, payer.shard())).status()).as("its stripe open again")
        .isEqualTo(WalletStatus.ACTIVE);
      assertOk(Await.result(pay(payer, 100)).code());
    }
  }

  /**
   * The ledger writer's reconciliation freezes wallets through a money core that stripes no owner.
   * Until 2026-12-06 its freeze of a striped merchant wallet left every stripe active, and payments
   * from other shards kept landing on them.
   */
  @Test
  @DisplayName("a merchant wallet frozen by a process that does not stripe its owner (reconciliation's) freezes its "
    + "stripes too")
  void aFreezeFromAProcessWithoutStripingReachesTheStripes(Vertx vertx) {
    List<WalletId> payers = payersOnOtherShards(2, 5_000);
    assertOk(Await.result(pay(payers.get(0), 1_000)).code());
    frozenByAProcessWithoutStriping(vertx);

    assertStripesFrozenFor(payers);
  }

  /**
   * An opening that failed on one shard opens the others; until 2026-12-06 a process that does not
   * stripe the owner probed only the first stripe, and froze the merchant without the open ones.
   */
  @Test
  @DisplayName("a process that does not stripe the owner finds its open stripes when the first one was never opened")
  void stripesFoundPastAMissingFirstOne(Vertx vertx) {
    WalletId first = cache.stripes().stripesOf(merchant).get(0);
    List<WalletId> payers = payersOnOtherShards(3, 5_000).stream()
      .filter(payer -> !payer.shard().equals(first.shard())).limit(2).toList();
    assertOk(Await.result(pay(payers.get(0), 1_000)).code());
    RedisNodes.cli(RedisNodes.masterOf(first.shard()), "DEL", Keys.wallet(first));
    frozenByAProcessWithoutStriping(vertx);

    assertStripesFrozenFor(payers);
  }

  /**
   * Reconciliation freezes a stripe for a finding about the stripe itself. Until 2026-12-06 the next copy
   * of its merchant's status (an edge starting, any status change of the merchant) made it active again.
   */
  /**
   * Every edge gathers the stripes of the merchants it knows every 10 s, each sweep under a key of
   * its own: until 2026-12-07 the refusal of a frozen stripe was recorded under it for a day, a new
   * record a pass, stripe and edge while the freeze lasted.
   */
  @Test
  @DisplayName("sweeping a frozen stripe that holds money writes nothing: the refusal of a sweep is no record")
  void sweepsOfAFrozenStripeLeaveNoRecords() {
    WalletId payer = payersOnOtherShards(1, 5_000).get(0);
    assertOk(Await.result(pay(payer, 1_000)).code());
    WalletId stripe = Stripes.stripeOf(merchant, payer.shard());
    long onTheStripe = core.available(stripe);
    assertOk(Await.result(cache.setStatus(merchant, WalletStatus.FROZEN, "risk review")).code());
    int slot = RedisNodes.slotOf(Keys.wallet(stripe));
    try {
      long keysBefore = keysInSlot(slot);

      for (int pass = 0; pass < 3; pass++) {
        Await.result(cache.sweepStripes(merchant));
      }

      assertThat(keysInSlot(slot)).as("keys of the stripe's shard").isEqualTo(keysBefore);
      assertThat(core.available(stripe)).isEqualTo(onTheStripe);
    } finally {
      assertOk(Await.result(cache.setStatus(merchant, WalletStatus.ACTIVE, "cleared")).code());
    }
  }

  private static long keysInSlot(int slot) {
    return Long.parseLong(RedisNodes.cli(RedisNodes.masterOfSlot(slot), "CLUSTER", "COUNTKEYSINSLOT",
      Integer.toString(slot)).trim());
  }

  @Test
  @DisplayName("a stripe frozen for itself stays frozen when its merchant's status is copied to it, until it is "
    + "made active itself")
  void aStripeFrozenForItselfIsNotLiftedByACopy() {
    List<WalletId> payers = payersOnOtherShards(3, 5_000);
    assertOk(Await.result(pay(payers.get(0), 1_000)).code());
    WalletId suspect = Stripes.stripeOf(merchant, payers.get(0).shard());
    WalletId other = Stripes.stripeOf(merchant, payers.get(1).shard());
    WalletId foundWhileFrozen = Stripes.stripeOf(merchant, payers.get(2).shard());
    assertOk(Await.result(cache.setStatus(suspect, WalletStatus.FROZEN, "reconciliation: a finding")).code());

    assertOk(Await.result(cache.setStatus(merchant, WalletStatus.FROZEN, "risk review")).code());
    // frozen by its merchant's copy already, and found for itself meanwhile
    assertOk(Await.result(cache.setStatus(foundWhileFrozen, WalletStatus.FROZEN, "reconciliation: a finding")).code());
    assertOk(Await.result(cache.setStatus(merchant, WalletStatus.ACTIVE, "review passed")).code());

    assertThat(core.wallet(suspect).status()).isEqualTo(WalletStatus.FROZEN);
    assertThat(core.wallet(foundWhileFrozen).status()).isEqualTo(WalletStatus.FROZEN);
    assertThat(core.wallet(other).status()).isEqualTo(WalletStatus.ACTIVE);
    assertThat(Await.result(pay(payers.get(0), 100)).code()).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    assertOk(Await.result(pay(payers.get(1), 100)).code());
    assertOk(Await.result(cache.setStatus(suspect, WalletStatus.ACTIVE, "finding resolved")).code());
    assertOk(Await.result(pay(payers.get(0), 100)).code());
  }

  /**
   * Until 2026-12-07 a change made for a stripe itself took any status: an operator who lifted its own
   * freeze while its merchant was frozen opened it, and payments to the frozen merchant landed on it.
   */
  @Test
  @DisplayName("a stripe changed for itself is never less strict than its merchant: lifting its own freeze under a "
    + "frozen merchant leaves it frozen, and it follows its merchant when that is lifted")
  void aStripeIsNeverLessStrictThanItsMerchant() {
    List<WalletId> payers = payersOnOtherShards(1, 5_000);
    assertOk(Await.result(pay(payers.get(0), 1_000)).code());
    WalletId stripe = Stripes.stripeOf(merchant, payers.get(0).shard());
    assertOk(Await.result(cache.setStatus(stripe, WalletStatus.FROZEN, "reconciliation: a finding")).code());
    assertOk(Await.result(cache.setStatus(merchant, WalletStatus.FROZEN, "risk review")).code());

    Outcome<WalletStatus> lifted = Await.result(cache.setStatus(stripe, WalletStatus.ACTIVE, "finding resolved"));

    assertOk(lifted.code());
    assertThat(lifted.value()).as("its merchant's status, the stricter").isEqualTo(WalletStatus.FROZEN);
    assertThat(core.wallet(stripe).status()).isEqualTo(WalletStatus.FROZEN);
    assertThat(Await.result(pay(payers.get(0), 100)).code()).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    assertOk(Await.result(cache.setStatus(merchant, WalletStatus.ACTIVE, "review passed")).code());
    assertThat(core.wallet(stripe).status()).as("no longer frozen for itself").isEqualTo(WalletStatus.ACTIVE);
    assertOk(Await.result(pay(payers.get(0), 100)).code());
  }

  @Test
  @DisplayName("a stripe closed for itself under a frozen merchant stays closed: its merchant's status, less strict, "
    + "is not copied over it")
  void aStripeClosedForItselfStaysClosed() {
    List<WalletId> payers = payersOnOtherShards(1, 5_000);
    assertOk(Await.result(pay(payers.get(0), 1_000)).code());
    WalletId stripe = Stripes.stripeOf(merchant, payers.get(0).shard());
    Await.result(cache.sweepStripes(merchant));
    assertThat(core.wallet(stripe).available()).as("swept empty").isZero();
    assertOk(Await.result(cache.setStatus(merchant, WalletStatus.FROZEN, "risk review")).code());

    Outcome<WalletStatus> closed = Await.result(cache.setStatus(stripe, WalletStatus.CLOSED, "stripe retired"));

    assertOk(closed.code());
    assertThat(closed.value()).isEqualTo(WalletStatus.CLOSED);
    assertThat(core.wallet(stripe).status()).isEqualTo(WalletStatus.CLOSED);
  }

  @Test
  @DisplayName("a credit stripe is not the source of its owner's movements: a transfer on its shard or to another, "
    + "a payout's hold and an authorization are refused as not found (the stripe's shard would give the owner limit "
    + "windows of their own) and nothing moves; a refund of a payment that landed on it is paid")
  void aStripeIsNotTheSourceOfItsOwnersMovements() {
    WalletId payer = payersOnOtherShards(1, 5_000).get(0);
    Outcome<PaymentView> paid = Await.result(pay(payer, 2_000));
    assertOk(paid.code());
    WalletId stripe = Stripes.stripeOf(merchant, payer.shard());
    WalletId onItsShard = core.openNear(owner(), stripe);
    WalletId elsewhere = core.openElsewhere(owner(), stripe);

    List<OutcomeCode> refused = List.of(
      core.transfer(stripe, onItsShard, 500, shop),
      core.transfer(stripe, elsewhere, 500, shop),
      cache.placeHold(new PlaceHold(stripe, new Money(500, USD), shop, "payout", key(shop))),
      cache.authorize(new Authorize(stripe, merchant, new Money(500, USD), shop, "order-self", 600_000, key(shop),
        List.of()))).stream().map(outcome -> Await.result(outcome).code()).toList();
    Outcome<RefundView> refunded = Await.result(cache.refund(new Refund(paid.value().id(), new Money(300, USD), shop,
      key(shop))));

    assertThat(refused).containsOnly(OutcomeCode.WALLET_NOT_FOUND);
    assertThat(core.available(onItsShard)).isZero();
    assertThat(core.available(elsewhere)).isZero();
    assertOk(refunded.code());
    assertThat(core.wallet(stripe).held()).isZero();
    assertThat(core.wallet(stripe).available()).isEqualTo(2_000 - FEE - 300);
  }

  // ------------------------------------------------------------------ helpers

  private Future<Outcome<PaymentView>> pay(WalletId payer, long minor) {
    String actor = Await.result(cache.identity(payer)).orElseThrow().ownerId();
    return cache.pay(payment(payer, minor, actor));
  }

  private Payment payment(WalletId payer, long minor, String actor) {
    return new Payment(payer, merchant, new Money(minor, USD), FEE, actor, "order", key(actor), List.of());
  }

  /** The merchant wallet frozen through a money core that stripes no owner, as reconciliation freezes it. */
  private void frozenByAProcessWithoutStriping(Vertx vertx) {
    RedisBalanceCache unstriped = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0));
    Await.result(unstriped.start());
    try {
      assertOk(Await.result(unstriped.setStatus(merchant, WalletStatus.FROZEN, "reconciliation: a finding")).code());
    } finally {
      Await.result(unstriped.close());
    }
  }

  /** A payment of each payer's through a money core that stripes no owner: each lands on the merchant wallet itself. */
  private List<PaymentView> paidThroughAProcessWithoutStriping(Vertx vertx, List<WalletId> payers, long minor) {
    RedisBalanceCache unstriped = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0));
    Await.result(unstriped.start());
    try {
      List<PaymentView> paid = new ArrayList<>();
      for (WalletId payer : payers) {
        Outcome<PaymentView> outcome = Await.result(unstriped.pay(payment(payer, minor,
          Await.result(cache.identity(payer)).orElseThrow().ownerId())));
        assertThat(outcome.code()).isEqualTo(OutcomeCode.OK);
        paid.add(outcome.value());
      }
      return paid;
    } finally {
      Await.result(unstriped.close());
    }
  }

  /** Each payer's stripe of the merchant is frozen, and refuses the payer's payment. */
  private void assertStripesFrozenFor(List<WalletId> payers) {
    for (WalletId payer : payers) {
      assertThat(core.wallet(Stripes.stripeOf(merchant, payer.shard())).status()).isEqualTo(WalletStatus.FROZEN);
      assertThat(Await.result(pay(payer, 100)).code()).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    }
  }

  /** Funded payers, each on a shard of its own other than the merchant's. */
  private List<WalletId> payersOnOtherShards(int count, long minor) {
    List<WalletId> payers = new ArrayList<>();
    Set<ShardId> used = new HashSet<>(Set.of(merchant.shard()));
    while (payers.size() < count) {
      String owner = owner();
      ShardId home = ShardId.homeOf(owner, cache.shardCount());
      if (used.add(home)) {
        payers.add(core.funded(owner, minor));
      }
    }
    return payers;
  }

  /** What the merchant wallet itself holds: its total less its stripes', with no sweep under way. */
  private long ownBalance(WalletId wallet) {
    long stripes = Await.result(cache.stripes().stripesOf(wallet).stream()
        .map(stripe -> cache.wallet(stripe).map(found -> found.map(w -> w.available()).orElse(0L))).collect(
          java.util.stream.Collectors.collectingAndThen(java.util.stream.Collectors.toList(), Future::all)))
      .<Long>list().stream().mapToLong(Long::longValue).sum();
    return core.wallet(wallet).available() - stripes;
  }

  private static <T> T assertOk(OutcomeCode code) {
    assertThat(code).isEqualTo(OutcomeCode.OK);
    return null;
  }
}
