package dev.wallet.balancecache.model;

/**
 * A logical shard. All keys of a shard share the hash tag {sNNNN}, so they live in one Redis
 * Cluster hash slot and a Lua script may touch any of them atomically.
 */
public record ShardId(int number) {

  public static final int MAX_SHARDS = 10_000;
  /** Names are formatted once per shard: a name is part of every key the money core builds. */
  private static final String[] NAMES = new String[MAX_SHARDS];

  public ShardId {
    if (number < 0 || number >= MAX_SHARDS) {
      throw new IllegalArgumentException("shard out of range: " + number);
    }
  }

  /**
   * The owner's home shard, where the money core places every wallet of the owner: the owner's
   * limit counters then sit beside all of its debits, so one script checks and counts them exactly.
   * A pure function of the owner id (the first 32 bits of SHA-256 of "owner|" + id, modulo the
   * shard count), fixed for the life of the data like the shard count, so anyone can recompute it
   * (the ledger's query for wallets off their home, in docs/architecture.md, does).
   */
  public static ShardId homeOf(String ownerId, int shardCount) {
    String digest = Sha256.hex("owner|" + ownerId);
    return new ShardId((int) (Long.parseLong(digest.substring(0, 8), 16) % shardCount));
  }

  /** s0042 */
  public String name() {
    String name = NAMES[number];
    if (name == null) {
      name = String.format("s%04d", number);
      NAMES[number] = name; // a benign race: every thread formats the same immutable string
    }
    return name;
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
