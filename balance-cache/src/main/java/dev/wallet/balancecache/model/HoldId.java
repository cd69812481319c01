package dev.wallet.balancecache.model;

/** A hold on a wallet's money; its shard is the wallet's. Its value names its shard (see {@link ShardedIds}). */
public record HoldId(String value) implements ShardedId {

  public HoldId {
    ShardedIds.parse('h', value);
  }

  public static HoldId random(ShardId shard) {
    return new HoldId(ShardedIds.random('h', shard));
  }

  public static HoldId derived(ShardId shard, String seed) {
    return new HoldId(ShardedIds.derived('h', shard, seed));
  }

  @Override
  public ShardId shard() {
    return ShardedIds.parse('h', value);
  }

  @Override
  public String toString() {
    return value;
  }
}
