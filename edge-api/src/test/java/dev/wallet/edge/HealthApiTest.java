package dev.wallet.edge;

import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.edge.console.ConsoleSession;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class HealthApiTest {

  @Test
  @DisplayName("with Redis and PostgreSQL answering and rules in force, the edge is live and ready, every shard writable")
  void ready(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.start(vertx);
    try {
      HttpResponse<Buffer> live = Await.result(edge.http.get("/health/live").send());
      HttpResponse<Buffer> ready = readiness(edge, "ready");

      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(ready.statusCode()).isEqualTo(200);
      JsonObject body = ready.bodyAsJsonObject();
      assertThat(body.getJsonObject("checks"))
        .isEqualTo(new JsonObject().put("redis", "up").put("postgres", "up").put("rules", "up").put("money", "moving"));
      JsonObject shards = body.getJsonObject("shards");
      assertThat(shards.getInteger("writable")).isEqualTo(shards.getInteger("total")).isEqualTo(64);
      assertThat(shards.getJsonArray("unwritable")).isEmpty();
      assertThat(shards.getJsonArray("masters")).hasSize(3);
    } finally {
      edge.close();
    }
  }

  @Test
  @DisplayName("with a master's only replica lost, the edge stays ready but degraded and names the shards that cannot take writes")
  void degradedWhenShardsUnwritable(Vertx vertx) {
    RedisNodes.awaitHealthy(Duration.ofSeconds(90));
    EdgeFixture edge = EdgeFixture.start(vertx);
    int master = RedisNodes.masters().stream().filter(port -> RedisNodes.replicasOf(port).size() == 1).findFirst()
      .orElseThrow();
    int replica = RedisNodes.replicasOf(master).get(0);
    try {
      readiness(edge, "ready");
      RedisNodes.kill9(replica);

      HttpResponse<Buffer> degraded = readiness(edge, "degraded");

      assertThat(degraded.statusCode()).as("other shards still move money: the edge stays in rotation").isEqualTo(200);
      assertThat(degraded.bodyAsJsonObject().getJsonObject("checks").getString("redis")).isEqualTo("degraded");
      JsonObject shards = degraded.bodyAsJsonObject().getJsonObject("shards");
      JsonObject lonely = shards.getJsonArray("masters").stream().map(JsonObject.class::cast)
        .filter(known -> known.getString("endpoint").endsWith(":" + master)).findFirst().orElseThrow();
      assertThat(lonely.getInteger("onlineReplicas")).isZero();
      assertThat(shards.getJsonArray("unwritable")).hasSize(lonely.getInteger("shards"));
      assertThat(shards.getInteger("writable")).isEqualTo(64 - lonely.getInteger("shards")).isPositive();
    } finally {
      if (!RedisNodes.ping(replica)) {
        RedisNodes.start(replica);
      }
      RedisNodes.awaitHealthy(Duration.ofSeconds(90));
      edge.close();
    }
  }

  /** Readiness is checked against live dependencies, so it is polled to the state a test expects. */
  private static HttpResponse<Buffer> readiness(EdgeFixture edge, String status) {
    AtomicReference<HttpResponse<Buffer>> last = new AtomicReference<>();
    Eventually.await("readiness " + status, Duration.ofSeconds(15), () -> {
      last.set(Await.result(edge.http.get("/health/ready").send()));
      return status.equals(last.get().bodyAsJsonObject().getString("status"));
    });
    return last.get();
  }

  @Test
  @DisplayName("with Redis and PostgreSQL unreachable the edge is live but not ready, and money does not move: 503 with Retry-After within a second")
  void failClosed(Vertx vertx) {
    int deadPort = EdgeFixture.freePort();
    EdgeFixture edge = EdgeFixture.startUnchecked(vertx, Map.of("WALLET_REDIS_NODES", "redis://127.0.0.1:" + deadPort,
      "WALLET_PG_PORT", Integer.toString(deadPort)));
    try {
      ApiCaller alice = edge.newUser();
      String someWallet = "w0001_" + "0".repeat(24);

      HttpResponse<Buffer> live = Await.result(edge.http.get("/health/live").send());
      HttpResponse<Buffer> ready = Await.result(edge.http.get("/health/ready").send());
      Timed opened = timed(() -> alice.post("/v1/wallets", new JsonObject().put("currency", "USD")
        .put("type", "personal"), ApiCaller.newKey()));
      Timed moved = timed(() -> alice.post("/v1/transfers", ApiCaller.transfer(someWallet, "w0002_" + "0".repeat(24),
        100), ApiCaller.newKey()));
      Timed withdrawn = timed(() -> alice.post("/v1/withdrawals", ApiCaller.withdrawal(someWallet, 100, "acct-1"),
        ApiCaller.newKey()));

      assertThat(live.statusCode()).isEqualTo(200);
      assertProblem(ready, 503, "unavailable");
      assertThat(ready.bodyAsJsonObject().getJsonObject("checks"))
        .isEqualTo(new JsonObject().put("redis", "down").put("postgres", "down").put("rules", "down")
          .put("money", "unknown"));
      assertThat(ready.bodyAsJsonObject().getJsonObject("shards").getInteger("writable")).isZero();
      for (Timed answer : new Timed[] {opened, moved, withdrawn}) {
        assertProblem(answer.response(), 503, "unavailable");
        assertThat(answer.response().getHeader("Retry-After")).isEqualTo("1");
        assertThat(answer.took()).as("time to answer").isLessThan(Duration.ofSeconds(1));
      }
    } finally {
      edge.close();
    }
  }

  @Test
  @DisplayName("with only PostgreSQL unreachable, deposits and withdrawals answer 503 within a second and move nothing, and reads of the ledger and of compliance's records 503")
  void postgresDown(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.startUnchecked(vertx, Map.of("WALLET_PG_PORT",
      Integer.toString(EdgeFixture.freePort())));
    try {
      HttpResponse<Buffer> readiness = redisReachable(edge);
      ApiCaller alice = edge.newUser();
      String wallet = alice.openWallet();

      Timed deposited = timed(() -> alice.post("/v1/deposits", ApiCaller.deposit(wallet, 100, "sandbox"),
        ApiCaller.newKey()));
      Timed withdrawn = timed(() -> alice.post("/v1/withdrawals", ApiCaller.withdrawal(wallet, 100, "acct"),
        ApiCaller.newKey()));

      for (Timed answer : new Timed[] {deposited, withdrawn}) {
        assertProblem(answer.response(), 503, "unavailable");
        assertThat(answer.response().getHeader("Retry-After")).isEqualTo("1");
        assertThat(answer.took()).as("time to answer").isLessThan(Duration.ofSeconds(1));
      }
      assertThat(alice.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 0).put("held", 0));
      assertProblem(alice.get("/v1/wallets/" + wallet + "/entries"), 503, "unavailable");
      assertProblem(alice.get("/v1/transfers/t0001_" + "0".repeat(24)), 503, "unavailable");
      ApiCaller compliance = edge.as("compliance-officer", "admin");
      String period = "from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z";
      for (String read : new String[] {"/admin/limits/audit", "/admin/aml/flags", "/admin/reports/aml-flags?" + period,
        "/admin/reports/large-transactions?" + period}) {
        assertProblem(compliance.get(read), 503, "unavailable");
      }
      assertProblem(LimitsApiTest.put(edge.as("risk-officer", "risk"), "/admin/limits",
        TestRules.rules("full", 1_000, 10_000, 1_000)), 503, "unavailable");
      HttpResponse<Buffer> consoleReconciliation = Await.result(edge.http.get("/console/reconciliation")
        .putHeader("Cookie", ConsoleSession.COOKIE + "=" + Tokens.valid("console-admin", "admin")).send());
      assertThat(consoleReconciliation.statusCode()).as("the console's reconciliation page").isEqualTo(503);
      assertThat(readiness.bodyAsJsonObject().getJsonObject("checks").getString("postgres")).isEqualTo("down");
    } finally {
      edge.close();
    }
  }

  /**
   * An edge started without its start-up checks connects to Redis on first use; a cold start on a
   * loaded machine can take longer than one request's deadline, so the test waits until the edge
   * itself reports every shard writable before it opens a wallet.
   */
  private static HttpResponse<Buffer> redisReachable(EdgeFixture edge) {
    AtomicReference<HttpResponse<Buffer>> last = new AtomicReference<>();
    Eventually.await("Redis reachable from the edge", Duration.ofSeconds(15), () -> {
      last.set(Await.result(edge.http.get("/health/ready").send()));
      JsonObject body = last.get().bodyAsJsonObject();
      return "up".equals(body.getJsonObject("checks").getString("redis"))
        && body.getJsonObject("shards").getInteger("writable") == 64;
    });
    return last.get();
  }

  private record Timed(HttpResponse<Buffer> response, Duration took) {
  }

  private static Timed timed(Supplier<HttpResponse<Buffer>> call) {
    long start = System.nanoTime();
    HttpResponse<Buffer> response = call.get();
    return new Timed(response, Duration.ofNanos(System.nanoTime() - start));
  }
}
