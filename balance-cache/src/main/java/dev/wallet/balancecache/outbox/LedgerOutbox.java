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

  /** Entries not yet delivered to any consumer of the group. */
  Future<List<Entry>> next(int count);

  /** Entries another consumer has held for longer than {@code idleMs}: that consumer is presumed dead. */
  Future<List<Entry>> claimAbandoned(long idleMs, int count);

  /**
   * True once {@code replicas} replicas hold every entry read so far, so that the ledger never
   * commits an entry that a failover could still take back from Redis.
   */
  Future<Boolean> replicated(int replicas, long timeoutMs);

  /** The ledger committed these entries: they leave this consumer's pending list. */
  Future<Void> acknowledge(List<String> ids);

  /** Gives the keys an entry retires ({@link OutboxRecord#retire()}) their remaining lifetime. */
  Future<Void> retire(Collection<String> keys, long lifetimeMs);

  /** Removes entries the ledger has committed (never one it has not); answers how many went. */
  Future<Long> trimCommitted();

  /** Entries waiting for the ledger: delivered and unacknowledged, plus those not yet delivered. */
  Future<Long> backlog();
}
