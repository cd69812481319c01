package dev.wallet.balancecache.model;

import java.util.Map;

/**
 * A shard's movements between shards debited and not yet settled, for operators: how many, and
 * since when the oldest has waited, apart for those to wallets of this region and for those to each
 * other region. The sweeper drives one of this region's to its end after a few seconds, so a backlog
 * here that grows or ages is a destination shard that does not answer (or a sweeper that does not
 * run); one to another region waits as long as that region does not answer, which this region's own
 * traffic does not notice. Until 2026-12-07 the two were one figure, and a peer region's outage
 * looked like every shard's sagas stuck.
 *
 * <p>Movements are dated by the shard's clock, which a master whose clock ran ahead leaves ahead of
 * the next one's (docs/architecture.md, "The shard's clock"): the sweeper, on its own clock, then
 * drives them late by as much, and new movements are dated ahead.
 *
 * @param shard        the source shard
 * @param inRegion     its movements to wallets of this region
 * @param toRegions    its movements to each other region, by that region's name (every region of the deployment)
 * @param clockAheadMs how far the shard's clock is ahead of its master's (ms); 0 when not
 */
public record PendingBacklog(ShardId shard, Waiting inRegion, Map<String, Waiting> toRegions, long clockAheadMs) {

  public PendingBacklog {
    toRegions = Map.copyOf(toRegions);
  }

  /**
   * Movements of one set, pending.
   *
   * @param count             how many
   * @param oldestCreatedAtMs when the oldest of them was debited (epoch ms); 0 when none is pending
   */
  public record Waiting(long count, long oldestCreatedAtMs) {

    public static final Waiting NONE = new Waiting(0, 0);

    /** Seconds the oldest movement has waited at {@code nowMs}; 0 when none is pending. */
    public double oldestAgeSeconds(long nowMs) {
      return count == 0 ? 0 : Math.max(0, nowMs - oldestCreatedAtMs) / 1000.0;
    }

    /** Both sets' movements as one. */
    public Waiting and(Waiting other) {
      if (count == 0 || other.count == 0) {
        return count == 0 ? other : this;
      }
      return new Waiting(count + other.count, Math.min(oldestCreatedAtMs, other.oldestCreatedAtMs));
    }
  }
}
