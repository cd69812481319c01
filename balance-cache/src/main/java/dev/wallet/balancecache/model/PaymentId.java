package dev.wallet.balancecache.model;

/** A merchant payment; its shard is the payer's. Its value names its shard (see {@link ShardedIds}). */
public record PaymentId(String value) implements ShardedId {

  public PaymentId {
    ShardedIds.parse('p', value);
  }

  public static PaymentId random(ShardId shard) {
    return new PaymentId(ShardedIds.random('p', shard));
  }

  public static PaymentId derived(ShardId shard, String seed) {
    return new PaymentId(ShardedIds.derived('p', shard, seed));
  }

  @Override
  public ShardId shard() {
    return ShardedIds.parse('p', value);
  }

  @Override
  public String toString() {
    return value;
  }
}
