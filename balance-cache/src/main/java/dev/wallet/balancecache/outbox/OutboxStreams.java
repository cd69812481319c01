package dev.wallet.balancecache.outbox;

import dev.wallet.balancecache.model.ShardId;

/** Where the outbox of each shard lives, and how far the ledger has committed it. */
public final class OutboxStreams {

  private OutboxStreams() {
  }

  public static String key(ShardId shard) {
    return shard.tag() + ":outbox";
  }

  /**
   * The last entry of {@code shard}'s outbox the ledger has committed (a stream id), as the ledger
   * writer publishes it after each commit: in the outbox's slot, so that it is lost with the stream.
   */
  public static String positionKey(ShardId shard) {
    return shard.tag() + ":ledger-position";
  }

  /** Orders two stream ids ("ms-seq") as the stream does. */
  public static int compareIds(String a, String b) {
    String[] x = a.split("-");
    String[] y = b.split("-");
    int byTime = Long.compare(Long.parseLong(x[0]), Long.parseLong(y[0]));
    return byTime != 0 ? byTime : Long.compare(Long.parseLong(x[1]), Long.parseLong(y[1]));
  }
}
