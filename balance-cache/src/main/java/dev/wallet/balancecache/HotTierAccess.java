package dev.wallet.balancecache;

import dev.wallet.balancecache.model.AccountState;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the ledger needs of the hot tier besides moving money: reading it to reconcile, and
 * restoring it from the ledger's facts after a disaster. Only balance-cache knows the keys and
 * the record fields behind these (the Lua scripts write them); the ledger speaks in account ids
 * and facts. Obtained from {@link BalanceCache#hotTier()}, on the cache's own connections.
 */
public interface HotTierAccess {

  // ------------------------------------------------------------------ reading, to reconcile

  /** The ledger ids of the accounts (wallets and system accounts) that exist on a shard, from its index. */
  Future<List<String>> accountsOnShard(ShardId shard);

  /**
   * The same, found among every key of the shard's slot (and added to the index): an account hash
   * written other than by a script is not in the index, and this still finds it. It blocks the
   * shard's master for as long as the slot is large, so reconciliation asks it of one shard a cycle.
   */
  Future<List<String>> accountsInSlot(ShardId shard);

  /** Each account's balances, read atomically one account at a time; accounts that do not exist are left out. */
  Future<List<AccountState>> accounts(List<String> accountIds);

  /**
   * The same, each with the clock of the master it was read on and that master's lineage: its
   * replication id, read before and after the account in the same pipeline (empty when the two differ,
   * or when the read went key by key). A master's replication id changes with every promotion, so a
   * reading whose lineage is still that of its shard's master later ({@link #lineages}) lost nothing to
   * a failover since: what it showed is in the history the ledger is written from.
   */
  Future<List<Reading>> readings(List<String> accountIds);

  /**
   * An account as read; {@code masterTime}: the master's clock (TIME) just before, so every posting the
   * account takes after the reading has a {@code created_at} of that instant or later (the scripts
   * stamp postings with the same clock, in milliseconds); and the master's lineage.
   */
  record Reading(AccountState state, java.time.Instant masterTime, Optional<String> lineage) {
  }

  /** The lineage of the master serving each shard now (see {@link #readings}); a shard not answering is left out. */
  Future<Map<ShardId, String>> lineages(Collection<ShardId> shards);

  /**
   * Per currency, the in-transit accounts' balances minus the amounts of the cross-shard movements
   * debited and not yet credited; only currencies where that is not zero. The accounts read are
   * {@code knownTransitAccounts} (ledger ids), every shard's in their currencies, and those of every
   * pending movement.
   */
  Future<InTransitReading> inTransitImbalance(Collection<String> knownTransitAccounts);

  /** Where a cross-shard movement stands on its source shard (an id that names no shard is {@code STRANDED}). */
  Future<MovementAtSource> movementAtSource(String movementId);

  /** See {@link #movementAtSource}. */
  enum MovementAtSource {
    /** In its shard's pending set: the sweeper drives it to its end. */
    DRIVEN,
    /** Completed or reversed. */
    FINISHED,
    /** No record, or pending in no pending set: nothing will finish it. */
    STRANDED
  }

  /**
   * One reading of the in-transit balance. The shards cannot be read at one instant; the reading
   * is {@code settled} when no in-transit account changed while the movements were read (every
   * debit, credit and reversal changes one), and then the imbalance is exact. An unsettled one may
   * show a movement that was under way as a difference.
   */
  record InTransitReading(Map<String, Long> imbalance, boolean settled) {
  }

  // ------------------------------------------------------------------ restoring, after a disaster

  /** How many of these wallets the hot tier holds: a restore only fills an empty hot tier. */
  Future<Long> walletsPresent(List<String> walletIds);

  Future<Void> restoreWallet(WalletFacts wallet);

  Future<Void> restoreSystemAccount(SystemAccountFacts account);

  /**
   * A cross-shard movement the ledger shows debited and not finished: its record, its place in the
   * source's pending set, its idempotency record, and the destination's decision when the ledger
   * shows it credited (so the sweeper finishes it without crediting twice). The source wallet's
   * count of them is {@link #restoreOutgoing}.
   */
  Future<Void> restorePendingMovement(PendingMovementFacts movement);

  /**
   * How many cross-shard movements from {@code wallet} are under way (a wallet does not close while
   * one is), set rather than counted up: each restoring write is safe to send again. Until
   * 2026-12-07 each pending movement added one, and a write sent again after a dropped connection
   * left a count no movement would ever end.
   */
  Future<Void> restoreOutgoing(WalletId wallet, long movements);

  /**
   * Every restoring write to {@code shard}'s master held by enough replicas (a marker write, then
   * {@code WAIT} on its connection, which covers every earlier write to that master): restoring
   * writes are not waited for one by one, and a failover before this could lose what they wrote.
   */
  Future<Void> replicated(ShardId shard);

  /**
   * The shard's clock (lib.lua) at {@code latestMs}, the latest time its scripts stamped in the ledger:
   * a clock that ran ahead of the master's before the loss would otherwise start over from the
   * master's, and the shard's next postings be stamped before older ones.
   */
  Future<Void> restoreClock(ShardId shard, long latestMs);

  /**
   * The decision "credited" of a movement another region debited and this one credited, kept for
   * {@code lifetimeMs}: a delivery of it that comes again after the rebuild (its source may never have
   * had the answer) is answered with it instead of crediting twice.
   */
  Future<Void> restoreCreditFromRegion(ShardId shard, String movementId, long lifetimeMs);

  Future<Void> restoreHold(HoldFacts hold);

  /** An authorization still holding money: its hold (amount: what it still holds) and its place in the expiry set. */
  Future<Void> restoreAuthorization(HoldFacts hold, AuthorizationFacts authorization);

  /**
   * An idempotency record for a posting a client may still retry, for the rest of its retention:
   * the hot tier's record held the request's hash, which the ledger does not, so the restored one
   * refuses every reuse of the key rather than let a retry move money again. False when a record
   * is there already.
   */
  Future<Boolean> retireIdempotencyScope(String scope, long retentionLeftMs);

  /**
   * A limit counter whose window is still open, as the postings since it opened counted it, net of
   * what reversals and releases gave back; it expires when its window ends.
   */
  Future<Void> restoreLimitCounter(LimitCounterFacts counter);

  /**
   * A wallet as the ledger knows it; {@code ownStatus} for a credit stripe whose status was ever changed
   * for itself, not copied from its merchant wallet: the status of its last such change;
   * {@code stripesOpened} for a merchant wallet whose credit stripes the ledger has (an account naming
   * it as its parent).
   */
  record WalletFacts(String id, String ownerId, String currency, String type, String status,
                     Optional<Long> statusVersion, Optional<String> ownStatus, long available, long held, long seq,
                     long openedAtMs, Optional<String> parent, boolean stripesOpened) {
  }

  /** A system account that has moved money (one that never did does not exist in the hot tier). */
  record SystemAccountFacts(String id, String currency, long available, long seq) {
  }

  /**
   * @param fee, payment, reference, limits, authorization the hot fields the movement's first posting
   *   carried ("0", "", "", "[]", "" when it carried none); a capture's names its authorization
   */
  record PendingMovementFacts(String id, String kind, String from, String to, long amount, String fee,
                              String currency, long createdAtMs, String idempotencyScope, String payment,
                              String reference, String limits, boolean credited, String authorization) {
  }

  /** What makes a hold an authorization: its merchant wallet, expiry, amount authorized and captured so far. */
  record AuthorizationFacts(String merchant, long expiresAtMs, long authorized, long captured) {
  }

  /**
   * @param key           the counter's key, as the script that counted named it in its posting
   * @param windowEndsAtMs when its window ends, by Redis's clock
   */
  record LimitCounterFacts(String key, long amount, long count, long windowEndsAtMs) {
  }

  /** An active hold; {@code limits} as the hold's posting carried them, when it did. */
  record HoldFacts(String id, String wallet, long amount, String currency, String reference, long createdAtMs,
                   Optional<String> limits) {
  }
}
