package dev.wallet.edge;

import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.ledger.ReconciliationReport;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ledger's reads over HTTP, with the real ledger writer moving the money core's postings into PostgreSQL. */
@ExtendWith(VertxExtension.class)
class LedgerApiTest {

  private static EdgeFixture edge;
  private static LedgerWriter writer;
  private static Pool owner;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
    owner = EdgeFixture.pool(vertx, EdgeFixture.ownerDatabase());
    // retired keys live 1 s, so that a completed transfer's record is seen to expire from the hot tier
    writer = EdgeFixture.startLedgerWriter(vertx, "edge-test", 1_000);
  }

  @AfterAll
  static void stop() {
    Await.result(writer.stop());
    Await.result(owner.close());
    edge.close();
  }

  @Test
  @DisplayName("the owner reads a wallet's balance at any instant from the ledger: zero before its first entry, each entry's balance_after from then on")
  void balanceAtAnInstant() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 100);
    alice.deposit(wallet, 50);
    Eventually.await("the ledger to hold both deposits", Duration.ofSeconds(30),
      () -> alice.get("/v1/wallets/" + wallet + "/entries").bodyAsJsonObject().getJsonArray("entries").size() == 2);
    List<Object> entries = alice.get("/v1/wallets/" + wallet + "/entries").bodyAsJsonObject().getJsonArray("entries")
      .getList();
    Instant first = Instant.parse(((Map<?, ?>) entries.get(1)).get("createdAt").toString());
    Instant second = Instant.parse(((Map<?, ?>) entries.get(0)).get("createdAt").toString());

    JsonObject before = balanceAt(alice, wallet, first.minusMillis(1));
    JsonObject afterFirst = balanceAt(alice, wallet, first);
    // a millisecond back: a posting stamped in the millisecond the request reads Redis may still come
    Instant justBefore = Instant.now().minusMillis(1);
    JsonObject now = balanceAt(alice, wallet, justBefore);

    assertThat(before.getJsonObject("balance")).isEqualTo(new JsonObject().put("available", 0).put("held", 0));
    assertThat(before.getLong("seq")).isZero();
    assertThat(afterFirst.getJsonObject("balance").getLong("available")).isEqualTo(second.equals(first) ? 150 : 100);
    assertThat(now).isEqualTo(new JsonObject().put("walletId", wallet).put("at", justBefore.toString())
      .put("currency", "USD").put("balance", new JsonObject().put("available", 150).put("held", 0)).put("seq", 2));
  }

  @Test
  @DisplayName("a balance at an instant the ledger has not recorded every movement up to (its writer stopped) is 503, "
    + "not the balance before them; an instant before them is answered, and the later one once the writer is back")
  void balanceAtWaitsForTheLedger(Vertx vertx) {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 100);
    Eventually.await("the ledger to hold the deposit", Duration.ofSeconds(30),
      () -> alice.get("/v1/wallets/" + wallet + "/entries").bodyAsJsonObject().getJsonArray("entries").size() == 1);
    Instant recorded = Instant.parse(alice.get("/v1/wallets/" + wallet + "/entries").bodyAsJsonObject()
      .getJsonArray("entries").getJsonObject(0).getString("createdAt"));
    Await.result(writer.stop());
    HttpResponse<Buffer> unrecorded;
    JsonObject before;
    try {
      alice.deposit(wallet, 50);
      unrecorded = alice.get("/v1/wallets/" + wallet + "/balance?at=" + encode(Instant.now().minusMillis(1).toString()));
      before = balanceAt(alice, wallet, recorded.minusMillis(1));
    } finally {
      writer = EdgeFixture.startLedgerWriter(vertx, "edge-test", 1_000);
    }

    assertProblem(unrecorded, 503, "unavailable");
    assertThat(unrecorded.getHeader("Retry-After")).isNotNull();
    assertThat(before.getJsonObject("balance").getLong("available")).isZero();
    Eventually.await("the balance with both deposits", Duration.ofSeconds(30), () -> {
      HttpResponse<Buffer> answer = alice.get("/v1/wallets/" + wallet + "/balance?at="
        + encode(Instant.now().minusMillis(1).toString()));
      return answer.statusCode() == 200 && answer.bodyAsJsonObject().getJsonObject("balance").getLong("available") == 150;
    });
  }

  @Test
  @DisplayName("a balance at an instant needs one well-formed instant, and only the owner gets it")
  void balanceAtIsGuarded() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    String path = "/v1/wallets/" + wallet + "/balance";

    assertProblem(alice.get(path), 400, "invalid_request");
    assertProblem(alice.get(path + "?at=yesterday"), 400, "invalid_request");
    assertProblem(alice.get(path + "?at=2026-13-01T00:00:00Z"), 400, "invalid_request");
    assertProblem(alice.get(path + "?at=2026-11-01T00:00:00"), 400, "invalid_request");
    assertProblem(alice.get(path + "?at=" + encode(Instant.now().plusSeconds(60).toString())), 400, "invalid_request");
    assertProblem(alice.get(path + "?at=2026-11-01T00:00:00Z&at=2026-11-02T00:00:00Z"), 400, "invalid_request");
    assertProblem(edge.newUser().get(path + "?at=2026-11-01T00:00:00Z"), 404, "not_found");
    assertThat(alice.get(path + "?at=" + encode("2026-11-01T01:00:00+01:00")).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("the last reconciliation is published to the admin and risk roles, and refused to everyone else")
  void reconciliationForAdminAndRisk() {
    Instant finished = Instant.now();
    ReconciliationReport report = new ReconciliationReport("edge-test", finished.minusSeconds(2), finished,
      "every shard", true, false, 12, 3, Map.of("USD", 0L),
      List.of(new Discrepancy(Kind.WALLET_BALANCE, "w0001_aaaaaaaaaaaaaaaaaaaaaaaa", "evidence")),
      List.of("w0001_aaaaaaaaaaaaaaaaaaaaaaaa"), List.of(), null);
    Await.result(owner.preparedQuery("INSERT INTO reconciliation_runs (finished_at, instance, started_at, ok, result)"
        + " VALUES ($1, $2, $3, $4, $5)")
      .execute(Tuple.of(finished.atOffset(ZoneOffset.UTC), "edge-test-" + System.nanoTime(),
        report.startedAt().atOffset(ZoneOffset.UTC), report.ok(), report.toJson())));

    HttpResponse<Buffer> admin = edge.newUser("admin").get("/admin/reconciliation");
    HttpResponse<Buffer> risk = edge.newUser("risk").get("/admin/reconciliation");

    assertThat(admin.statusCode()).as(admin.bodyAsString()).isEqualTo(200);
    assertThat(admin.bodyAsJsonObject()).isEqualTo(report.toJson());
    assertThat(risk.statusCode()).isEqualTo(200);
    assertProblem(edge.newUser().get("/admin/reconciliation"), 403, "forbidden");
    assertProblem(edge.newUser("merchant").get("/admin/reconciliation"), 403, "forbidden");
    assertThat(Await.result(edge.http.get("/admin/reconciliation").send()).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("a completed transfer is read from the ledger once the hot tier has let its record go: the same answer, to its two owners only")
  void completedTransfersOutliveTheirHotRecord() {
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    String source = alice.openWallet();
    alice.deposit(source, 1_000);
    String near = new MoneyCore(edge.cache).openNear(bob.id(), new WalletId(source)).value();
    String far = bob.openWalletElsewhere(source);
    for (String destination : List.of(near, far)) {
      HttpResponse<Buffer> created = alice.post("/v1/transfers", ApiCaller.transfer(source, destination, 100),
        ApiCaller.newKey());
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      String path = "/v1/transfers/" + created.bodyAsJsonObject().getString("id");
      JsonObject hot = alice.get(path).bodyAsJsonObject();
      assertThat(hot.getString("status")).isEqualTo("completed");

      TransferId id = new TransferId(hot.getString("id"));
      Eventually.await("the record of " + id + " to expire once the ledger holds it", Duration.ofSeconds(30),
        () -> Await.result(edge.cache.transfer(id)).isEmpty());
      for (ApiCaller party : List.of(alice, bob)) {
        HttpResponse<Buffer> fromLedger = party.get(path);
        assertThat(fromLedger.statusCode()).as(fromLedger.bodyAsString()).isEqualTo(200);
        assertThat(fromLedger.bodyAsJsonObject()).isEqualTo(hot);
      }
      assertProblem(edge.newUser().get(path), 404, "not_found");
    }
  }

  private static JsonObject balanceAt(ApiCaller caller, String wallet, Instant at) {
    HttpResponse<Buffer> response = caller.get("/v1/wallets/" + wallet + "/balance?at=" + encode(at.toString()));
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    return response.bodyAsJsonObject();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }
}
