package dev.wallet.balancecache;

import java.util.List;

/**
 * An atomic batch whose accounts are on several shards: one script cannot move them, so nothing was
 * asked of Redis. {@link #shards()} names them (their tags, e.g. {s0042}).
 */
public final class AtomicBatchSpansShardsException extends IllegalArgumentException {

  private final List<String> shards;

  public AtomicBatchSpansShardsException(List<String> shards) {
    super("an atomic batch moves money within one shard; this one touches " + shards);
    this.shards = List.copyOf(shards);
  }

  public List<String> shards() {
    return shards;
  }
}
