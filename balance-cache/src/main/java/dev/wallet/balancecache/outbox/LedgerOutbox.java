package dev.wallet.balancecache.outbox;

import dev.wallet.balancecache.model.ShardId;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;

/**
 * One shard's outbox as the ledger's consumer group reads it ({@link OutboxStreams#LEDGER_GROUP}),
 * for one consumer. The stream's key, the group's bookkeeping and the keys an entry retires are the
 * money core's layout; the ledger works from {@link OutboxRecord}s and this interface alone.
 * Each call completes on the caller's context.
 */
public interface LedgerOutbox {

  /** An outbox entry: its stream id (the order the ledger commits in) and what the script recorded. */
  record Entry(String id, OutboxRecord record) {
  }

  ShardId shard();

  /** Creates the consumer group (and the stream) unless it exists. */
  Future<Void> ensureGroup();

  /** Entries delivered to this consumer earlier and never acknowledged (a crash mid-batch). */
  Future<List<Entry>> ownPending(int count);

  /**
   * Entries not yet delivered to any consumer of the group, answered once {@code replicas} replicas
   * hold them (as {@link #replicated} tells); when they do not in time the read fails, and the
   * entries it delivered stay this consumer's, for {@link #ownPending}.
   */
  Future<List<Entry>> next(int count, int replicas, long timeoutMs);

  /** Entries another consumer has held for longer than {@code idleMs}: that consumer is presumed dead. */
  Future<List<Entry>> claimAbandoned(long idleMs, int count);

  /**
   * True once {@code replicas} replicas hold every entry read so far, so that the ledger never
   * commits an entry that a failover could still take back from Redis. ({@link #next} checks this
   * itself.)
   */
  Future<Boolean> replicated(int replicas, long timeoutMs);

  /**
   * The ledger committed the entries {@code ids}: the keys they retire ({@link OutboxRecord#retire()})
   * get their remaining lifetime, then the entries leave this consumer's pending list. Keys of this
   * shard go in one round trip with the acknowledgement, so a batch costs the master one write.
   */
  Future<Void> acknowledge(List<String> ids, Collection<String> retired, long lifetimeMs);

  /** Removes entries the ledger has committed (never one it has not); answers how many went. */
  Future<Long> trimCommitted();

  /** Entries waiting for the ledger: delivered and unacknowledged, plus those not yet delivered. */
  Future<Long> backlog();

  /** True once the ledger has committed (acknowledged) every entry up to {@code entryId}, that one included. */
  Future<Boolean> committedThrough(String entryId);
}
