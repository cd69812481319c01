package dev.wallet.edge;

import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.ledger.LedgerWriter;
import java.time.Duration;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The history endpoint reads the ledger: real deposits through the API, moved into PostgreSQL by
 * the real ledger writer, read back over HTTP.
 */
@ExtendWith(VertxExtension.class)
class EntriesApiTest {

  private static EdgeFixture edge;
  private static LedgerWriter writer;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
    writer = EdgeFixture.startLedgerWriter(vertx, "entries-test");
  }

  @AfterAll
  static void stop() {
    Await.result(writer.stop());
    edge.close();
  }

  @Test
  @DisplayName("a wallet's entries come newest first, a page at a time, following nextCursor")
  void pages() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    String firstDeposit = alice.deposit(wallet, 100).getString("id");
    alice.deposit(wallet, 200);
    alice.deposit(wallet, 300);
    awaitLedger(alice, wallet, 3);

    HttpResponse<Buffer> first = alice.get("/v1/wallets/" + wallet + "/entries?limit=2");
    JsonObject firstPage = first.bodyAsJsonObject();
    HttpResponse<Buffer> second = alice.get("/v1/wallets/" + wallet + "/entries?limit=2&cursor="
      + firstPage.getString("nextCursor"));

    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    assertThat(firstPage.getJsonArray("entries").stream().map(e -> ((JsonObject) e).getLong("seq")))
      .containsExactly(3L, 2L);
    assertThat(firstPage.getString("nextCursor")).isNotBlank();
    JsonObject oldest = second.bodyAsJsonObject().getJsonArray("entries").getJsonObject(0);
    assertThat(oldest.getString("transactionId")).isEqualTo(firstDeposit);
    assertThat(oldest.getString("type")).isEqualTo("deposit");
    assertThat(oldest.getLong("amount")).isEqualTo(100);
    assertThat(oldest.getLong("balanceAfter")).isEqualTo(100);
    assertThat(oldest.getLong("seq")).isEqualTo(1);
    assertThat(oldest.getString("bucket")).isEqualTo("available");
    assertThat(second.bodyAsJsonObject().getValue("nextCursor")).isNull();
    assertThat(second.bodyAsJsonObject().containsKey("nextCursor")).isTrue();
  }

  @Test
  @DisplayName("a wallet the ledger has not heard of yet has an empty history")
  void emptyHistory() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();

    HttpResponse<Buffer> response = alice.get("/v1/wallets/" + wallet + "/entries");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.bodyAsJsonObject()).isEqualTo(new JsonObject().put("entries", new JsonArray())
      .putNull("nextCursor"));
  }

  @Test
  @DisplayName("only the owner reads a wallet's entries, and limit and cursor are checked")
  void guarded() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 100);
    String path = "/v1/wallets/" + wallet + "/entries";

    assertProblem(edge.newUser().get(path), 404, "not_found");
    assertProblem(alice.get(path + "?limit=0"), 400, "invalid_request");
    assertProblem(alice.get(path + "?limit=201"), 400, "invalid_request");
    assertProblem(alice.get(path + "?limit=ten"), 400, "invalid_request");
    assertProblem(alice.get(path + "?cursor=%21%21"), 400, "invalid_request");
    // "t:0:0:" and a NUL: a posting id PostgreSQL's text refuses (until 2026-12-07 answered 500)
    assertProblem(alice.get(path + "?cursor=dDowOjA6AA"), 400, "invalid_request");
    assertProblem(alice.get(path + "?limit=1&limit=2"), 400, "invalid_request");
  }

  @Test
  @DisplayName("a ledger that answers with an error is a bug, not an outage: 500 internal_error, and readiness does "
    + "not report PostgreSQL down")
  void ledgerErrorIsInternal(Vertx vertx) {
    EdgeFixture broken = EdgeFixture.startUnchecked(vertx, Map.of("WALLET_PG_DATABASE", "postgres"));
    try {
      ApiCaller alice = broken.newUser();
      String wallet = alice.openWallet();

      HttpResponse<Buffer> entries = alice.get("/v1/wallets/" + wallet + "/entries");
      HttpResponse<Buffer> ready = Await.result(broken.http.get("/health/ready").send());

      assertProblem(entries, 500, "internal_error");
      assertThat(entries.bodyAsString()).doesNotContain("entries\" does not exist").doesNotContain("postgres");
      // PostgreSQL itself answers: readiness does not report it down (the rules, kept in this wrong
      // database too, are what is missing here)
      assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getString("postgres")).isEqualTo("up");
      assertThat(ready.bodyAsJsonObject().getJsonObject("checks").getString("redis")).isEqualTo("up");
    } finally {
      broken.close();
    }
  }

  /** Waits until the ledger holds the wallet's first {@code count} postings. */
  private static void awaitLedger(ApiCaller holder, String wallet, int count) {
    Eventually.await("the ledger to hold " + count + " postings of " + wallet, Duration.ofSeconds(30), () -> {
      HttpResponse<Buffer> page = holder.get("/v1/wallets/" + wallet + "/entries?limit=1");
      return page.statusCode() == 200 && !page.bodyAsJsonObject().getJsonArray("entries").isEmpty()
        && page.bodyAsJsonObject().getJsonArray("entries").getJsonObject(0).getLong("seq") == count;
    });
  }
}
