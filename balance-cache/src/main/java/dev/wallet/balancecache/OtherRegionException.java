package dev.wallet.balancecache;

import dev.wallet.balancecache.model.ShardId;

/**
 * A request for a shard that this region does not own (docs/architecture.md, "Regions"): nothing was
 * read or written. The money core sends no command for another region's shard to its own cluster,
 * where the shard's keys would name nothing, and moves no money to a wallet of another region
 * before settlement between regions exists.
 */
public final class OtherRegionException extends RuntimeException {

  private final transient ShardId shard;

  public OtherRegionException(ShardId shard) {
    super("shard " + shard + " belongs to another region", null, false, false);
    this.shard = shard;
  }

  public ShardId shard() {
    return shard;
  }
}
