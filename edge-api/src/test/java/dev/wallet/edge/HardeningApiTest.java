package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.transfer;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Rate limits, and requests that are malformed on purpose: each a 4xx problem that changes nothing. */
@ExtendWith(VertxExtension.class)
class HardeningApiTest {

  private static final int BURST = 5;
  private static EdgeFixture edge;
  private static EdgeFixture limited;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
    limited = EdgeFixture.start(vertx, Map.of("WALLET_RATE_LIMIT_PER_SECOND", "1", "WALLET_RATE_LIMIT_BURST",
      Integer.toString(BURST)));
  }

  @AfterAll
  static void stop() {
    edge.close();
    limited.close();
  }

  @Test
  @DisplayName("each item of a batch costs the caller's rate what a request of its own would: a batch of twice the "
    + "burst runs, and the caller's next request waits until it is paid for")
  void aBatchCostsItsItems() {
    ApiCaller payroll = limited.newUser();
    String from = payroll.openWallet();
    String to = payroll.openWallet();
    JsonObject[] items = IntStream.range(0, 2 * BURST).mapToObj(i -> BatchApiTest.item(newKey(), from, to, 1))
      .toArray(JsonObject[]::new);

    HttpResponse<Buffer> batch = BatchApiTest.transfers(payroll, false, items);
    HttpResponse<Buffer> next = payroll.get("/v1/wallets/" + from);

    assertThat(batch.statusCode()).as(batch.bodyAsString()).isEqualTo(200);
    assertProblem(next, 429, "rate_limited");
    // ten items and two openings at one a second, less the burst of five: up to eight seconds (less the time
    // the requests took), where a single request over the limit waits one or two
    assertThat(Long.parseLong(next.getHeader("Retry-After"))).isBetween(3L, 2L * BURST);
  }

  @Test
  @DisplayName("a caller beyond its rate gets 429 rate_limited with Retry-After, while another caller is served as usual")
  void rateLimited() {
    ApiCaller greedy = limited.newUser();
    ApiCaller calm = limited.newUser();
    String wallet = calm.openWallet();

    List<HttpResponse<Buffer>> burst = IntStream.range(0, BURST + 3).mapToObj(i -> greedy.get("/v1/wallets/" + wallet))
      .toList();
    HttpResponse<Buffer> other = calm.get("/v1/wallets/" + wallet);

    assertThat(burst.stream().filter(r -> r.statusCode() == 404).count()).as("served (404: not theirs)")
      .isBetween((long) BURST, (long) BURST + 1);
    HttpResponse<Buffer> refused = burst.get(burst.size() - 1);
    assertProblem(refused, 429, "rate_limited");
    assertThat(Long.parseLong(refused.getHeader("Retry-After"))).isBetween(1L, 2L);
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(limited.registry.counter("wallet_rate_limited_total").count()).isGreaterThanOrEqualTo(2);
  }

  @Test
  @DisplayName("concurrent requests of one caller never spend a token twice: at most the burst (plus what refills) get through")
  void rateLimitUnderConcurrency() {
    ApiCaller greedy = limited.newUser();

    List<Future<HttpResponse<Buffer>>> all = IntStream.range(0, 40)
      .mapToObj(i -> limited.http.get("/v1/wallets/w0001_" + "0".repeat(24))
        .putHeader("Authorization", "Bearer " + greedy.token()).send())
      .toList();
    Await.result(Future.join(all));

    long served = all.stream().filter(f -> f.result().statusCode() == 404).count();
    long refused = all.stream().filter(f -> f.result().statusCode() == 429).count();
    assertThat(served).isBetween((long) BURST, (long) BURST + 2);
    assertThat(served + refused).isEqualTo(40);
  }

  @Test
  @DisplayName("a body nested deeper than the limit is refused with 400 before it is looked at")
  void deepNesting() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    String deep = "{\"fromWalletId\":\"" + wallet + "\",\"x\":" + "[".repeat(5_000) + "]".repeat(5_000) + "}";

    HttpResponse<Buffer> refused = alice.postRaw("/v1/transfers", deep, Optional.of(newKey()));

    assertProblem(refused, 400, "invalid_request");
    assertThat(refused.bodyAsJsonObject().getString("detail")).contains("nests deeper than 16");
    assertThat(alice.wallet(wallet).getLong("seq")).isZero();
  }

  /**
   * PostgreSQL's text cannot hold NUL: until 2026-12-07 a status reason with one was applied, and the
   * ledger writer then refused its record at every retry, which stopped that shard's ledger.
   */
  @Test
  @DisplayName("a string holding NUL is refused 400, and an operator's reason with a control character too: nothing "
    + "changes")
  void nulAndControlCharacters() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 1_000);
    String other = alice.openWalletNear(wallet);
    ApiCaller risk = edge.as("risk-officer-" + java.util.UUID.randomUUID(), "risk");

    HttpResponse<Buffer> described = alice.post("/v1/transfers", transfer(wallet, other, 100)
      .put("description", "rent\u0000"), Optional.of(newKey()));
    HttpResponse<Buffer> nulReason = risk.post("/admin/wallets/" + wallet + "/status", new JsonObject()
      .put("status", "frozen").put("reason", "checked\u0000"), Optional.empty());
    HttpResponse<Buffer> bell = risk.post("/admin/wallets/" + wallet + "/status", new JsonObject()
      .put("status", "frozen").put("reason", "checked\u0007"), Optional.empty());

    assertProblem(described, 400, "invalid_request");
    assertThat(described.bodyAsJsonObject().getString("detail")).contains("NUL");
    assertProblem(nulReason, 400, "invalid_request");
    assertProblem(bell, 400, "invalid_request");
    assertThat(bell.bodyAsJsonObject().getString("detail")).contains("control characters");
    assertThat(alice.wallet(wallet).getString("status")).isEqualTo("active");
    assertThat(alice.wallet(wallet).getLong("seq")).as("the deposit only").isEqualTo(1);
  }

  /**
   * Half of a surrogate pair alone is no character: UTF-8 has none for it, and the request's hash (and
   * PostgreSQL's text) would hold '?' instead. Until 2026-12-07 "rent" and half a pair was taken for a
   * replay of "rent?" under the same key.
   */
  @Test
  @DisplayName("a string holding half of a surrogate pair alone is 400, not a replay of one with '?' in its place")
  void anUnpairedSurrogateIsRefused() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 1_000);
    String other = alice.openWalletNear(wallet);
    String key = newKey();
    String body = transfer(wallet, other, 100).put("description", "rent?").encode();

    HttpResponse<Buffer> first = alice.postRaw("/v1/transfers", body, Optional.of(key));
    HttpResponse<Buffer> unpaired = alice.postRaw("/v1/transfers", body.replace("rent?", "rent\\ud800"),
      Optional.of(key));
    HttpResponse<Buffer> paired = alice.postRaw("/v1/transfers", body.replace("rent?", "rent\\ud83d\\ude00"),
      Optional.of(key));

    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    assertProblem(unpaired, 400, "invalid_request");
    assertThat(unpaired.bodyAsJsonObject().getString("detail")).contains("surrogate");
    assertProblem(paired, 422, "idempotency_key_reused");
    assertThat(alice.available(wallet)).isEqualTo(900);
  }

  /** Until 2026-12-07 each reached PostgreSQL, which refused it, and was answered 500. */
  @Test
  @DisplayName("a movement id of no movement's shape is 404, and an instant before 1970 400, without asking the ledger")
  void idsAndInstantsTheLedgerCannotTake() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();

    assertProblem(alice.get("/v1/deposits/%00"), 404, "not_found");
    assertProblem(alice.get("/v1/withdrawals/x0001_%00"), 404, "not_found");
    assertProblem(alice.get("/v1/wallets/" + wallet + "/balance?at=-5000-01-01T00:00:00Z"), 400, "invalid_request");
    assertProblem(alice.get("/v1/wallets/" + wallet + "/balance?at=-999999999-01-01T00:00:00%2B18:00"), 400,
      "invalid_request");
  }

  @Test
  @DisplayName("an oversized body is 413, a body that is not JSON 415, an unknown query parameter 400: all problem+json")
  void malformed() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 1_000);
    String other = alice.openWalletNear(wallet);

    HttpResponse<Buffer> oversized = alice.postRaw("/v1/transfers", "{\"description\":\"" + "x".repeat(64 * 1024) + "\"}",
      Optional.of(newKey()));
    HttpResponse<Buffer> form = Await.result(edge.http.post("/v1/transfers")
      .putHeader("Authorization", "Bearer " + alice.token()).putHeader("Idempotency-Key", newKey())
      .putHeader("Content-Type", "application/x-www-form-urlencoded")
      .sendBuffer(Buffer.buffer(transfer(wallet, other, 100).encode())));
    HttpResponse<Buffer> unknownQuery = alice.get("/v1/wallets/" + wallet + "/entries?limit=5&sort=asc");
    HttpResponse<Buffer> notJson = alice.postRaw("/v1/transfers", "amount=100", Optional.of(newKey()));
    HttpResponse<Buffer> nullAmount = alice.postRaw("/v1/transfers", transfer(wallet, other, 100).putNull("amount")
      .encode(), Optional.of(newKey()));
    HttpResponse<Buffer> hugeNumber = alice.postRaw("/v1/transfers", transfer(wallet, other, 100).encode()
      .replace("\"amount\":100", "\"amount\":1" + "0".repeat(400)), Optional.of(newKey()));

    assertProblem(oversized, 413, "payload_too_large");
    assertProblem(form, 415, "unsupported_media_type");
    assertProblem(unknownQuery, 400, "invalid_request");
    assertProblem(notJson, 400, "invalid_request");
    assertProblem(nullAmount, 400, "invalid_request");
    assertProblem(hugeNumber, 400, "invalid_request");
    assertThat(alice.wallet(wallet).getLong("seq")).isEqualTo(1);
    assertThat(alice.wallet(other).getLong("seq")).isZero();
  }

  @Test
  @DisplayName("unknown paths are 404 and wrong methods 405, as problems; no request is answered with a 5xx")
  void unknownRoutes() {
    ApiCaller alice = edge.newUser();

    assertProblem(alice.get("/v1/nothing-here"), 404, "not_found");
    assertProblem(Await.result(edge.http.delete("/v1/transfers/t0001_" + "0".repeat(24))
      .putHeader("Authorization", "Bearer " + alice.token()).send()), 405, "method_not_allowed");
    assertProblem(Await.result(edge.http.get("/nothing").send()), 404, "not_found");
  }

  @Test
  @DisplayName("every answer carries a request id: the client's X-Request-Id when it is sane, a fresh one otherwise")
  void requestIds() {
    ApiCaller alice = edge.newUser();
    HttpResponse<Buffer> given = Await.result(edge.http.get("/health/live").putHeader("X-Request-Id", "abc-123.x")
      .send());
    HttpResponse<Buffer> insane = Await.result(edge.http.get("/health/live").putHeader("X-Request-Id",
      "<script>alert(1)</script>").send());
    HttpResponse<Buffer> refused = alice.get("/v1/wallets/nope");

    assertThat(given.getHeader("X-Request-Id")).isEqualTo("abc-123.x");
    assertThat(insane.getHeader("X-Request-Id")).matches("[0-9a-f-]{36}");
    assertThat(refused.getHeader("X-Request-Id")).matches("[0-9a-f-]{36}");
  }

  @Test
  @DisplayName("no answer of the API or of its administration may be kept by a cache: balances, KYC profiles and "
    + "reports are a customer's, and so is a refusal")
  void noAnswerIsCached() {
    ApiCaller alice = edge.newUser();
    ApiCaller risk = edge.newUser("risk");
    String wallet = alice.openWallet();

    List<HttpResponse<Buffer>> answers = List.of(alice.get("/v1/wallets/" + wallet),
      risk.get("/admin/kyc/" + alice.id()), Await.result(edge.http.get("/v1/wallets/" + wallet).send()),
      alice.get("/v1/nothing-here"));

    assertThat(answers).extracting(HttpResponse::statusCode).containsExactly(200, 200, 401, 404);
    assertThat(answers).allSatisfy(answer -> assertThat(answer.getHeader("Cache-Control")).isEqualTo("no-store"));
  }

  @Test
  @DisplayName("the OpenAPI document is served as YAML and names every path of the contract")
  void openApiDocument() {
    HttpResponse<Buffer> served = Await.result(edge.http.get("/openapi.yaml").send());

    assertThat(served.statusCode()).isEqualTo(200);
    assertThat(served.getHeader("Content-Type")).isEqualTo("application/yaml");
    Map<String, Object> document = new org.yaml.snakeyaml.Yaml().load(served.bodyAsString());
    JsonObject paths = new JsonObject(document).getJsonObject("paths");
    assertThat(paths.fieldNames()).contains("/v1/wallets", "/v1/wallets/{walletId}", "/v1/deposits", "/v1/withdrawals",
      "/v1/transfers", "/v1/transfers/{transferId}", "/v1/payments", "/v1/payments/{paymentId}/refunds",
      "/v1/wallets/{walletId}/entries", "/v1/wallets/{walletId}/balance", "/v1/wallets/{walletId}/events",
      "/v1/webhooks/gateway/{gateway}", "/health/live", "/health/ready", "/metrics", "/openapi.yaml");
  }
}
