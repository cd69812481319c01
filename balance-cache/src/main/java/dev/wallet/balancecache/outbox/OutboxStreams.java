package dev.wallet.balancecache.outbox;

import dev.wallet.balancecache.model.ShardId;

/** Where the outbox of each shard lives and who reads it. */
public final class OutboxStreams {

  /** The consumer group of the ledger writers; every writer instance joins it. */
  public static final String LEDGER_GROUP = "ledger";

  private OutboxStreams() {
  }

  public static String key(ShardId shard) {
    return shard.tag() + ":outbox";
  }
}
