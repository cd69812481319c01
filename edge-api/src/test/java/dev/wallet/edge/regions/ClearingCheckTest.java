package dev.wallet.edge.regions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.ClearingPosition;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The check between regions with three of them: region a on the test cluster, region c that nothing
 * answers for, and region b an HTTP server that answers as a region whose books mirror a's.
 */
@ExtendWith(VertxExtension.class)
class ClearingCheckTest {

  @Test
  @DisplayName("a region that cannot be asked is reported as such, and the regions after it are checked all the same")
  void aPeerThatCannotBeAskedDoesNotStopTheOthers(Vertx vertx) {
    AtomicReference<JsonObject> booksOfB = new AtomicReference<>();
    HttpServer regionB = Await.result(vertx.createHttpServer().requestHandler(request -> request.response()
      .putHeader("Content-Type", "application/json").end(booksOfB.get().encode())).listen(0));
    Regions.Region a = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
    Regions.Region c = new Regions.Region("c", 2, URI.create("http://127.0.0.1:1"));
    Regions.Region b = new Regions.Region("b", 1, URI.create("http://127.0.0.1:" + regionB.actualPort()));
    Regions regions = new Regions(List.of(a, c, b), Optional.of(a));
    RedisBalanceCache cache = regionA(vertx, regions);
    WebClient http = WebClient.create(vertx);
    try {
      booksOfB.set(mirrorOf(Await.result(cache.clearingPosition())));
      ClearingCheck check = new ClearingCheck(cache, new RegionChannel(vertx, http, regions,
        region -> "a-secret-of-thirty-two-bytes-or-more-0123456789", 2_000, Clock.systemUTC()), regions);

      JsonObject run = Await.result(check.run());

      assertThat(run.getJsonArray("peers")).hasSize(2);
      JsonObject withC = run.getJsonArray("peers").getJsonObject(0);
      assertThat(withC.getString("region")).isEqualTo("c");
      assertThat(withC.getBoolean("concluded")).isFalse();
      assertThat(withC.getString("failed")).isNotBlank();
      assertThat(run.getJsonArray("peers").getJsonObject(1).getMap()).containsEntry("region", "b")
        .containsEntry("concluded", true).containsEntry("agree", true);
    } finally {
      http.close();
      Await.result(cache.close());
      Await.result(regionB.close());
    }
  }

  private static RedisBalanceCache regionA(Vertx vertx, Regions regions) {
    RedisBalanceCache cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0)
      .withRegions(regions));
    Await.result(cache.start());
    return cache;
  }

  /** What region b's books say when they agree with a's as they are now: a's clearing for b, negated. */
  private static JsonObject mirrorOf(ClearingPosition ofA) {
    Map<String, Long> mirrored = new TreeMap<>();
    ofA.totals().getOrDefault("b", Map.of()).forEach((currency, sum) -> mirrored.put(currency, -sum));
    return ClearingMessage.toJson(new ClearingPosition(Map.of("a", mirrored), Map.of("a", 0L), Map.of()));
  }
}
