package dev.wallet.balancecache;

import dev.wallet.balancecache.model.OutcomeCode;
import io.vertx.core.Future;

/**
 * How the money core reaches another region (docs/architecture.md, "Regions"): the edge's signed
 * settlement channel. The money core only asks; the channel may deliver a settlement more than once.
 */
public interface RegionLink {

  /**
   * Asks {@code region} to credit {@code settlement}: OK, or the refusal that is its final decision.
   * Fails when the region did not decide, and the movement stays pending and is asked again: with
   * {@link RegionUnreachableException} when it gave no answer at all, with
   * {@link RefusedByRegionException} when it refused this delivery itself (the movement's own
   * failure, not the region's), else it could take nothing now (a 503, a 429).
   */
  Future<OutcomeCode> credit(String region, Settlement settlement);

  /**
   * Tells {@code region} that {@code settlement} is finished at its source: it is never delivered
   * again. Fails as {@link #credit} does.
   */
  Future<Void> finished(String region, Settlement settlement);
}
