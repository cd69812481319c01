package dev.wallet.edge.regions;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.ClearingPosition;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The check between regions (docs/architecture.md, "Regions"): what this region's books hold
 * against another region and what that region's hold against this one add up to zero per currency
 * once nothing is on its way between them. This region's clearing accounts for b hold what it sent
 * to b minus what came from b; b's for this region the same the other way; every transfer in flight
 * is in exactly one of the two sums until the other side credits it. A reading counts only when it
 * is settled: no movement pending between the two on either side, and this region's accounts
 * unchanged from before the other region was read to after (a credit there needs a movement pending
 * here). Unsettled readings are tried again a few times, then reported as not concluded.
 */
public final class ClearingCheck {

  private static final int ATTEMPTS = 10;

  private final BalanceCache cache;
  private final RegionChannel channel;
  private final Regions regions;

  public ClearingCheck(BalanceCache cache, RegionChannel channel, Regions regions) {
    this.cache = cache;
    this.channel = channel;
    this.regions = regions;
  }

  /** {@code {"region": "a", "peers": [{"region": "b", "concluded", "agree", "difference": {"USD": n}}]}}. */
  public Future<JsonObject> run() {
    String self = regions.self().orElseThrow().name();
    JsonArray peers = new JsonArray();
    Future<Void> all = Future.succeededFuture();
    for (Regions.Region peer : regions.regions()) {
      if (!peer.name().equals(self)) {
        all = all.compose(done -> against(self, peer.name(), ATTEMPTS).map(peers::add).mapEmpty());
      }
    }
    return all.map(done -> new JsonObject().put("region", self).put("peers", peers));
  }

  private Future<JsonObject> against(String self, String peer, int attemptsLeft) {
    return cache.clearingPosition().compose(before -> channel.position(peer)
      .compose(theirs -> cache.clearingPosition().compose(after -> {
        boolean settled = before.equals(after) && pending(after, peer) == 0 && pending(theirs, self) == 0;
        if (!settled) {
          return attemptsLeft > 1 ? against(self, peer, attemptsLeft - 1)
            : Future.succeededFuture(new JsonObject().put("region", peer).put("concluded", false));
        }
        Map<String, Long> difference = difference(after.totals().getOrDefault(peer, Map.of()),
          theirs.totals().getOrDefault(self, Map.of()));
        return Future.succeededFuture(new JsonObject().put("region", peer).put("concluded", true)
          .put("agree", difference.isEmpty()).put("difference", new JsonObject(Map.copyOf(difference))));
      })));
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
