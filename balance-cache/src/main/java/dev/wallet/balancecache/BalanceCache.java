package dev.wallet.balancecache;

import dev.wallet.balancecache.command.Authorize;
import dev.wallet.balancecache.command.Capture;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.OpenWallet;
import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.CaptureView;
import dev.wallet.balancecache.model.ClearingPosition;
import dev.wallet.balancecache.model.Credited;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.PendingBacklog;
import dev.wallet.balancecache.model.RefundView;
import dev.wallet.balancecache.model.SagaCounts;
import dev.wallet.balancecache.model.ShardAvailability;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Optional;

/**
 * The money core: wallets and their balances on a Redis Cluster, changed only by postings that
 * balance, each applied atomically by one Lua script together with its idempotency record and
 * its outbox entry for the ledger.
 *
 * <p>Every method completes with an {@link Outcome} for business answers (a refusal is an
 * outcome, not a failure) and fails with {@link BalanceCacheUnavailableException} when Redis
 * could not give an answer in time; a failed request is safe to retry under the same key.
 */
public interface BalanceCache {

  static BalanceCache create(Vertx vertx, BalanceCacheOptions options) {
    return new RedisBalanceCache(vertx, options);
  }

  /** Loads the scripts on every master, checks the shard count, and starts the sweeper if configured. */
  Future<Void> start();

  Future<Void> close();

  /** The shards this region owns (all of them in a deployment of one region). */
  ShardRange shards();

  /** How many shards this region owns. */
  default int shardCount() {
    return shards().count();
  }

  /** The hot tier as the ledger reads and restores it, on this cache's connections. */
  HotTierAccess hotTier();

  /** A shard's outbox as the ledger reads it, on this cache's connections. */
  LedgerOutbox ledgerOutbox(ShardId shard);

  /**
   * Which shards can take writes now (their master answers within {@code timeoutMs} and has the
   * replicas every write waits for): for readiness and health details. Never fails; a master that
   * does not answer makes its shards unwritable.
   */
  Future<ShardAvailability> availability(long timeoutMs);

  Future<Outcome<Wallet>> openWallet(OpenWallet command);

  Future<Optional<Wallet>> wallet(WalletId id);

  /**
   * Whose a wallet is, its currency and type: fixed when it is opened, so remembered once read,
   * for the checks that need only these (a transfer's receiver, a payment's merchant) at no
   * round trip to Redis.
   */
  Future<Optional<WalletIdentity>> identity(WalletId id);

  /** Books a credit from a system account, e.g. a settled deposit. */
  Future<Outcome<Credited>> credit(Credit command);

  /**
   * Makes sure the credit {@code command} describes is never booked, unless it was already: its
   * key's answer if it has one (OK, replayed: the money is in the wallet; or the refusal it was
   * given), else {@link OutcomeCode#CREDIT_FORGONE}, recorded under the key for the idempotency
   * retention as a refusal is, so that the credit asked afterwards is answered that and moves
   * nothing. The key's one record decides which came first, so a credit and its forgoing that race
   * end one way. For a deposit whose reversal the wallet learnt before crediting it.
   */
  Future<Outcome<Credited>> forgoCredit(Credit command);

  /**
   * Moves money between wallets: one script when they share a shard, otherwise the saga (debit
   * into transit, credit, finish or reverse). Completes with OK (completed), PENDING (the saga
   * will be finished by the sweeper), or a refusal; a reversed transfer carries the destination's
   * refusal code and a view with status REVERSED.
   */
  Future<Outcome<TransferView>> transfer(Transfer command);

  Future<Optional<TransferView>> transfer(TransferId id);

  /**
   * Pays a merchant: one posting (payer debited, merchant credited the amount less the fee, the
   * fee account credited the fee), or the saga when they are on different shards. Completes like
   * {@link #transfer(Transfer)}; a merchant side that refuses reverses the payment.
   */
  Future<Outcome<PaymentView>> pay(Payment command);

  Future<Optional<PaymentView>> payment(PaymentId id);

