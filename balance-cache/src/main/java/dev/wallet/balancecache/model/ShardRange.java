package dev.wallet.balancecache.model;

import java.util.List;
import java.util.stream.IntStream;

/**
 * The shards one region owns: {@code count} consecutive shard numbers from {@code first}. A wallet's
 * id names its shard, so the range also says whose a wallet is: region i of a multi-region
 * deployment owns shards from 1000 × i (docs/architecture.md, "Regions"); a single region owns 0 to
 * count - 1, as before regions existed.
 */
public record ShardRange(int first, int count) {

  public ShardRange {
    if (first < 0 || count < 1 || first + count > ShardId.MAX_SHARDS) {
      throw new IllegalArgumentException("shards " + first + " to " + (first + count - 1) + " are out of range");
    }
  }

  /** The shards of a deployment of one region. */
  public static ShardRange of(int count) {
    return new ShardRange(0, count);
  }

  public boolean contains(ShardId shard) {
    return shard.number() >= first && shard.number() < first + count;
  }

  public IntStream numbers() {
    return IntStream.range(first, first + count);
  }

  public List<ShardId> all() {
    return numbers().mapToObj(ShardId::new).toList();
  }

  /** The shard at {@code index} (0 to count - 1) of the range. */
  public ShardId at(int index) {
    return new ShardId(first + Math.floorMod(index, count));
  }

  /** Where an owner's wallets live in this range: see {@link ShardId#homeOf}. */
  public ShardId homeOf(String ownerId) {
    return new ShardId(first + ShardId.homeOf(ownerId, count).number());
  }

  @Override
  public String toString() {
    return new ShardId(first) + "-" + new ShardId(first + count - 1);
  }
}
