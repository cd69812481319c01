package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a shard lists its movements pending between shards (sorted sets, movement id by the
 * millisecond it was debited): those towards wallets of this region in one set, those towards each
 * other region in a set of that region's. Every process that reads them (the edges' sweepers, the
 * reconciler, the rebuild) is given the deployment's regions. The sweeper drives each set on its
 * own. Until 2026-12-07 a shard had one set: a movement of this region waited behind those to a
 * region that gave no answer, and each of those cost the sweeper a read of its record before it
 * could be skipped.
 *
 * @param shards  the shards of this region
 * @param regions the regions of the deployment
 */
record PendingSets(ShardRange shards, Regions regions) {

  /** One set of a shard's: {@code region} is the other region its movements go to, empty for this region's. */
  record PendingSet(ShardId shard, String key, Optional<String> region) {
  }

  /** The set a movement from {@code source} to a wallet on {@code destination} is listed in while it is pending. */
  String setFor(ShardId source, ShardId destination) {
    return otherRegionOf(destination).map(region -> Keys.pendingMovementsTo(source, region.index()))
      .orElseGet(() -> Keys.pendingMovements(source));
  }

  /** Every set of {@code source}'s: this region's first, then one for each other region. */
  List<PendingSet> setsOf(ShardId source) {
    List<PendingSet> sets = new ArrayList<>(List.of(new PendingSet(source, Keys.pendingMovements(source),
      Optional.empty())));
    regions.regions().stream().filter(region -> !regions.self().equals(Optional.of(region)))
      .forEach(region -> sets.add(new PendingSet(source, Keys.pendingMovementsTo(source, region.index()),
        Optional.of(region.name()))));
    return sets;
  }

  /** The keys of {@link #setsOf}. */
  List<String> keysOf(ShardId source) {
    return setsOf(source).stream().map(PendingSet::key).toList();
  }

  /** The other region that owns {@code shard}; empty for this region's shards and for shards no region owns. */
  Optional<Regions.Region> otherRegionOf(ShardId shard) {
    return shards.contains(shard) ? Optional.empty()
      : regions.homeOf(shard).filter(region -> !regions.self().equals(Optional.of(region)));
  }
}