  /**
   * Transfers all or nothing, in one script: every wallet of {@code commands} on one shard (else
   * {@link AtomicBatchSpansShardsException}), one actor (else IllegalArgumentException), no
   * idempotency key twice. Each item is decided as
   * {@link #transfer(Transfer)} would decide it alone, against what the items before it leave;
   * an item whose key already has an outcome is replayed. When any item is refused (or replays a
   * refusal, or its key is reused or in flight), nothing is written, not even a refusal record: that
   * item carries its refusal and the other new ones BATCH_REFUSED. One outcome per command, in order.
   */
  Future<List<Outcome<TransferView>>> transferAll(List<Transfer> commands);

  /**
   * Payments all or nothing, as {@link #transferAll(List)}: the payers' shard is one, and each
   * merchant wallet is on it or is a hot merchant's (paid on its credit stripe there); otherwise a
   * failed future of {@link AtomicBatchSpansShardsException}, nothing asked.
   */
  Future<List<Outcome<PaymentView>>> payAll(List<Payment> commands);

  /**
   * Refunds part or all of a payment from the merchant back to the payer; refunds of one payment
   * never add up to more than it (REFUND_EXCEEDS_PAYMENT). A refund needs the payment completed
   * (PAYMENT_NOT_FOUND before) and the merchant's funds (INSUFFICIENT_FUNDS).
   */
  Future<Outcome<RefundView>> refund(Refund command);

  /**
   * Refunds part or all of a payment that another region's payer made to {@code merchant}, a merchant
   * wallet of this one (docs/architecture.md, "Regions"): the payment's record, which bounds its
   * refunds as for {@link #refund}, is on the merchant's shard here, and the money goes back to the
   * payer's region through the settlement channel (PENDING until it is credited there).
   * PAYMENT_NOT_FOUND when this region was paid no such payment for that merchant.
   *
   * @throws IllegalArgumentException (as a failed future) when the payment is this region's, or the
   *     merchant wallet another's
   */
  Future<Outcome<RefundView>> refundReceived(Refund command, WalletId merchant);

  Future<Outcome<HoldView>> placeHold(PlaceHold command);

  /** Pays a held amount out to {@code payoutAccount}, e.g. a withdrawal the bank confirmed. */
  Future<Outcome<HoldView>> settleHold(HoldId id, SystemAccount payoutAccount);

  /** Returns a held amount to the wallet, e.g. a withdrawal the bank declined. */
  Future<Outcome<HoldView>> releaseHold(HoldId id);

  /**
   * Holds money of the payer's wallet for a merchant wallet (a hold that names its merchant and
   * its expiry), with the payer's limits checked and counted as for a payment.
   */
  Future<Outcome<AuthorizationView>> authorize(Authorize command);

  /** An authorization (a withdrawal's hold is none), from the ledger once its record has expired. */
  Future<Optional<AuthorizationView>> authorization(HoldId id);

  /**
   * Pays part or all of an active, unexpired authorization to its merchant as a payment (one
   * script on one shard, or into the saga: PENDING); the rest is released unless kept open.
   */
  Future<Outcome<CaptureView>> capture(Capture command);

  /**
   * Releases what an active authorization still holds, recorded under the caller's key; an ended
   * one answers its first ending (replayed).
   */
  Future<Outcome<AuthorizationView>> voidAuthorization(HoldId id, IdempotencyKey key);

  /** Releases every authorization of every shard past its expiry; returns how many. */
  Future<Integer> releaseExpiredAuthorizations();

  Future<Outcome<WalletStatus>> setStatus(WalletId id, WalletStatus status, String reason);

  /**
   * Every balance change of every wallet, from the shards' outboxes, whichever process made it; the
   * listener runs on the feed's own event loop and must not block (hop to your own context).
   * At most once, in order per wallet. Close the returned handle to stop listening. The handle comes
   * once the feed follows every shard: a snapshot read after that misses nothing the feed would not
   * bring, unless the listener is told to read a shard again ({@link BalanceListener#readAgain}): after a
   * failover of its master, before the changes read from the new master; and when the feed found the end
   * of its stream only after the handle came.
   */
  Future<AutoCloseable> subscribeBalanceChanges(BalanceListener listener);

  /** What this process's sagas and sweeper did since it started, for metrics. */
  SagaCounts sagaCounts();

