package dev.wallet.edge.regions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.ClearingPosition;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.edge.gateway.WebhookSignature;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
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

  private static final String SECRET = "a-secret-of-thirty-two-bytes-or-more-0123456789";

  @Test
  @DisplayName("a region that cannot be asked is reported as such, and the regions after it are checked all the same")
  void aPeerThatCannotBeAskedDoesNotStopTheOthers(Vertx vertx) {
    AtomicReference<JsonObject> booksOfB = new AtomicReference<>();
    HttpServer regionB = Await.result(vertx.createHttpServer().requestHandler(request -> answerAsB(request,
      booksOfB.get())).listen(0));
    Regions.Region a = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
    Regions.Region c = new Regions.Region("c", 2, URI.create("http://127.0.0.1:1"));
    Regions.Region b = new Regions.Region("b", 1, URI.create("http://127.0.0.1:" + regionB.actualPort()));
    Regions regions = new Regions(List.of(a, c, b), Optional.of(a));
    RedisBalanceCache cache = regionA(vertx, regions);
    WebClient http = WebClient.create(vertx);
    try {
      booksOfB.set(mirrorOf(Await.result(cache.clearingPosition())));
      ClearingCheck check = new ClearingCheck(cache, new RegionChannel(vertx, http, regions,
        region -> SECRET, 2_000, Clock.systemUTC()), regions);

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

  /**
   * Region b's answer comes after a movement from a to region c was debited (written by hand as its
   * pending record, due a day from now so that no sweeper drives it): a's books against c change
   * between every reading of them, its books against b do not.
   */
  @Test
  @DisplayName("movements with a third region while the check reads do not keep it from concluding between two")
  void trafficWithAThirdRegionDoesNotKeepTheCheckFromConcluding(Vertx vertx) {
    Redis redis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
    ShardId shard = new ShardId(13);
    String pendingSet = shard.tag() + ":pending:r2"; // the shard's set of movements to region c
    List<String> toC = new CopyOnWriteArrayList<>();
    AtomicReference<JsonObject> booksOfB = new AtomicReference<>();
    HttpServer regionB = Await.result(vertx.createHttpServer().requestHandler(request -> {
      String id = shard.name() + "_toC-" + UUID.randomUUID();
      toC.add(id);
      redis.send(Request.cmd(Command.HSET).arg(shard.tag() + ":x:" + id).arg("state").arg("pending")
          .arg("to").arg(WalletId.random(new ShardId(2_013)).value()))
        .compose(written -> redis.send(Request.cmd(Command.ZADD).arg(pendingSet)
          .arg(System.currentTimeMillis() + 86_400_000L).arg(id)))
        .onComplete(added -> answerAsB(request, booksOfB.get()));
    }).listen(0));
    Regions.Region a = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
    Regions.Region b = new Regions.Region("b", 1, URI.create("http://127.0.0.1:" + regionB.actualPort()));
    Regions.Region c = new Regions.Region("c", 2, URI.create("http://127.0.0.1:1"));
    Regions regions = new Regions(List.of(a, b, c), Optional.of(a));
    RedisBalanceCache cache = regionA(vertx, regions);
    WebClient http = WebClient.create(vertx);
    try {
      booksOfB.set(mirrorOf(Await.result(cache.clearingPosition())));
      ClearingCheck check = new ClearingCheck(cache, new RegionChannel(vertx, http, regions,
        region -> SECRET, 2_000, Clock.systemUTC()), regions);
      long pendingToCBefore = Await.result(cache.clearingPosition()).pending().getOrDefault("c", 0L);

      JsonObject run = Await.result(check.run());

      assertThat(run.getJsonArray("peers").getJsonObject(0).getMap()).containsEntry("region", "b")
        .containsEntry("concluded", true).containsEntry("agree", true);
      assertThat(toC).isNotEmpty();
      assertThat(Await.result(cache.clearingPosition()).pending().getOrDefault("c", 0L))
        .isEqualTo(pendingToCBefore + toC.size());
    } finally {
      Request removal = Request.cmd(Command.ZREM).arg(pendingSet);
      toC.forEach(removal::arg);
      if (!toC.isEmpty()) {
        Await.result(redis.send(removal));
      }
      for (String id : toC) {
        Await.result(redis.send(Request.cmd(Command.DEL).arg(shard.tag() + ":x:" + id)));
      }
      redis.close();
      http.close();
      Await.result(cache.close());
      Await.result(regionB.close());
    }
  }

  /**
   * A region reads its books shard by shard, each shard's clearing accounts and then its pending
   * movements: a movement to a reversed between the two reads shows in the account and not as
   * pending. Until 2026-12-07 such a torn answer was taken as settled, and the check reported a
   * disagreement (a critical alert) where there was none.
   */
  @Test
  @DisplayName("a peer's answer torn by a reversal made while it read (the debit in its account, the movement no longer "
    + "pending) is read again, and the check concludes on answers that agree with each other")
  void aTornAnswerIsReadAgain(Vertx vertx) {
    List<JsonObject> answers = new CopyOnWriteArrayList<>();
    HttpServer regionB = Await.result(vertx.createHttpServer().requestHandler(request -> answerAsB(request,
      answers.size() > 1 ? answers.remove(0) : answers.get(0))).listen(0));
    Regions.Region a = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
    Regions.Region b = new Regions.Region("b", 1, URI.create("http://127.0.0.1:" + regionB.actualPort()));
    Regions regions = new Regions(List.of(a, b), Optional.of(a));
    RedisBalanceCache cache = regionA(vertx, regions);
    WebClient http = WebClient.create(vertx);
    try {
      ClearingPosition ofA = Await.result(cache.clearingPosition());
      answers.add(mirrorOf(ofA, 100, 1));
      answers.add(mirrorOf(ofA, 0, 2));
      ClearingCheck check = new ClearingCheck(cache, new RegionChannel(vertx, http, regions,
        region -> SECRET, 2_000, Clock.systemUTC()), regions);

      JsonObject run = Await.result(check.run());

      assertThat(run.getJsonArray("peers").getJsonObject(0).getMap()).containsEntry("region", "b")
        .containsEntry("concluded", true).containsEntry("agree", true);
    } finally {
      http.close();
      Await.result(cache.close());
      Await.result(regionB.close());
    }
  }

  @Test
  @DisplayName("a movement pending between books that stay the same while read ends the run unconcluded at once: the "
    + "books are not read again and again for it")
  void aPendingMovementIsNotReadAgainAndAgain(Vertx vertx) {
    AtomicInteger asked = new AtomicInteger();
    AtomicReference<JsonObject> booksOfB = new AtomicReference<>();
    HttpServer regionB = Await.result(vertx.createHttpServer().requestHandler(request -> {
      asked.incrementAndGet();
      answerAsB(request, booksOfB.get());
    }).listen(0));
    Regions.Region a = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
    Regions.Region b = new Regions.Region("b", 1, URI.create("http://127.0.0.1:" + regionB.actualPort()));
    Regions regions = new Regions(List.of(a, b), Optional.of(a));
    RedisBalanceCache cache = regionA(vertx, regions);
    WebClient http = WebClient.create(vertx);
    try {
      JsonObject mirror = mirrorOf(Await.result(cache.clearingPosition()));
      ClearingPosition withOnePending = ClearingMessage.fromJson(mirror);
      booksOfB.set(ClearingMessage.toJson(new ClearingPosition(withOnePending.totals(), withOnePending.sequences(),
        Map.of("a", 1L))));
      ClearingCheck check = new ClearingCheck(cache, new RegionChannel(vertx, http, regions,
        region -> SECRET, 2_000, Clock.systemUTC()), regions);

      JsonObject run = Await.result(check.run());

      assertThat(run.getJsonArray("peers").getJsonObject(0).getMap()).containsEntry("region", "b")
        .containsEntry("concluded", false);
      assertThat(asked.get()).as("b's books read twice, around a's").isEqualTo(2);
    } finally {
      http.close();
      Await.result(cache.close());
      Await.result(regionB.close());
    }
  }

  /** Region b's answer, signed for the request as a region signs its answers (region a believes no other). */
  private static void answerAsB(HttpServerRequest request, JsonObject books) {
    byte[] body = books.toBuffer().getBytes();
    String signature = new WebhookSignature(SECRET).header(Instant.now().getEpochSecond(), RegionChannel.answering(
      RegionChannel.CLEARING_PATH, request.getHeader(WebhookSignature.HEADER), "b", body));
    request.response().putHeader("Content-Type", "application/json")
      .putHeader(RegionChannel.ANSWER_SIGNATURE_HEADER, signature).end(Buffer.buffer(body));
  }

  private static RedisBalanceCache regionA(Vertx vertx, Regions regions) {
    RedisBalanceCache cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0)
      .withRegions(regions));
    Await.result(cache.start());
    return cache;
  }

  /** What region b's books say when they agree with a's as they are now: a's clearing for b, negated. */
  private static JsonObject mirrorOf(ClearingPosition ofA) {
    return mirrorOf(ofA, 0, 0);
  }

  /** The mirror of a's books, {@code extraUsd} off in USD, at the sequence {@code sequence} of b's accounts for a. */
  private static JsonObject mirrorOf(ClearingPosition ofA, long extraUsd, long sequence) {
    Map<String, Long> mirrored = new TreeMap<>();
    ofA.totals().getOrDefault("b", Map.of()).forEach((currency, sum) -> mirrored.put(currency, -sum));
    mirrored.merge("USD", extraUsd, Long::sum);
    mirrored.values().removeIf(sum -> sum == 0);
    return ClearingMessage.toJson(new ClearingPosition(Map.of("a", mirrored), Map.of("a", sequence), Map.of()));
  }
}
