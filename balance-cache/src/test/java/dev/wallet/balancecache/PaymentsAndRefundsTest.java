package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.RefundView;
import dev.wallet.balancecache.model.Sha256;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import dev.wallet.balancecache.testing.RedisNodes;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class PaymentsAndRefundsTest extends MoneyCoreTest {

  @Test
  @DisplayName("a payment on one shard debits the payer, credits the merchant less the fee and the fee account the fee")
  void sameShardPaymentWithFee() {
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchant(owner(), Optional.of(payer));

    Outcome<PaymentView> paid = Await.result(cache.pay(payment(payer, merchant, 2_500, 75, alice)));

    assertThat(paid.code()).isEqualTo(OutcomeCode.OK);
    assertThat(paid.value().feeMinor()).isEqualTo(75);
    assertThat(core.available(payer)).isEqualTo(7_500);
    assertThat(core.available(merchant)).isEqualTo(2_425);
    PaymentView stored = Await.result(cache.payment(paid.value().id())).orElseThrow();
    assertThat(stored.status()).isEqualTo(TransferStatus.COMPLETED);
    assertThat(stored.orderRef()).contains("order-1");
  }

  @Test
  @DisplayName("a retry of a payment recorded before its request hash left the fee out (2026-12-06) still replays; "
    + "another request under its key is still refused")
  void aRecordOfTheEarlierRequestHashReplays() {
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchant(owner(), Optional.of(payer));
    Payment payment = payment(payer, merchant, 2_500, 75, alice);
    Outcome<PaymentView> paid = Await.result(cache.pay(payment));
    String earlier = earlierHashOf(payment);
    assertThat(RedisNodes.cli(RedisNodes.masterOf(payer.shard()), "HSET", recordOf(payment), "rh", earlier).trim())
      .isEqualTo("0");

    Outcome<PaymentView> retried = Await.result(cache.pay(payment));
    Outcome<PaymentView> other = Await.result(cache.pay(new Payment(payer, merchant, new Money(2_400, USD), 72, alice,
      "order-1", payment.idempotencyKey(), List.of())));

    assertThat(retried.code()).isEqualTo(OutcomeCode.OK);
    assertThat(retried.replayed()).isTrue();
    assertThat(retried.value().id()).isEqualTo(paid.value().id());
    assertThat(other.code()).isEqualTo(OutcomeCode.IDEMPOTENCY_KEY_REUSED);
    assertThat(core.available(payer)).isEqualTo(7_500);
  }

  @Test
  @DisplayName("a payment's record keeps the hash that edges from before 2026-12-06 compare, beside its own: a retry "
    + "through an old edge during a rolling upgrade is answered from it")
  void aRecordKeepsTheEarlierHashForOldEdges() {
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchant(owner(), Optional.of(payer));
    Payment payment = payment(payer, merchant, 2_500, 75, alice);
    assertThat(Await.result(cache.pay(payment)).code()).isEqualTo(OutcomeCode.OK);
    String earlier = earlierHashOf(payment);
    String own = payment.requestHash().split(" ")[0];

    int master = RedisNodes.masterOf(payer.shard());
    assertThat(RedisNodes.cli(master, "HGET", recordOf(payment), "rh").trim()).as("what an old edge compares")
      .isEqualTo(earlier);
    assertThat(RedisNodes.cli(master, "HGET", recordOf(payment), "rhn").trim()).isEqualTo(own);
    assertThat(Await.result(cache.answeredBefore(payer.shard(), payment.idempotencyKey(), earlier)))
      .as("a retry hashed as an old edge hashes it").isTrue();
  }

  @Test
  @DisplayName("a payment across shards runs the saga and credits merchant and fee account on the merchant's shard")
  void crossShardPaymentWithFee() {
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchantElsewhere(owner(), payer);

    Outcome<PaymentView> paid = Await.result(cache.pay(payment(payer, merchant, 2_500, 75, alice)));

    assertThat(paid.code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(payer)).isEqualTo(7_500);
    assertThat(core.available(merchant)).isEqualTo(2_425);
    assertThat(Await.result(cache.payment(paid.value().id())).orElseThrow().status()).isEqualTo(TransferStatus.COMPLETED);
  }

  @Test
  @DisplayName("a fee of the whole amount leaves the merchant nothing and writes no zero line, on one shard or across")
  void feeOfTheWholeAmount() {
    String alice = owner();
    WalletId payer = core.funded(alice, 1_000);
    WalletId near = core.openMerchant(owner(), Optional.of(payer));
    WalletId far = core.openMerchantElsewhere(owner(), payer);

    assertThat(Await.result(cache.pay(payment(payer, near, 100, 100, alice))).code()).isEqualTo(OutcomeCode.OK);
    assertThat(Await.result(cache.pay(payment(payer, far, 100, 100, alice))).code()).isEqualTo(OutcomeCode.OK);

    assertThat(core.available(payer)).isEqualTo(800);
    assertThat(core.wallet(near).seq()).as("no posting touched the merchant").isZero();
    assertThat(core.wallet(far).seq()).isZero();
  }

  @Test
  @DisplayName("paying a wallet that is not a merchant's is refused on one shard and reversed across shards")
  void onlyMerchantsArePaid() {
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId near = core.openNear(owner(), payer);
    WalletId far = core.openElsewhere(owner(), payer);

    assertThat(Await.result(cache.pay(payment(payer, near, 100, 0, alice))).code()).isEqualTo(OutcomeCode.NOT_A_MERCHANT);
    Outcome<PaymentView> reversed = Await.result(cache.pay(payment(payer, far, 100, 0, alice)));
    assertThat(reversed.code()).isEqualTo(OutcomeCode.NOT_A_MERCHANT);
    assertThat(reversed.value().status()).isEqualTo(TransferStatus.REVERSED);
    assertThat(core.available(payer)).isEqualTo(10_000);
  }

  @Test
  @DisplayName("partial and repeated refunds are paid until they add up to the payment, then refused")
  void refundsAreBounded() {
    String alice = owner();
    String shop = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchantElsewhere(shop, payer);
    PaymentId paid = Await.result(cache.pay(payment(payer, merchant, 1_000, 30, alice))).value().id();
    core.fund(merchant, 500);

    assertThat(refund(paid, 400, shop).code()).isEqualTo(OutcomeCode.OK);
    assertThat(refund(paid, 400, shop).code()).isEqualTo(OutcomeCode.OK);
    assertThat(refund(paid, 201, shop).code()).isEqualTo(OutcomeCode.REFUND_EXCEEDS_PAYMENT);
    assertThat(refund(paid, 200, shop).code()).isEqualTo(OutcomeCode.OK);
    assertThat(refund(paid, 1, shop).code()).isEqualTo(OutcomeCode.REFUND_EXCEEDS_PAYMENT);

    assertThat(core.available(payer)).isEqualTo(10_000);
    assertThat(core.available(merchant)).isEqualTo(970 + 500 - 1_000);
    assertThat(Await.result(cache.payment(paid)).orElseThrow().refundedMinor()).isEqualTo(1_000);
  }

  @Test
  @DisplayName("many concurrent refunds of one payment never pay back more than the payment")
  void concurrentRefundsAreBounded() {
    String alice = owner();
    String shop = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchantElsewhere(shop, payer);
    PaymentId paid = Await.result(cache.pay(payment(payer, merchant, 1_000, 0, alice))).value().id();

    List<Future<Outcome<RefundView>>> refunds = IntStream.range(0, 40)
      .mapToObj(i -> cache.refund(new Refund(paid, new Money(70, USD), shop, key(shop)))).toList();
    Await.result(Future.join(refunds));

    assertThat(refunds.stream().filter(f -> f.result().code() == OutcomeCode.OK)).hasSize(14);
    assertThat(core.available(payer)).isEqualTo(9_000 + 14 * 70);
    assertThat(core.available(merchant)).isEqualTo(1_000 - 14 * 70);
  }

  @Test
  @DisplayName("a refund needs the merchant's funds and its owner; a refund that bounces off a closed payer gives its reservation back")
  void refundRefusals() {
    String alice = owner();
    String shop = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchantElsewhere(shop, payer);
    PaymentId paid = Await.result(cache.pay(payment(payer, merchant, 1_000, 100, alice))).value().id();

    assertThat(refund(paid, 950, shop).code()).as("the merchant holds 900").isEqualTo(OutcomeCode.INSUFFICIENT_FUNDS);
    assertThat(refund(paid, 100, alice).code()).as("only the merchant refunds").isEqualTo(OutcomeCode.WALLET_NOT_FOUND);

    Await.result(cache.setStatus(payer, WalletStatus.FROZEN, "test"));
    Outcome<RefundView> bounced = refund(paid, 300, shop);
    assertThat(bounced.code()).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    assertThat(bounced.value().status()).isEqualTo(TransferStatus.REVERSED);
    assertThat(core.available(merchant)).isEqualTo(900);
    assertThat(Await.result(cache.payment(paid)).orElseThrow().refundedMinor()).isZero();
  }

  @Test
  @DisplayName("a refund of a payment still on its way to the merchant is not found, and not recorded: the same "
    + "refund asked again once the payment has arrived is paid")
  void aRefundOfAPaymentOnItsWayIsNotRecorded() {
    String alice = owner();
    String shop = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchantElsewhere(shop, payer);
    Payment payment = payment(payer, merchant, 1_000, 0, alice);
    PaymentId id = PaymentId.random(payer.shard());
    assertThat(Await.result(cache.saga().debit(payment, id)).code()).isEqualTo(OutcomeCode.PENDING);
    Refund refund = new Refund(id, new Money(400, USD), shop, key(shop));

    Outcome<RefundView> onItsWay = Await.result(cache.refund(refund));
    Await.result(cache.saga().drive(payment, id));
    Outcome<RefundView> arrived = Await.result(cache.refund(refund));

    assertThat(onItsWay.code()).isEqualTo(OutcomeCode.PAYMENT_NOT_FOUND);
    assertThat(arrived.code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(payer)).isEqualTo(10_000 - 1_000 + 400);
    assertThat(core.available(merchant)).isEqualTo(1_000 - 400);
  }

  @Test
  @DisplayName("a refund of a payment credited to the merchant and not finished at its payer's shard yet is paid")
  void aRefundOfAPaymentCreditedNotFinishedIsPaid() {
    String alice = owner();
    String shop = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchantElsewhere(shop, payer);
    Payment payment = payment(payer, merchant, 1_000, 0, alice);
    PaymentId id = PaymentId.random(payer.shard());
    assertThat(Await.result(cache.saga().debitAndCredit(payment, id))).isEqualTo(OutcomeCode.OK);

    Outcome<RefundView> refunded = Await.result(cache.refund(new Refund(id, new Money(400, USD), shop, key(shop))));

    assertThat(refunded.code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(merchant)).isEqualTo(1_000 - 400);
  }

  private Outcome<RefundView> refund(PaymentId payment, long amount, String actor) {
    return Await.result(cache.refund(new Refund(payment, new Money(amount, USD), actor, key(actor))));
  }

  /** The payment's idempotency record, on its payer's shard. */
  private static String recordOf(Payment payment) {
    return payment.payer().shard().tag() + ":idem:" + payment.idempotencyKey().digest();
  }

  /** The payment's request hash as edges from before 2026-12-06 computed it, with the fee. */
  private static String earlierHashOf(Payment payment) {
    return Sha256.hex(String.join("|", "payment", payment.payer().value(), payment.merchant().value(),
      Long.toString(payment.amount().minor()), payment.amount().currencyCode(), Long.toString(payment.feeMinor()),
      payment.orderRef()));
  }

  private static Payment payment(WalletId payer, WalletId merchant, long amount, long fee, String actor) {
    return new Payment(payer, merchant, new Money(amount, USD), fee, actor, "order-1", key(actor), List.of());
  }
}
