package dev.wallet.edge.admin;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.async.Deadline;
import dev.wallet.balancecache.async.Rounds;
import dev.wallet.balancecache.model.PendingBacklog;
import dev.wallet.balancecache.model.ShardAvailability;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an operator needs of the Redis Cluster as a whole, read every few seconds by each edge and
 * kept for /metrics (a scrape answers from memory, never from Redis): each master's online replicas
 * (a shard whose master has none loses acknowledged writes with its master, and stops taking writes
 * if every write waits for a replica), the shards that cannot take writes, and each shard's
 * cross-shard movements still pending with the age of the oldest (the sweeper ends each within
 * seconds; a backlog that ages is a destination that does not answer), and those to each other
 * region apart (they wait as long as that region does not answer, and this region's traffic goes on).
 *
 * <pre>
 * wallet_redis_master_online_replicas{master="127.0.0.1:7101"}   -1 when the master did not answer
 * wallet_redis_unwritable_shards
 * wallet_saga_pending{shard="s0042"}
 * wallet_saga_oldest_pending_seconds{shard="s0042"}
 * wallet_saga_pending_to_region{peer="eu"}                       on every shard, to wallets of region eu
 * wallet_saga_oldest_pending_to_region_seconds{peer="eu"}
 * wallet_saga_backlog_unread_shards                               shards whose backlog the last read missed
 * wallet_redis_shard_clock_ahead_seconds                          the most any shard's clock is ahead of its master's
 * </pre>
 */
public final class ClusterGauges {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterGauges.class);
  static final long READ_TIMEOUT_MS = 1_000;
  static final long READ_DEADLINE_MS = 30_000;

  private final Vertx vertx;
  private final BalanceCache cache;
  private final Clock clock;
  private final Rows replicas;
  private final Rows pending;
  private final Rows oldestPending;
  private final Rows pendingToRegion;
  private final Rows oldestPendingToRegion;
  private final AtomicInteger unwritable = new AtomicInteger();
  private final AtomicInteger unreadShards = new AtomicInteger();
  private final AtomicLong clockAheadMs = new AtomicLong();
  /**
   * Each shard's last read lead, kept when a read misses its master: a flapping master must not
   * restart the alert's 5 minutes by dropping its shards from the maximum. Confined to the event loop that reads.
   */
  private final Map<String, Long> leads = new HashMap<>();
  private Rounds reads;

  public ClusterGauges(Vertx vertx, BalanceCache cache, Clock clock, MeterRegistry registry) {
    this.vertx = vertx;
    this.cache = cache;
    this.clock = clock;
    this.replicas = new Rows(MultiGauge.builder("wallet_redis_master_online_replicas")
      .description("Replicas each Redis master reports online; -1 when it did not answer").register(registry), "master");
    this.pending = new Rows(MultiGauge.builder("wallet_saga_pending")
      .description("Cross-shard movements debited on this source shard and not yet settled").register(registry), "shard");
    this.oldestPending = new Rows(MultiGauge.builder("wallet_saga_oldest_pending_seconds")
      .description("How long the oldest pending movement of this source shard has waited").register(registry), "shard");
    this.pendingToRegion = new Rows(MultiGauge.builder("wallet_saga_pending_to_region")
      .description("Movements debited here to wallets of this other region and not yet settled").register(registry),
      "peer");
    this.oldestPendingToRegion = new Rows(MultiGauge.builder("wallet_saga_oldest_pending_to_region_seconds")
      .description("How long the oldest pending movement to this other region has waited").register(registry), "peer");
    Gauge.builder("wallet_redis_unwritable_shards", unwritable, AtomicInteger::get)
      .description("Shards whose master does not answer or lacks the replicas every write waits for").register(registry);
    Gauge.builder("wallet_saga_backlog_unread_shards", unreadShards, AtomicInteger::get)
      .description("Shards whose pending backlog the last read could not get").register(registry);
    Gauge.builder("wallet_redis_shard_clock_ahead_seconds", clockAheadMs, ms -> ms.get() / 1000.0)
      .description("The most any shard's clock is ahead of its master's: its movements are dated, and swept, late by as much")
      .register(registry);
  }

  /**
   * Reads now, then every {@code intervalMs}; a read never overlaps the previous one, and one with
   * no outcome within {@link #READ_DEADLINE_MS} is given up ({@link Rounds}).
   */
  public void start(long intervalMs) {
    reads = new Rounds(vertx, "the reading of the cluster's gauges", READ_DEADLINE_MS, this::refresh);
    reads.start(intervalMs);
    reads.runUnlessRunning();
  }

  public void stop() {
    if (reads != null) {
      reads.stop();
    }
  }

  /** One read of the cluster; the gauges change when it completes. */
  public Future<Void> refresh() {
    Future<Void> masters = cache.availability(READ_TIMEOUT_MS).onSuccess(this::record).mapEmpty();
    Future<Void> backlog = backlogs().onSuccess(this::record).mapEmpty();
    return Future.join(masters, backlog).transform(done -> {
      if (masters.failed()) {
        LOG.warn("could not read the Redis masters for /metrics: {}", masters.cause().toString());
      }
      return Future.succeededFuture();
    });
  }

  private void record(ShardAvailability availability) {
    unwritable.set(availability.unwritable().size());
    Map<String, Double> online = new LinkedHashMap<>();
    availability.masters().forEach(master -> online.put(master.endpoint(),
      master.answering() ? (double) master.onlineReplicas() : -1));
    replicas.set(online);
  }

  private static Map<String, Double> byRegion(Map<String, PendingBacklog.Waiting> toRegions,
                                              ToDoubleFunction<PendingBacklog.Waiting> figure) {
    Map<String, Double> rows = new LinkedHashMap<>();
    toRegions.forEach((region, waiting) -> rows.put(region, figure.applyAsDouble(waiting)));
    return rows;
  }

  private Future<List<PendingBacklog>> backlogs() {
    return Deadline.within(vertx, cache.pendingBacklogs(), READ_TIMEOUT_MS).otherwise(failure -> List.of());
  }

  /**
   * Shards whose read failed are left out of the per-shard rows and of the regions' sums, and
   * counted, so that an alert can see them.
   */
  private void record(List<PendingBacklog> read) {
    long now = clock.millis();
    int unread = cache.shardCount() - read.size();
    unreadShards.set(unread);
    if (unread > 0) {
      LOG.warn("could not read the pending backlog of {} shards for /metrics", unread);
    }
    Map<String, Double> counts = new LinkedHashMap<>();
    Map<String, Double> ages = new LinkedHashMap<>();
    read.forEach(backlog -> {
      counts.put(backlog.shard().name(), (double) backlog.inRegion().count());
      ages.put(backlog.shard().name(), backlog.inRegion().oldestAgeSeconds(now));
    });
    pending.set(counts);
    oldestPending.set(ages);
    Map<String, PendingBacklog.Waiting> toRegions = new TreeMap<>();
    read.forEach(backlog -> backlog.toRegions().forEach((region, waiting) ->
      toRegions.merge(region, waiting, PendingBacklog.Waiting::and)));
    pendingToRegion.set(byRegion(toRegions, waiting -> (double) waiting.count()));
    oldestPendingToRegion.set(byRegion(toRegions, waiting -> waiting.oldestAgeSeconds(now)));
    read.forEach(backlog -> leads.put(backlog.shard().name(), backlog.clockAheadMs()));
    clockAheadMs.set(leads.values().stream().mapToLong(Long::longValue).max().orElse(0));
  }

  /**
   * A multi-gauge's rows, one per value of {@code tag}, whose meters are kept from read to read: a
   * read sets their values, and registers rows only when the set of them changes. Registering every
   * row again at every read (131 meters every 5 s, each removed and added to the Prometheus registry)
   * was the largest part of an idle edge's event-loop time (JFR, 2026-12-05).
   */
  private static final class Rows {

    private final MultiGauge gauge;
    private final String tag;
    /** Confined to the event loop that reads; a scrape reads each row's volatile value. */
    private final Map<String, Value> values = new LinkedHashMap<>();

    Rows(MultiGauge gauge, String tag) {
      this.gauge = gauge;
      this.tag = tag;
    }

    void set(Map<String, Double> read) {
      boolean sameRows = values.keySet().equals(read.keySet());
      values.keySet().retainAll(read.keySet());
      read.forEach((key, number) -> values.computeIfAbsent(key, absent -> new Value()).current = number);
      if (!sameRows) {
        gauge.register(values.entrySet().stream()
          .<MultiGauge.Row<?>>map(row -> MultiGauge.Row.of(Tags.of(tag, row.getKey()), row.getValue(),
            value -> value.current))
          .toList(), false);
      }
    }
  }

  private static final class Value {
    volatile double current;
  }
}
