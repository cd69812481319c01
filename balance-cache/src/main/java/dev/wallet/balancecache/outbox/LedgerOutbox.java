package dev.wallet.balancecache.outbox;

import dev.wallet.balancecache.model.ShardId;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;

/**
 * One shard's outbox as the ledger reads it: by position, after the last entry the ledger has
 * committed, with no write to the master unless its replicas must be asked to acknowledge
 * ({@link #replicate}). The position the ledger publishes after each commit is
 * where a writer starts, and what the stream is trimmed below. The stream's key, the position's key
 * and the keys an entry retires are the money core's layout; the ledger works from
 * {@link OutboxRecord}s and this interface alone. Each call completes on the caller's context.
 */
public interface LedgerOutbox {

  /** The position of a stream the ledger has committed nothing of. */
  String START = "0-0";

  /** An outbox entry: its stream id (the order the ledger commits in) and what the script recorded. */
  record Entry(String id, OutboxRecord record) {
  }

  /**
   * Entries read after a position, with the master's replication as it was when they were read.
   *
   * @param published true while the shard's published position exists; false once it was lost
   *                  with the stream (a flushed or rebuilt hot tier), or before anything was published
   */
  record Read(List<Entry> entries, Replication replication, boolean published) {
  }

  /**
   * A published position as read from the shard's master, with the id of that master's replication
   * history ({@code master_replid}, {@link Replication#history}), read in the same turn: a read of the
   * stream in another history came after a failover, which may have lost the position's last
   * publications.
   */
  record Published(String position, String history) {
  }

  ShardId shard();

  /** The position the ledger last published ({@link #committed}), or {@link #START} when there is none. */
  Future<String> published();

  /** {@link #published()}, with the replication history of the master that answered. */
  Future<Published> publishedWithHistory();

  /**
   * Up to {@code count} entries after {@code position}, read in one turn of the master with its
   * replication: entries that enough replicas have acknowledged ({@link Replication#heldBy}) are
   * ones a failover cannot take back from Redis.
   */
  Future<Read> after(String position, int count);

  /**
   * True once {@code replicas} replicas of the same history have acknowledged what {@code read} saw,
   * after asking them to acknowledge now (a write to this shard, then {@code WAIT} for up to
   * {@code timeoutMs}): unasked, replicas acknowledge once a second, or at another client's WAIT.
   */
  Future<Boolean> replicate(Replication read, int replicas, long timeoutMs);

  /**
   * The ledger committed every entry up to {@code position}: the keys they retire
   * ({@link OutboxRecord#retire()}) get their remaining lifetime, the position is published, and,
   * when {@code trim}, the entries below it leave the stream; this shard's part in one round trip.
   */
  Future<Void> committed(String position, Collection<String> retired, long lifetimeMs, boolean trim);

  /** Entries after {@code position}, counted up to a bound: what waits for the ledger. */
  Future<Long> backlog(String position);

  /** True once the ledger has committed every entry up to {@code entryId}, that one included. */
  Future<Boolean> committedThrough(String entryId);
}