  /**
   * Debits with limit checks this process sent from a wallet that is not on its owner's home shard
   * (see {@link ShardId#homeOf}): there the owner's limits are counted per shard, not per owner.
   */
  long offHomeLimitedDebits();

  /** Drives every cross-shard movement pending for longer than the sweep age to its end; returns how many. */
  Future<Integer> sweepPendingTransfers();

  /**
   * Sweeps the credit stripes of a striped merchant wallet into it now, as each process does every
   * {@code striping.sweepIntervalMs}; answers how much reached the merchant wallet. Fails for a
   * wallet that is not a striped merchant's.
   */
  Future<Long> sweepStripes(WalletId merchant);

  /**
   * The credit stripes of a striped merchant wallet (whose changes change its balance as read by
   * {@link #wallet}); none for any other wallet.
   */
  Future<List<WalletId>> stripesOf(WalletId wallet);

  /**
   * Connects the money core to the other regions (docs/architecture.md, "Regions"): transfers to
   * their wallets are then debited here and settled there through {@code link}. Without a link they
   * are refused ({@link OtherRegionException}).
   */
  void connectRegions(RegionLink link);

  /**
   * Connects the money core to what the ledger holds of records expired from the hot tier: reads of
   * payments, reversed movements and ended holds, and a refund restoring its payment record, come
   * from {@code ledger} once the record has gone (docs/architecture.md, "Payment records" and "Hold
   * records"). Without it they fail as unavailable.
   */
  void connectLedger(RetiredRecords ledger);

  /**
   * Credits a transfer another region debited for a wallet of this one, from the clearing account of
   * that region, at most once per movement, unless {@code refusal} (what the receiver's limits
   * decided) refuses it: the first decision (OK, or a final refusal such as WALLET_NOT_FOUND,
   * WALLET_INACTIVE, CURRENCY_MISMATCH, LIMIT_EXCEEDED) is kept and answered again to every
   * delivery of the same movement (WALLET_NOT_FOUND too for a wallet on a shard this region does not own).
   *
   * @throws IllegalArgumentException (as a failed future) when the settlement does not come from
   *     another region of this deployment, or its movement id is not of that region
   */
  Future<OutcomeCode> creditFromRegion(Settlement settlement, Optional<OutcomeCode> refusal);

  /**
   * Whether this region decided the movement of {@code settlement} already (its decision marker is
   * kept): {@link #creditFromRegion} answers that decision again, whatever refusal it is given.
   */
  Future<Boolean> settlementDecided(Settlement settlement);

  /**
   * Gives the decision marker of a movement from another region its lifetime (the idempotency
   * retention): its source finished it and will not deliver it again, and a delivery signed before
   * that is refused as stale long before the marker goes.
   *
   * @throws IllegalArgumentException (as a failed future) as {@link #creditFromRegion} does
   */
  Future<Void> forgetSettled(Settlement settlement);

  /**
   * This region's clearing accounts for the other regions, summed, and its movements to them still
   * pending: what the check between regions compares with theirs.
   */
  Future<ClearingPosition> clearingPosition();

  /**
   * Whether its key on {@code shard}, the shard of the wallet it takes money from, answered this
   * request (its command's {@code requestHash()}: applied, refused, or under way) or another one.
   * Nothing is applied. The edge sends a request the rules refuse now all the same when it was, so
   * that its key replays the first answer, or refuses it as reused (docs/architecture.md, "Limits";
   * until 2026-12-07 a reused key was answered the rules' refusal).
   */
  Future<Boolean> answeredBefore(ShardId shard, IdempotencyKey key, String requestHash);

  /**
   * Ids of every movement (transfer, payment, refund) of a shard still pending: debited, not yet
   * settled. Until 2026-12-06 only the oldest 200, and the check between regions, which counts those
   * to each region, concluded while one behind them was on its way (a false disagreement).
   */
  Future<List<String>> pendingMovements(ShardId shard);

  /**
   * How many movements of each shard are pending and how old the oldest is, for metrics: one round
   * trip per master. A shard whose master did not answer is left out.
   */
  Future<List<PendingBacklog>> pendingBacklogs();
}
