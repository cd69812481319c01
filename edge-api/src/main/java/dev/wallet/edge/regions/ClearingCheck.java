package dev.wallet.edge.regions;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.ClearingPosition;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The check between regions (docs/architecture.md, "Regions"): what this region's books hold
 * against another region and what that region's hold against this one add up to zero per currency
 * once nothing is on its way between them. This region's clearing accounts for b hold what it sent
 * to b minus what came from b; b's for this region the same the other way; every transfer in flight
 * is in exactly one of the two sums until the other side credits it. A reading counts only when it
 * is settled: no movement pending between the two on either side, and this region's accounts
 * unchanged from before the other region was read to after (a credit there needs a movement pending
 * here; its accounts for a third region are not compared, as nothing between the two moves them).
 * Unsettled readings are tried again a few times, then reported as not concluded.
 *
 * It runs on demand ({@code GET /admin/regions/clearing}) and on a timer ({@link #start}); each peer's
 * last concluded verdict is a gauge ({@link #register}: {@code wallet_region_clearing_disagrees},
 * {@code wallet_region_clearing_last_concluded_seconds}), which the alert rules watch, and a
 * disagreement is logged as an error with its difference. It halts nothing: which region's books are
 * wrong is for a person to find.
 */
public final class ClearingCheck {

  private static final Logger LOG = LoggerFactory.getLogger(ClearingCheck.class);
  private static final int ATTEMPTS = 10;

  private final BalanceCache cache;
  private final RegionChannel channel;
  private final Regions regions;
  /** Each peer's last concluded verdict. */
  private final Map<String, Verdict> verdicts = new ConcurrentHashMap<>();
  private volatile boolean stopped;
  private long timer = -1;

  private record Verdict(boolean agree, long atMs) {
  }

  public ClearingCheck(BalanceCache cache, RegionChannel channel, Regions regions) {
    this.cache = cache;
    this.channel = channel;
    this.regions = regions;
  }

  /**
   * {@code {"region": "a", "peers": [{"region": "b", "concluded", "agree", "difference": {"USD": n}}]}}; a peer
   * that could not be asked is {@code {"region": "c", "concluded": false, "failed": "<why>"}}, and the
   * others are checked all the same (until 2026-12-06 the first such peer ended the run).
   */
  public Future<JsonObject> run() {
    String self = regions.self().orElseThrow().name();
    JsonArray peers = new JsonArray();
    Future<Void> all = Future.succeededFuture();
    for (String peer : peers()) {
      all = all.compose(done -> against(self, peer, ATTEMPTS).recover(failure -> failed(peer, failure))
        .map(this::remember).map(peers::add).mapEmpty());
    }
    return all.map(done -> new JsonObject().put("region", self).put("peers", peers));
  }

  private static Future<JsonObject> failed(String peer, Throwable failure) {
    LOG.warn("the check between regions could not compare with region {}: {}", peer, failure.toString());
    return Future.succeededFuture(new JsonObject().put("region", peer).put("concluded", false)
      .put("failed", failure.toString()));
  }

  private List<String> peers() {
    String self = regions.self().orElseThrow().name();
    return regions.regions().stream().map(Regions.Region::name).filter(name -> !name.equals(self)).toList();
  }

  private JsonObject remember(JsonObject reading) {
    if (reading.getBoolean("concluded")) {
      boolean agree = reading.getBoolean("agree");
      verdicts.put(reading.getString("region"), new Verdict(agree, System.currentTimeMillis()));
      if (!agree) {
        LOG.error("REGION CLEARING ALERT: this region's books and region {}'s disagree by {} (per currency, what the "
          + "clearing accounts of both sum to once nothing is on its way)", reading.getString("region"),
          reading.getJsonObject("difference").encode());
      }
    }
    return reading;
  }

  /** Runs the check every {@code intervalMs} after the previous run ended, until {@link #stop}. */
  public void start(Vertx vertx, long intervalMs) {
    timer = vertx.setTimer(intervalMs, tick -> run().onComplete(done -> {
      if (done.failed()) {
        LOG.warn("the check between regions could not run ({}); next in {} ms", done.cause().toString(), intervalMs);
      }
      if (!stopped) {
        start(vertx, intervalMs);
      }
    }));
  }

  public void stop(Vertx vertx) {
    stopped = true;
    vertx.cancelTimer(timer);
  }

  /**
   * Per peer: {@code wallet_region_clearing_disagrees} (1 when the last concluded reading disagreed)
   * and {@code wallet_region_clearing_last_concluded_seconds} (when it was taken; 0 before any).
   */
  public void register(MeterRegistry registry) {
    for (String peer : peers()) {
      Gauge.builder("wallet_region_clearing_disagrees", verdicts,
          all -> Optional.ofNullable(all.get(peer)).map(v -> v.agree() ? 0 : 1).orElse(0))
        .tag("peer", peer).register(registry);
      Gauge.builder("wallet_region_clearing_last_concluded_seconds", verdicts,
          all -> Optional.ofNullable(all.get(peer)).map(v -> v.atMs() / 1000.0).orElse(0.0))
        .tag("peer", peer).register(registry);
    }
  }

  /**
   * Both sides' books, each read twice around the other's, count only when neither changed: a region
   * reads its books shard by shard, a shard's clearing accounts before its pending movements, so one
   * answer can hold a debit and not the movement a reversal ended between the two reads. Until
   * 2026-12-07 the peer's books were read once, and such a torn answer was a disagreement.
   */
  private Future<JsonObject> against(String self, String peer, int attemptsLeft) {
    return cache.clearingPosition().compose(before -> channel.position(peer)
      .compose(theirs -> cache.clearingPosition().compose(after -> channel.position(peer).compose(theirsAgain -> {
        boolean steady = sameAgainst(peer, before, after) && sameAgainst(self, theirs, theirsAgain);
        boolean settled = steady && pending(after, peer) == 0 && pending(theirs, self) == 0;
        if (!settled) {
          // read again only books that moved while read: a movement pending between two steady books stays
          // pending for longer than a run (until 2026-12-07 such a run read both sides' books ten times)
          return attemptsLeft > 1 && !steady ? against(self, peer, attemptsLeft - 1)
            : Future.succeededFuture(new JsonObject().put("region", peer).put("concluded", false));
        }
        Map<String, Long> difference = difference(after.totals().getOrDefault(peer, Map.of()),
          theirs.totals().getOrDefault(self, Map.of()));
        return Future.succeededFuture(new JsonObject().put("region", peer).put("concluded", true)
          .put("agree", difference.isEmpty()).put("difference", new JsonObject(Map.copyOf(difference))));
      }))));
  }

  /**
   * A region's books against {@code peer} alone are unchanged between two readings: movements with
   * a third region move other accounts (until 2026-12-07 any of them kept the check from concluding).
   */
  private static boolean sameAgainst(String peer, ClearingPosition before, ClearingPosition after) {
    return before.totals().getOrDefault(peer, Map.of()).equals(after.totals().getOrDefault(peer, Map.of()))
      && before.sequences().getOrDefault(peer, 0L).equals(after.sequences().getOrDefault(peer, 0L))
      && pending(before, peer) == pending(after, peer);
  }

  private static long pending(ClearingPosition position, String region) {
    return position.pending().getOrDefault(region, 0L);
  }

  /** Per currency, ours plus theirs where that is not zero. */
  private static Map<String, Long> difference(Map<String, Long> ours, Map<String, Long> theirs) {
    Map<String, Long> difference = new TreeMap<>();
    TreeSet<String> currencies = new TreeSet<>(ours.keySet());
    currencies.addAll(theirs.keySet());
    for (String currency : currencies) {
      long sum = ours.getOrDefault(currency, 0L) + theirs.getOrDefault(currency, 0L);
      if (sum != 0) {
        difference.put(currency, sum);
      }
    }
    return difference;
  }
}
