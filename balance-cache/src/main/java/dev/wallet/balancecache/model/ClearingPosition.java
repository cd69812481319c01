package dev.wallet.balancecache.model;

import java.util.Map;

/**
 * One region's books against the others (docs/architecture.md, "Regions"), read over its shards.
 *
 * @param totals     by other region, by currency: the sum of this region's clearing accounts for it
 *                   (sent there and not reversed, minus what came from there)
 * @param sequences  by other region: the sum of those accounts' sequences, which every posting on one moves
 * @param pending    by other region: movements to it debited here and not finished yet
 */
public record ClearingPosition(Map<String, Map<String, Long>> totals, Map<String, Long> sequences,
                               Map<String, Long> pending) {

  public ClearingPosition {
    totals = Map.copyOf(totals);
    sequences = Map.copyOf(sequences);
    pending = Map.copyOf(pending);
  }
}
