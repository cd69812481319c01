package dev.wallet.balancecache.model;

/** A refund of a payment; its shard is the merchant's. Its value names its shard (see {@link ShardedIds}). */
public record RefundId(String value) implements ShardedId {

  public RefundId {
    ShardedIds.parse('r', value);
  }

  public static RefundId random(ShardId shard) {
    return new RefundId(ShardedIds.random('r', shard));
  }

  public static RefundId derived(ShardId shard, String seed) {
    return new RefundId(ShardedIds.derived('r', shard, seed));
  }

  @Override
  public ShardId shard() {
    return ShardedIds.parse('r', value);
  }

  @Override
  public String toString() {
    return value;
  }
}
