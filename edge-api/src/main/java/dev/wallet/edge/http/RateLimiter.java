package dev.wallet.edge.http;

import dev.wallet.edge.config.EdgeConfig;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A token bucket per caller, shared by every event loop of this process: {@code perSecond} tokens
 * a second, at most {@code burst} saved. Each take is one atomic {@link ConcurrentMap#compute} on
 * the caller's own entry, so concurrent requests of one caller on several event loops cannot
 * spend the same token twice, and callers never wait for each other (no lock is shared between
 * callers, nothing blocks). Buckets are in memory and per instance: behind a balancer with N
 * instances a caller gets up to N times the rate (documented in the README).
 */
public final class RateLimiter {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  /** A full bucket is the same as no bucket: full ones are dropped now and then, to bound memory. */
  private static final long PRUNE_EVERY_TAKES = 10_000;

  private final long nanosPerToken;
  private final long capacityNanos;
  private final LongSupplier clock;
  private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicLong takes = new AtomicLong();

  private final EdgeMetrics metrics;

  public RateLimiter(EdgeConfig.RateLimit limit, LongSupplier nanoClock, EdgeMetrics metrics) {
    this.metrics = metrics;
    this.nanosPerToken = NANOS_PER_SECOND / limit.perSecond();
    this.capacityNanos = nanosPerToken * limit.burst();
    this.clock = nanoClock;
  }

  /**
   * A bucket is stored as the instant at which it will be full again (GCRA's "theoretical arrival
   * time"): taking a token pushes that instant one token interval later, and a take is refused when
   * it would push it beyond a full bucket's worth of intervals from now.
   */
  private record Bucket(long fullAgainAtNanos, boolean granted) {
  }

  /** Guard: lets the request through, or answers 429 rate_limited with Retry-After. */
  public void limit(RoutingContext ctx) {
    long waitNanos = take(Authenticator.caller(ctx).id());
    if (waitNanos > 0) {
      metrics.rateLimited();
      throw new ProblemException(Problem.rateLimited(retryAfterSeconds(waitNanos)));
    }
    ctx.next();
  }

  /** 0 when a token was taken, else how long until one will be there. */
  public long take(String callerId) {
    long now = clock.getAsLong();
    Bucket bucket = buckets.compute(callerId, (id, current) -> next(current, now));
    pruneNow(now);
    return bucket.granted() ? 0 : bucket.fullAgainAtNanos() - capacityNanos + nanosPerToken - now;
  }

  /**
   * Charges a request that was let through for {@code tokens} more (the items of a batch beyond its
   * first, each a movement of its own): the bucket may go into debt, and the caller's next request waits
   * until it is paid off. A batch is admitted as any request is, so one larger than the burst still runs.
   */
  public void charge(String callerId, long tokens) {
    if (tokens <= 0) {
      return;
    }
    long now = clock.getAsLong();
    buckets.compute(callerId, (id, current) -> new Bucket((current == null ? now
      : Math.max(current.fullAgainAtNanos(), now)) + tokens * nanosPerToken, true));
  }

  private Bucket next(Bucket current, long now) {
    long fullAgainAt = current == null ? now : Math.max(current.fullAgainAtNanos(), now);
    long afterTake = fullAgainAt + nanosPerToken;
    if (afterTake - now > capacityNanos) {
      return new Bucket(fullAgainAt, false);
    }
    return new Bucket(afterTake, true);
  }

  private void pruneNow(long now) {
    if (takes.incrementAndGet() % PRUNE_EVERY_TAKES == 0) {
      buckets.entrySet().removeIf(entry -> entry.getValue().fullAgainAtNanos() <= now);
    }
  }

  public int size() {
    return buckets.size();
  }

  static long retryAfterSeconds(long waitNanos) {
    return Math.max(1, (waitNanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND);
  }
}
