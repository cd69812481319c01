package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.transfer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.edge.console.ConsoleSession;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The console's Live figures (GET /console/live/series) from a real Prometheus scraping a real edge
 * and ledger writer: money moved and refused through the API shows in them, a user gets nothing,
 * and an edge without Prometheus, or with one that does not answer, says so instead of showing charts.
 */
@ExtendWith(VertxExtension.class)
class ConsoleLiveApiTest {

  private static TestPrometheus prometheus;
  private static EdgeFixture edge;
  private static ScrapedLedgerWriter writer;
  private static Vertx vertx;

  @BeforeAll
  static void start(Vertx testVertx) {
    vertx = testVertx;
    prometheus = new TestPrometheus();
    edge = EdgeFixture.start(vertx, Map.of("WALLET_PROMETHEUS_URL", prometheus.url()));
    writer = ScrapedLedgerWriter.start(vertx);
    prometheus.start(List.of(edge.port()), List.of(writer.port()));
  }

  @AfterAll
  static void stop() {
    prometheus.close();
    writer.close();
    edge.close();
  }

  @Test
  @DisplayName("transfers and refusals made through the API are counted in the live series (totals exact, rates "
    + "above zero), with the saga backlog and the ledger lag from the scraped edge and writer")
  void moneyMovedShowsInTheSeries() {
    ApiCaller alice = edge.newUser();
    Wallets wallets = Wallets.open(edge, alice);

    // A counter is exported from its first increment, and a rate counts only what comes after its
    // first scrape: a first round makes the counters known, the second is what the rates show.
    move(alice, wallets, 3, 2);
    awaitSeries(edge, "the first round's totals", live -> total(live, "transfers", "all") == 3
      && total(live, "refusals", "insufficient_funds") == 2 && total(live, "refusals", "wallet_inactive") == 2);
    move(alice, wallets, 5, 1);
    // a scrape in the middle of the first round gives rates above zero already: the totals say the second is in
    JsonObject live = awaitSeries(edge, "the second round scraped, at rates above zero",
      seen -> total(seen, "transfers", "all") == 8 && total(seen, "refusals", "wallet_inactive") == 3
        && peak(seen, "transfers", "all") > 0 && peak(seen, "refusals", "insufficient_funds") > 0
        && peak(seen, "refusals", "wallet_inactive") > 0);

    assertThat(live.getString("state")).isEqualTo("ok");
    assertThat(live.getLong("edges")).isEqualTo(1);
    assertThat(live.getLong("writers")).isEqualTo(1);
    assertThat(total(live, "transfers", "all")).isEqualTo(8);
    assertThat(total(live, "refusals", "insufficient_funds")).isEqualTo(3);
    assertThat(total(live, "refusals", "wallet_inactive")).isEqualTo(3);
    assertThat(chart(live, "transfers").getString("summary")).startsWith("Transfers per second (per second): now ")
      .contains("8 counted by the running edges");
    assertThat(chart(live, "sagas").getBoolean("empty")).isFalse();
    assertThat(chart(live, "ledger").getBoolean("empty")).isFalse();
    assertThat(chart(live, "errors").getBoolean("empty")).isTrue();
    assertThat(chart(live, "refusals").getJsonArray("rows")).isNotEmpty();
    assertThat(series(live, "transfers", "all").getString("points")).matches("(\\d+\\.\\d,\\d+\\.\\d ?)+");
  }

  @Test
  @DisplayName("a user token gets neither the figures nor the page: 403 with its session cookie, 401 without one")
  void userGetsNothing() {
    String user = Tokens.valid("live-user-" + UUID.randomUUID(), "user");
    for (String path : List.of("/console/live/series", "/console/live")) {
      HttpResponse<Buffer> asUser = getAs(edge, path, user);
      assertThat(asUser.statusCode()).as(path).isEqualTo(403);
      assertThat(asUser.bodyAsString()).as(path).doesNotContain("charts").doesNotContain("Transfers per second");
      HttpResponse<Buffer> anonymous = Await.result(client(edge).get(path).send());
      assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
      assertThat(anonymous.bodyAsString()).as(path).doesNotContain("charts").doesNotContain("Transfers per second");
    }
  }

