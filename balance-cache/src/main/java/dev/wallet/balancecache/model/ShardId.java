package dev.wallet.balancecache.model;

/**
 * A logical shard. All keys of a shard share the hash tag {sNNNN}, so they live in one Redis
 * Cluster hash slot and a Lua script may touch any of them atomically.
 */
public record ShardId(int number) {

  public static final int MAX_SHARDS = 10_000;

  public ShardId {
    if (number < 0 || number >= MAX_SHARDS) {
      throw new IllegalArgumentException("shard out of range: " + number);
    }
  }

  /** s0042 */
  public String name() {
    return String.format("s%04d", number);
  }

  /** {s0042}, the hash tag every key of this shard starts with. */
  public String tag() {
    return "{" + name() + "}";
  }

  @Override
  public String toString() {
    return name();
  }
}
