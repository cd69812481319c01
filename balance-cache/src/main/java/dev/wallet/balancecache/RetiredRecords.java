package dev.wallet.balancecache;

import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.Credited;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;

/**
 * What the ledger holds of the hot tier's records once they have expired, for the money core: a
 * record retired by a posting (lib.lua, 'retire') expires a retention after the ledger has committed
 * that posting. A payment's movement and payment records are read from here, and a refund restores
 * the payment record from here; an ended hold (a withdrawal's, or an authorization) is read from here
 * (docs/architecture.md, "Payment records" and "Hold records").
 */
public interface RetiredRecords {

  /** No ledger connected: what needs a record the hot tier no longer holds fails as unavailable. */
  RetiredRecords NONE = new RetiredRecords() {
    @Override
    public Future<Optional<PaymentRecordFacts>> paymentRecord(ShardId shard, String paymentId) {
      return unavailable("payment " + paymentId);
    }

    @Override
    public Future<Optional<PaymentRecordFacts>> payment(String paymentId) {
      return unavailable("payment " + paymentId);
    }

    @Override
    public Future<Optional<HoldView>> holdEnding(HoldId id) {
      return unavailable("hold " + id.value());
    }

    @Override
    public Future<Optional<AuthorizationView>> authorization(HoldId id) {
      return unavailable("authorization " + id.value());
    }

    @Override
    public Future<List<String>> holdCounters(HoldId id) {
      return unavailable("hold " + id.value());
    }

    /**
     * No ledger (a test's or a tool's money core; the edge connects its ledger before it drives any
     * credit): a credit is known by its idempotency record alone, as before there was this question.
     */
    @Override
    public Future<Optional<Credited>> credited(WalletId wallet, String postingId) {
      return Future.succeededFuture(Optional.empty());
    }

    /** No ledger: as for a credit, a hold is known by its key's record alone. */
    @Override
    public Future<Optional<HoldView>> holdPlaced(WalletId wallet, HoldId id) {
      return Future.succeededFuture(Optional.empty());
    }

    private <T> Future<T> unavailable(String what) {
      return Future.failedFuture(new BalanceCacheUnavailableException(what + " is not in the hot tier, and this "
        + "process reads no ledger that could say whether it expired from there", null));
    }
  };

  /**
   * The payment record of {@code paymentId} as the postings of {@code shard} (the paid account's)
   * tell it: the posting that opened it, and every refund and reversal counted on it since. Empty
   * when that shard's ledger holds no such payment.
   */
  Future<Optional<PaymentRecordFacts>> paymentRecord(ShardId shard, String paymentId);

  /**
   * The same, wherever the payment was paid, or the payment as its reversal tells it: for a read of a
   * payment whose movement record has expired.
   */
  Future<Optional<PaymentRecordFacts>> payment(String paymentId);

  /**
   * How a hold that is no longer active ended (settled or released), with the wallet's balances
   * right after, as its ending posting tells it. Empty when the ledger holds no ending of it.
   */
  Future<Optional<HoldView>> holdEnding(HoldId id);

  /**
   * An authorization as its postings tell it: the hold that placed it, the captures taken from it,
   * and the release that ended it (with who released it, void or expiry, where the posting says).
   * Empty when the ledger holds no such authorization.
   */
  Future<Optional<AuthorizationView>> authorization(HoldId id);

  /**
   * The limit counters (their keys) a hold counted when it was placed, as its posting names them
   * (lib.lua, count_limits): what a payout the bank returned gives back. Empty when it counted none,
   * or the ledger holds no such hold.
   */
  Future<List<String>> holdCounters(HoldId id);

  /**
   * Hold {@code id} as the ledger holds it placed on {@code wallet}, with the wallet's balances right
   * after (active, as its placing answered, however it ended since); empty when it holds none. A
   * withdrawal's or a chargeback's hold, whose id its key names, asked again after its key's record
   * expired (or after a rebuild) is answered from here rather than placed twice.
   */
  Future<Optional<HoldView>> holdPlaced(WalletId wallet, HoldId id);

  /**
   * The credit to {@code wallet} the ledger holds under {@code postingId} (a deposit's, a returned
   * payout's), with the wallet's balances right after it; empty when it holds none. A credit's
   * idempotency record expires a day after the ledger has it (and a rebuilt one refuses any retry):
   * a credit asked again later is answered from here rather than booked twice.
   */
  Future<Optional<Credited>> credited(WalletId wallet, String postingId);

  /**
   * A payment record's fields (lib.lua, open_payment_record), amounts in minor units, and what a read
   * of the payment needs besides.
   *
   * @param merchant  the account paid: the merchant wallet, or its credit stripe on the payer's shard
   * @param refunded  what its refunds took back, less their reversals
   * @param createdMs when the payment was made (its first posting), by the money core's clock
   * @param reference the merchant's order reference, if it gave one
   * @param parent    the merchant wallet of the credit stripe paid, if one was
   * @param reversal  the merchant side's refusal of a payment it never received (which opened no record)
   */
  record PaymentRecordFacts(String paymentId, long amount, long fee, long refunded, String payer, String merchant,
                            String currency, long createdMs, Optional<String> reference, Optional<String> parent,
                            Optional<OutcomeCode> reversal) {

    /** The merchant wallet the payer paid, as the payment is shown. */
    public String merchantWallet() {
      return parent.orElse(merchant);
    }
  }
}