  @Test
  @DisplayName("without WALLET_PROMETHEUS_URL, with a Prometheus that does not answer, or with a URL that answers "
    + "something else than Prometheus, the figures say so and carry no series")
  void prometheusMissingOrAway() {
    EdgeFixture unconfigured = EdgeFixture.start(vertx, Map.of());
    EdgeFixture away = EdgeFixture.start(vertx, Map.of("WALLET_PROMETHEUS_URL",
      "http://127.0.0.1:" + EdgeFixture.freePort()));
    EdgeFixture notPrometheus = EdgeFixture.start(vertx, Map.of("WALLET_PROMETHEUS_URL",
      "http://127.0.0.1:" + writer.port()));
    try {
      JsonObject none = seriesAs(unconfigured, Tokens.valid("live-risk", "risk")).bodyAsJsonObject();
      assertThat(none.getString("state")).isEqualTo("not_configured");
      assertThat(none.getString("message")).contains("WALLET_PROMETHEUS_URL");
      assertNoSeries(none);
      HttpResponse<Buffer> page = getAs(unconfigured, "/console/live", Tokens.valid("live-risk", "risk"));
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.bodyAsString()).contains("role=\"alert\">Prometheus is not configured: set WALLET_PROMETHEUS_URL")
        .doesNotContain("<polyline");
      JsonObject unreachable = seriesAs(away, Tokens.valid("live-admin", "admin")).bodyAsJsonObject();
      assertThat(unreachable.getString("state")).isEqualTo("unreachable");
      assertThat(unreachable.getString("message")).contains("does not answer");
      assertNoSeries(unreachable);
      JsonObject refused = seriesAs(notPrometheus, Tokens.valid("live-admin", "admin")).bodyAsJsonObject();
      assertThat(refused.getString("state")).isEqualTo("refused");
      assertThat(refused.getString("message")).contains("not a Prometheus answer");
      assertNoSeries(refused);
    } finally {
      unconfigured.close();
      away.close();
      notPrometheus.close();
    }
  }

  private static void assertNoSeries(JsonObject live) {
    assertThat(live.getBoolean("ok")).isFalse();
    live.getJsonArray("charts").stream().map(JsonObject.class::cast)
      .forEach(chart -> assertThat(chart.getJsonArray("series")).as(chart.getString("id")).isEmpty());
  }

  /** {@code moved} transfers of 100 that complete, and {@code refused} of each of two refusals (too much, a frozen receiver). */
  static void move(ApiCaller owner, Wallets wallets, int moved, int refused) {
    String from = wallets.from();
    for (int i = 0; i < moved; i++) {
      HttpResponse<Buffer> ok = owner.post("/v1/transfers", transfer(from, wallets.to(), 100), newKey());
      assertThat(ok.statusCode()).as(ok.bodyAsString()).isEqualTo(201);
    }
    for (int i = 0; i < refused; i++) {
      HttpResponse<Buffer> poor = owner.post("/v1/transfers", transfer(from, wallets.to(), 10_000_000), newKey());
      assertThat(poor.bodyAsJsonObject().getString("code")).as(poor.bodyAsString()).isEqualTo("insufficient_funds");
      HttpResponse<Buffer> inactive = owner.post("/v1/transfers", transfer(from, wallets.frozen(), 100), newKey());
      assertThat(inactive.bodyAsJsonObject().getString("code")).as(inactive.bodyAsString()).isEqualTo("wallet_inactive");
    }
  }

  /** An owner's funded wallet, another on its shard, and a frozen one there (a receiver that refuses). */
  record Wallets(String from, String to, String frozen) {
    static Wallets open(EdgeFixture edge, ApiCaller owner) {
      String from = owner.openWallet();
      owner.deposit(from, 100_000);
      String frozen = owner.openWalletNear(from);
      HttpResponse<Buffer> freeze = edge.as("live-admin", "admin").post("/admin/wallets/" + frozen + "/status",
        new JsonObject().put("status", "frozen").put("reason", "test: refusals for the live figures"),
        java.util.Optional.empty());
      assertThat(freeze.statusCode()).as(freeze.bodyAsString()).isEqualTo(200);
      return new Wallets(from, owner.openWalletNear(from), frozen);
    }
  }

  static JsonObject awaitSeries(EdgeFixture target, String what, Predicate<JsonObject> seen) {
    JsonObject[] last = new JsonObject[1];
    Eventually.await(what, Duration.ofSeconds(60), () -> {
      HttpResponse<Buffer> read = seriesAs(target, Tokens.valid("live-officer", "risk"));
      assertThat(read.statusCode()).as(read.bodyAsString()).isEqualTo(200);
      last[0] = read.bodyAsJsonObject();
      return seen.test(last[0]);
    });
    return last[0];
  }

  static JsonObject chart(JsonObject live, String id) {
    return live.getJsonArray("charts").stream().map(JsonObject.class::cast)
      .filter(chart -> id.equals(chart.getString("id"))).findFirst().orElseThrow();
  }

  static JsonObject series(JsonObject live, String chart, String name) {
    JsonArray all = chart(live, chart).getJsonArray("series");
    return all.stream().map(JsonObject.class::cast).filter(series -> name.equals(series.getString("name")))
      .findFirst().orElse(new JsonObject().put("total", "").put("peak", "0").put("points", ""));
  }

  static long total(JsonObject live, String chart, String name) {
    String total = series(live, chart, name).getString("total");
    return total.isEmpty() ? -1 : Long.parseLong(total);
  }

  static double peak(JsonObject live, String chart, String name) {
    return Double.parseDouble(series(live, chart, name).getString("peak"));
  }

  /** As the page's script asks: with the console's session cookie. */
  static HttpResponse<Buffer> seriesAs(EdgeFixture target, String token) {
    return getAs(target, "/console/live/series", token);
  }

  private static HttpResponse<Buffer> getAs(EdgeFixture target, String path, String token) {
    return Await.result(client(target).get(path).putHeader("Cookie", ConsoleSession.COOKIE + "=" + token).send());
  }

  private static WebClient client(EdgeFixture target) {
    return WebClient.create(target.vertx(), new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(target.port())
      .setFollowRedirects(false));
  }
}
