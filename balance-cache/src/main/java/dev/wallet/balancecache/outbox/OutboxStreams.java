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

  /** Orders two stream ids ("ms-seq") as the stream does. */
  public static int compareIds(String a, String b) {
    String[] x = a.split("-");
    String[] y = b.split("-");
    int byTime = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
    return byTime != 0 ? byTime : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
  }
}
