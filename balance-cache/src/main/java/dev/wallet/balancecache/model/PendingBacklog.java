package dev.wallet.balancecache.model;

/**
 * A shard's cross-shard movements debited and not yet settled, for operators: how many, and since
 * when the oldest has waited. The sweeper drives each to its end after a few seconds, so a backlog
 * that grows or ages is a destination shard that does not answer (or a sweeper that does not run).
 * Movements are dated by the shard's clock, which a master whose clock ran ahead leaves ahead of the
 * next one's (docs/architecture.md, "The shard's clock"): the sweeper, on its own clock, then drives
 * them late by as much, and new movements are dated ahead.
 *
 * @param shard               the source shard
 * @param count               movements pending on it
 * @param oldestCreatedAtMs   when the oldest of them was debited (epoch ms); 0 when none is pending
 * @param clockAheadMs        how far the shard's clock is ahead of its master's (ms); 0 when not
 */
public record PendingBacklog(ShardId shard, long count, long oldestCreatedAtMs, long clockAheadMs) {

  /** Seconds the oldest movement has waited at {@code nowMs}; 0 when none is pending. */
  public double oldestAgeSeconds(long nowMs) {
    return count == 0 ? 0 : Math.max(0, nowMs - oldestCreatedAtMs) / 1000.0;
  }
}
