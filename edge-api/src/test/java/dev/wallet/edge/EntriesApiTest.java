package dev.wallet.edge;

import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The history endpoint reads the ledger. The ledger writer does not run in this branch yet, so
 * these tests write a wallet's postings into PostgreSQL themselves, as the owner role, the way
 * the writer will (a wallet leg and a system leg per posting), and read them back over HTTP.
 */
@ExtendWith(VertxExtension.class)
class EntriesApiTest {

  private static EdgeFixture edge;
  private static Pool owner;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
    owner = EdgeFixture.pool(vertx, EdgeFixture.ownerDatabase());
  }

  @AfterAll
  static void stop() {
    Await.result(owner.close());
    edge.close();
  }

  @Test
  @DisplayName("a wallet's entries come newest first, a page at a time, following nextCursor")
  void pages() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    OffsetDateTime start = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS);
    bookDeposits(alice, wallet, start, 100, 200, 300);

    HttpResponse<Buffer> first = alice.get("/v1/wallets/" + wallet + "/entries?limit=2");
    JsonObject firstPage = first.bodyAsJsonObject();
    HttpResponse<Buffer> second = alice.get("/v1/wallets/" + wallet + "/entries?limit=2&cursor="
      + firstPage.getString("nextCursor"));

    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    assertThat(firstPage.getJsonArray("entries").stream().map(e -> ((JsonObject) e).getLong("seq")))
      .containsExactly(3L, 2L);
    assertThat(firstPage.getString("nextCursor")).isNotBlank();
    assertThat(second.bodyAsJsonObject().getJsonArray("entries").getJsonObject(0)).isEqualTo(new JsonObject()
      .put("id", "dep-" + wallet + "-1/0").put("transactionId", "dref-" + wallet + "-1").put("type", "deposit")
      .put("amount", 100).put("currency", "USD").put("bucket", "available").put("balanceAfter", 100).put("seq", 1)
      .put("createdAt", start.plusSeconds(1).toInstant().toString()));
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
    bookDeposits(alice, wallet, OffsetDateTime.now(ZoneOffset.UTC), 100);
    String path = "/v1/wallets/" + wallet + "/entries";

    assertProblem(edge.newUser().get(path), 404, "not_found");
    assertProblem(alice.get(path + "?limit=0"), 400, "invalid_request");
    assertProblem(alice.get(path + "?limit=201"), 400, "invalid_request");
    assertProblem(alice.get(path + "?limit=ten"), 400, "invalid_request");
    assertProblem(alice.get(path + "?cursor=%21%21"), 400, "invalid_request");
    assertProblem(alice.get(path + "?limit=1&limit=2"), 400, "invalid_request");
  }

  @Test
  @DisplayName("a ledger that answers with an error is a bug, not an outage: 500 internal_error, and the edge stays ready")
  void ledgerErrorIsInternal(Vertx vertx) {
    EdgeFixture broken = EdgeFixture.startUnchecked(vertx, Map.of("WALLET_PG_DATABASE", "postgres"));
    try {
      ApiCaller alice = broken.newUser();
      String wallet = alice.openWallet();

      HttpResponse<Buffer> entries = alice.get("/v1/wallets/" + wallet + "/entries");
      HttpResponse<Buffer> ready = Await.result(broken.http.get("/health/ready").send());

      assertProblem(entries, 500, "internal_error");
      assertThat(entries.bodyAsString()).doesNotContain("entries\" does not exist").doesNotContain("postgres");
      assertThat(ready.statusCode()).isEqualTo(200);
    } finally {
      broken.close();
    }
  }

  /** One posting per amount, as the ledger writer would book deposits: wallet leg (idx 0), clearing leg (idx 1). */
  private static void bookDeposits(ApiCaller holder, String wallet, OffsetDateTime start, long... amounts) {
    String shard = "s" + ApiCaller.shardOf(wallet);
    String clearing = "clearing.test" + UUID.randomUUID().toString().replace("-", "").substring(0, 12)
      + ":USD:" + shard;
    sql("INSERT INTO accounts (id, kind, owner_id, currency, wallet_type, shard, opened_at)"
      + " VALUES ($1, 'wallet', $2, 'USD', 'personal', $3, $4)", Tuple.of(wallet, holder.id(), shard, start));
    sql("INSERT INTO accounts (id, kind, currency, shard, opened_at) VALUES ($1, 'system', 'USD', $2, $3)",
      Tuple.of(clearing, shard, start));
    long balance = 0;
    for (int i = 0; i < amounts.length; i++) {
      long seq = i + 1;
      balance += amounts[i];
      OffsetDateTime at = start.plusSeconds(seq);
      String posting = "dep-" + wallet + "-" + seq;
      // one transaction per posting: the ledger refuses a posting whose entries do not sum to zero
      inOneTransaction(
        "INSERT INTO postings (id, type, shard, reference, created_at, stream_id) VALUES ($1, 'deposit', $2, $3, $4, $5)",
        Tuple.of(posting, shard, "dref-" + wallet + "-" + seq, at, seq + "-0"),
        "INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at)"
          + " VALUES ($1, 0, $2, 'available', $3, 'USD', $4, $5, $6)",
        Tuple.of(posting, wallet, amounts[i], balance, seq, at),
        "INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at)"
          + " VALUES ($1, 1, $2, 'available', $3, 'USD', $4, $5, $6)",
        Tuple.of(posting, clearing, -amounts[i], -balance, seq, at));
    }
  }

  private static void inOneTransaction(String posting, Tuple postingArgs, String first, Tuple firstArgs, String second,
                                       Tuple secondArgs) {
    Await.result(owner.withTransaction(conn -> conn.preparedQuery(posting).execute(postingArgs)
      .compose(done -> conn.preparedQuery(first).execute(firstArgs))
      .compose(done -> conn.preparedQuery(second).execute(secondArgs))));
  }

  private static void sql(String statement, Tuple args) {
    Await.result(owner.preparedQuery(statement).execute(args));
  }
}
