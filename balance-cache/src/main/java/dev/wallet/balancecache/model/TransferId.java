package dev.wallet.balancecache.model;

/** A transfer; its shard is the source wallet's. Its value names its shard (see {@link ShardedIds}). */
public record TransferId(String value) implements ShardedId {

  public TransferId {
    ShardedIds.parse('t', value);
  }

  public static TransferId random(ShardId shard) {
    return new TransferId(ShardedIds.random('t', shard));
  }

  public static TransferId derived(ShardId shard, String seed) {
    return new TransferId(ShardedIds.derived('t', shard, seed));
  }

  @Override
  public ShardId shard() {
    return ShardedIds.parse('t', value);
  }

  @Override
  public String toString() {
    return value;
  }
}
