package dev.wallet.balancecache;

import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.config.Settings;
import dev.wallet.balancecache.model.ShardRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * How the money core reaches Redis and how strict it is about durability.
 *
 * @param redisEndpoints       seed nodes of the Redis Cluster, e.g. redis://127.0.0.1:7101
 * @param shards               the logical shards this region owns (docs/architecture.md, "Regions"); fixed for
 *                             the life of the data: ids carry their shard
 * @param regions              the deployment's regions, and this one: where a wallet of another region lives
 * @param minReplicaAcks       replicas that must hold a write before it is acknowledged (WAIT); 0 turns it off
 * @param replicationTimeoutMs how long one WAIT may take
 * @param operationTimeoutMs   how long one request may retry before the money core reports it unavailable
 * @param idempotencyRetentionMs how long an idempotency record lives once the ledger has its posting
 * @param sweepAgeMs           a pending transfer older than this is driven to its end by the sweeper
 * @param sweepIntervalMs      how often the sweeper looks; 0 means this instance runs no sweeper
 * @param maxPoolSize          connections per Redis node
 * @param striping             which merchants receive through credit stripes, and how often they are swept
 */
public record BalanceCacheOptions(List<String> redisEndpoints, ShardRange shards, Regions regions,
                                  int minReplicaAcks, long replicationTimeoutMs, long operationTimeoutMs,
                                  long idempotencyRetentionMs, long sweepAgeMs, long sweepIntervalMs, int maxPoolSize,
                                  Striping striping) {

  /**
   * Hot merchants (docs/architecture.md, "Hot merchants: credit stripes"): the merchant wallets of
   * these owners receive payments from every shard in one script, on a stripe of their own there.
   *
   * @param merchantOwners  owners whose merchant wallets are striped
   * @param sweepIntervalMs how often this process sweeps the stripes it knows into their merchant wallets; 0: never
   */
  public record Striping(Set<String> merchantOwners, long sweepIntervalMs) {

    public static final Striping NONE = new Striping(Set.of(), 0);

    public Striping {
      merchantOwners = Set.copyOf(merchantOwners);
    }

    public boolean striped(String ownerId) {
      return merchantOwners.contains(ownerId);
    }
  }

  public BalanceCacheOptions {
    redisEndpoints = List.copyOf(redisEndpoints);
    if (redisEndpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one Redis endpoint is needed");
    }
    Objects.requireNonNull(shards, "shards");
    Objects.requireNonNull(regions, "regions");
  }

  /** How many shards this region owns. */
  public int shardCount() {
    return shards.count();
  }

  /**
   * The cluster's nodes as every process reads them: an explicit list ({@code WALLET_REDIS_NODES} or
   * {@code redis.nodes}), else {@code WALLET_REDIS_NODE_COUNT} ports from {@code WALLET_REDIS_FIRST_PORT}
   * (the defaults are scripts/env.sh's).
   */
  public static List<String> nodes(Settings s) {
    String csv = s.text("WALLET_REDIS_NODES", "redis.nodes", "");
    if (!csv.isEmpty()) {
      return Arrays.stream(csv.split(",")).map(String::trim).filter(node -> !node.isEmpty()).toList();
    }
    String host = s.text("WALLET_REDIS_HOST", "redis.host", "127.0.0.1");
    int first = s.integer("WALLET_REDIS_FIRST_PORT", "redis.firstPort", 7101);
    int count = s.integer("WALLET_REDIS_NODE_COUNT", "redis.nodeCount", 7);
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      nodes.add("redis://" + host + ":" + (first + i));
    }
    return nodes;
  }

  /** The shard count every process must agree on for the life of the data. */
  public static int shards(Settings s) {
    return s.integer("WALLET_SHARDS", "redis.shards", 64);
  }

  public static BalanceCacheOptions defaults(List<String> redisEndpoints) {
    return new BalanceCacheOptions(redisEndpoints, ShardRange.of(64), Regions.SINGLE, 1, 500, 2_000, 24 * 3_600_000L,
      5_000, 1_000, 32, Striping.NONE);
  }

  public BalanceCacheOptions withShardCount(int value) {
    return withShards(new ShardRange(shards.first(), value));
  }

  /** {@code value}'s regions, this process's region's shards among them. */
  public BalanceCacheOptions withRegions(Regions value) {
    return new BalanceCacheOptions(redisEndpoints, value.shards(shards.count()), value, minReplicaAcks,
      replicationTimeoutMs, operationTimeoutMs, idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, maxPoolSize,
      striping);
  }

  public BalanceCacheOptions withShards(ShardRange value) {
    return new BalanceCacheOptions(redisEndpoints, value, regions, minReplicaAcks, replicationTimeoutMs,
      operationTimeoutMs, idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, maxPoolSize, striping);
  }

  public BalanceCacheOptions withMinReplicaAcks(int value) {
    return new BalanceCacheOptions(redisEndpoints, shards, regions, value, replicationTimeoutMs, operationTimeoutMs,
      idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, maxPoolSize, striping);
  }

  public BalanceCacheOptions withOperationTimeoutMs(long value) {
    return new BalanceCacheOptions(redisEndpoints, shards, regions, minReplicaAcks, replicationTimeoutMs, value,
      idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, maxPoolSize, striping);
  }

  public BalanceCacheOptions withSweep(long ageMs, long intervalMs) {
    return new BalanceCacheOptions(redisEndpoints, shards, regions, minReplicaAcks, replicationTimeoutMs,
      operationTimeoutMs, idempotencyRetentionMs, ageMs, intervalMs, maxPoolSize, striping);
  }

  public BalanceCacheOptions withMaxPoolSize(int value) {
    return new BalanceCacheOptions(redisEndpoints, shards, regions, minReplicaAcks, replicationTimeoutMs,
      operationTimeoutMs, idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, value, striping);
  }

  public BalanceCacheOptions withStriping(Striping value) {
    return new BalanceCacheOptions(redisEndpoints, shards, regions, minReplicaAcks, replicationTimeoutMs,
      operationTimeoutMs, idempotencyRetentionMs, sweepAgeMs, sweepIntervalMs, maxPoolSize, value);
  }
}
