package dev.wallet.balancecache.model;

import java.util.List;

/**
 * Which shards can take writes now, as seen from this process: a shard is writable when the
 * master that serves its slot answers and has as many replicas online as every write waits for.
 *
 * @param shardCount the shards of the cluster
 * @param unwritable the shards whose writes would fail now, in shard order
 * @param masters    each master this process knows, with what it answered
 */
public record ShardAvailability(int shardCount, List<ShardId> unwritable, List<Master> masters) {

  public ShardAvailability {
    unwritable = List.copyOf(unwritable);
    masters = List.copyOf(masters);
  }

  /**
   * @param endpoint       the master's address
   * @param answering      whether it answered in time
   * @param onlineReplicas replicas it reported online (0 when it did not answer)
   * @param shards         the shards it serves
   */
  public record Master(String endpoint, boolean answering, int onlineReplicas, int shards) {
  }

  public boolean allWritable() {
    return unwritable.isEmpty();
  }

  public boolean noneWritable() {
    return unwritable.size() == shardCount;
  }
}
