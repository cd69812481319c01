package dev.wallet.ledger;

import dev.wallet.balancecache.model.ShardRange;
import java.util.List;

/**
 * @param redisEndpoints  seed nodes of the Redis Cluster, e.g. redis://127.0.0.1:7101
 * @param shards          the shards of the money core's region; one outbox stream per shard
 * @param placement       the ledger's databases, as the application role
 * @param consumerName    this writer's name, in its logs and its reconciliation's
 * @param batchSize       outbox entries read and committed together
 * @param minReplicaAcks  replicas that must hold an outbox entry before it is written to the ledger
 * @param idempotencyRetentionMs lifetime given to retired keys once their posting is committed; a day in
 *                        service. Below 30 s (tests only) two refunds racing to restore one expired payment
 *                        record could miss each other (lib.lua, refund_bound)
 * @param insertMode      how batches reach PostgreSQL (measured in docs/benchmarks.md)
 */
public record LedgerWriterOptions(List<String> redisEndpoints, ShardRange shards, LedgerPlacement placement,
                                  String consumerName, int batchSize, int minReplicaAcks,
                                  long idempotencyRetentionMs, InsertMode insertMode) {

  /** The shards of a deployment of one region. */
  public LedgerWriterOptions(List<String> redisEndpoints, int shardCount, LedgerDatabase database, String consumerName,
                             int batchSize, int minReplicaAcks, long idempotencyRetentionMs) {
    this(redisEndpoints, ShardRange.of(shardCount), LedgerPlacement.single(database), consumerName, batchSize,
      minReplicaAcks, idempotencyRetentionMs, InsertMode.UNNEST);
  }

  public LedgerWriterOptions {
    redisEndpoints = List.copyOf(redisEndpoints);
  }

  public static LedgerWriterOptions defaults(List<String> redisEndpoints, int shardCount, LedgerDatabase database,
                                             String consumerName) {
    return defaults(redisEndpoints, ShardRange.of(shardCount), database, consumerName);
  }

  public static LedgerWriterOptions defaults(List<String> redisEndpoints, ShardRange shards, LedgerDatabase database,
                                             String consumerName) {
    return defaults(redisEndpoints, shards, LedgerPlacement.single(database), consumerName);
  }

  public static LedgerWriterOptions defaults(List<String> redisEndpoints, ShardRange shards, LedgerPlacement placement,
                                             String consumerName) {
    return new LedgerWriterOptions(redisEndpoints, shards, placement, consumerName, 500, 1, 24 * 3_600_000L,
      InsertMode.UNNEST);
  }

  public LedgerWriterOptions withConsumerName(String value) {
    return new LedgerWriterOptions(redisEndpoints, shards, placement, value, batchSize, minReplicaAcks,
      idempotencyRetentionMs, insertMode);
  }

  public LedgerWriterOptions withInsertMode(InsertMode value) {
    return new LedgerWriterOptions(redisEndpoints, shards, placement, consumerName, batchSize, minReplicaAcks,
      idempotencyRetentionMs, value);
  }

  public LedgerWriterOptions withBatchSize(int value) {
    return new LedgerWriterOptions(redisEndpoints, shards, placement, consumerName, value, minReplicaAcks,
      idempotencyRetentionMs, insertMode);
  }

  public LedgerWriterOptions withIdempotencyRetentionMs(long value) {
    return new LedgerWriterOptions(redisEndpoints, shards, placement, consumerName, batchSize, minReplicaAcks,
      value, insertMode);
  }
}
