package dev.wallet.balancecache;

import java.util.List;

/**
 * How the money core reaches Redis and how strict it is about durability.
 *
 * @param redisEndpoints       seed nodes of the Redis Cluster, e.g. redis://127.0.0.1:7101
 * @param shardCount           logical shards; fixed for the life of the data (ids carry their shard)
 * @param minReplicaAcks       replicas that must hold a write before it is acknowledged (WAIT); 0 turns it off
 * @param replicationTimeoutMs how long one WAIT may take
 * @param operationTimeoutMs   how long one request may retry before the money core reports it unavailable
 * @param idempotencyRetentionMs how long an idempotency record lives once the ledger has its posting
 * @param sweepAgeMs           a pending transfer older than this is driven to its end by the sweeper
 * @param sweepIntervalMs      how often the sweeper looks; 0 means this instance runs no sweeper
 * @param maxPoolSize          connections per Redis node
 */
public record BalanceCacheOptions(List<String> redisEndpoints, int shardCount, int minReplicaAcks,
                                  long replicationTimeoutMs, long operationTimeoutMs, long idempotencyRetentionMs,
                                  long sweepAgeMs, long sweepIntervalMs, int maxPoolSize) {

  public BalanceCacheOptions {
    redisEndpoints = List.copyOf(redisEndpoints);
    if (redisEndpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one Redis endpoint is needed");
    }
    if (shardCount < 1 || shardCount > 10_000) {
      throw new IllegalArgumentException("shardCount must be between 1 and 10000");
    }
  }

  public static BalanceCacheOptions defaults(List<String> redisEndpoints) {
    return new BalanceCacheOptions(redisEndpoints, 64, 1, 500, 2_000, 24 * 3_600_000L, 5_000, 1_000, 32);
  }

  public BalanceCacheOptions withShardCount(int value) {
    return new BalanceCacheOptions(redisEndpoints, value, minReplicaAcks, replicationTimeoutMs, operationTimeoutMs,
      idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, maxPoolSize);
  }

  public BalanceCacheOptions withMinReplicaAcks(int value) {
    return new BalanceCacheOptions(redisEndpoints, shardCount, value, replicationTimeoutMs, operationTimeoutMs,
      idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, maxPoolSize);
  }

  public BalanceCacheOptions withOperationTimeoutMs(long value) {
    return new BalanceCacheOptions(redisEndpoints, shardCount, minReplicaAcks, replicationTimeoutMs, value,
      idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, maxPoolSize);
  }

  public BalanceCacheOptions withSweep(long ageMs, long intervalMs) {
    return new BalanceCacheOptions(redisEndpoints, shardCount, minReplicaAcks, replicationTimeoutMs,
      operationTimeoutMs, idempotencyRetentionMs, ageMs, intervalMs, maxPoolSize);
  }

  public BalanceCacheOptions withMaxPoolSize(int value) {
    return new BalanceCacheOptions(redisEndpoints, shardCount, minReplicaAcks, replicationTimeoutMs,
      operationTimeoutMs, idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, value);
  }
}
