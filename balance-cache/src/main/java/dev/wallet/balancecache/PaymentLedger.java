package dev.wallet.balancecache;

import dev.wallet.balancecache.model.ShardId;
import io.vertx.core.Future;
import java.util.Optional;

/**
 * What the ledger holds of payments, for the money core: a payment's movement record and its payment
 * record expire from the hot tier a retention after the ledger has their last change; a read is then
 * answered from here, and a refund restores the payment record from here (docs/architecture.md,
 * "Payment records").
 */
public interface PaymentLedger {

  /** No ledger connected: what needs a payment the hot tier no longer holds fails as unavailable. */
  PaymentLedger NONE = new PaymentLedger() {
    @Override
    public Future<Optional<PaymentRecordFacts>> paymentRecord(ShardId shard, String paymentId) {
      return unavailable(paymentId);
    }

    @Override
    public Future<Optional<PaymentRecordFacts>> payment(String paymentId) {
      return unavailable(paymentId);
    }

    private <T> Future<T> unavailable(String paymentId) {
      return Future.failedFuture(new BalanceCacheUnavailableException("payment " + paymentId + " has expired from "
        + "the hot tier, and this process reads no ledger", null));
    }
  };

  /**
   * The payment record of {@code paymentId} as the postings of {@code shard} (the paid account's)
   * tell it: the posting that opened it, and every refund and reversal counted on it since. Empty
   * when that shard's ledger holds no such payment.
   */
  Future<Optional<PaymentRecordFacts>> paymentRecord(ShardId shard, String paymentId);

  /** The same, wherever the payment was paid: for a read of a payment whose movement record has expired. */
  Future<Optional<PaymentRecordFacts>> payment(String paymentId);

  /**
   * A payment record's fields (lib.lua, open_payment_record), amounts in minor units, and what a read
   * of the payment needs besides.
   *
   * @param merchant  the account paid: the merchant wallet, or its credit stripe on the payer's shard
   * @param refunded  what its refunds took back, less their reversals
   * @param createdMs when the payment was made (its first posting), by the money core's clock
   * @param reference the merchant's order reference, if it gave one
   * @param parent    the merchant wallet of the credit stripe paid, if one was
   */
  record PaymentRecordFacts(String paymentId, long amount, long fee, long refunded, String payer, String merchant,
                            String currency, long createdMs, Optional<String> reference, Optional<String> parent) {

    /** The merchant wallet the payer paid, as the payment is shown. */
    public String merchantWallet() {
      return parent.orElse(merchant);
    }
  }
}
