package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.deposit;
import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.transfer;
import static dev.wallet.edge.ApiCaller.withdrawal;
import static dev.wallet.edge.PaymentsApiTest.payment;
import static dev.wallet.edge.PaymentsApiTest.refund;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.ledger.LedgerWriter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hot merchant (its owner listed in WALLET_STRIPED_MERCHANT_OWNERS) over HTTP: payments from
 * payers on other shards complete at once (201, no saga), and the merchant still sees one wallet:
 * its balance, its live feed, its payouts and its refunds work on the sum of its stripes.
 */
@ExtendWith(VertxExtension.class)
class HotMerchantsApiTest {

  private static final String HOT_SHOP = "shop-hot-" + UUID.randomUUID();
  private static EdgeFixture edge;
  private static LedgerWriter writer;
  private static Pool ledger;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx, Map.of("WALLET_FEE_DEFAULT_BPS", "100", "WALLET_STRIPED_MERCHANT_OWNERS", HOT_SHOP,
      "WALLET_STRIPE_SWEEP_INTERVAL_MS", "300"), new JsonObject(), EdgeMetrics.newRegistry());
    writer = EdgeFixture.startLedgerWriter(vertx, "hot-merchants-test");
    ledger = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
  }

  @AfterAll
  static void stop() {
    Await.result(ledger.close());
    Await.result(writer.stop());
    edge.close();
  }

  @Test
  @DisplayName("payments from payers on other shards complete at once, and the merchant's wallet, feed and payout see their sum")
  void paymentsFromEveryShard(Vertx vertx) {
    ApiCaller shop = edge.as(HOT_SHOP, "user", "merchant");
    String merchant = shop.openMerchantWallet();
    LiveSocket feed = LiveSocket.open(vertx, edge.port(), merchant, shop.token());
    long snapshotSeq = feed.awaitSnapshot().getLong("seq");
    assertThat(edge.registry.get("wallet_websockets_open").gauge().value())
      .as("one socket, though it follows the merchant's wallet and each stripe").isEqualTo(1);

    List<ApiCaller> payers = edge.usersOnOtherShards(merchant, 8);
    for (ApiCaller payer : payers) {
      String wallet = payer.openWallet();
      payer.deposit(wallet, 10_000);
      HttpResponse<Buffer> paid = payer.post("/v1/payments", payment(wallet, merchant, 5_000), newKey());

      assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(201);
      assertThat(paid.bodyAsJsonObject().getString("status")).isEqualTo("completed");
      assertThat(paid.bodyAsJsonObject().getString("merchantWalletId")).isEqualTo(merchant);
      assertThat(shop.get("/v1/payments/" + paid.bodyAsJsonObject().getString("id")).bodyAsJsonObject()
        .getString("merchantWalletId")).isEqualTo(merchant);
    }

    long total = payers.size() * (5_000 - 50);
    assertThat(shop.available(merchant)).isEqualTo(total);
    JsonObject pushed = feed.awaitMessage("the total on the feed", message -> "balance".equals(message.getString("type"))
      && message.getLong("available") == total);
    assertThat(pushed.getLong("seq")).isGreaterThan(snapshotSeq);
    assertThat(pushed.getString("walletId")).isEqualTo(merchant);

    HttpResponse<Buffer> payout = shop.post("/v1/withdrawals", withdrawal(merchant, total, "DE89 3704 0044"), newKey());
    assertThat(payout.statusCode()).as(payout.bodyAsString()).isEqualTo(202);
    shop.awaitStatus("/v1/withdrawals/" + payout.bodyAsJsonObject().getString("id"), "completed");
    assertThat(shop.wallet(merchant).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 0).put("held", 0));
    feed.socket.close();
  }

  @Test
  @DisplayName("a stripe is its merchant wallet's, not a wallet anyone reaches by its id: reading it, depositing to "
    + "it, moving money from it, opening a wallet beside it and paying it are 404, and nothing moves")
  void aStripeIsNotReachedByItsId() {
    ApiCaller shop = edge.as(HOT_SHOP, "user", "merchant");
    String merchant = shop.openMerchantWallet();
    ApiCaller alice = edge.usersOnOtherShards(merchant, 1).get(0);
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    HttpResponse<Buffer> paid = alice.post("/v1/payments", payment(payer, merchant, 4_000), newKey());
    assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(201);
    String stripe = WalletId.derived(new WalletId(payer).shard(), "stripe|" + merchant).value();
    String payee = alice.openWallet();

    assertProblem(shop.get("/v1/wallets/" + stripe), 404, "not_found");
    assertProblem(shop.post("/v1/deposits", deposit(stripe, 500, "sandbox"), newKey()), 404, "not_found");
    assertProblem(shop.post("/v1/transfers", transfer(stripe, payee, 500), newKey()), 404, "not_found");
    assertProblem(shop.post("/v1/withdrawals", withdrawal(stripe, 500, "DE89 3704 0044"), newKey()), 404,
      "not_found");
    assertProblem(shop.post("/v1/wallets", new JsonObject().put("currency", "USD").put("type", "personal")
      .put("colocateWith", stripe), Optional.empty()), 404, "not_found");
    assertProblem(alice.post("/v1/payments", payment(payer, stripe, 500), newKey()), 404, "not_found");

    assertThat(alice.available(payee)).isZero();
    assertThat(alice.available(payer)).isEqualTo(6_000);
    assertThat(shop.available(merchant)).isEqualTo(4_000 - 40);
  }

  @Test
  @DisplayName("a refund of a payment whose stripe was swept meanwhile is paid in full")
  void refundAfterTheSweep() {
    ApiCaller shop = edge.as(HOT_SHOP, "user", "merchant");
    String merchant = shop.openMerchantWallet();
    ApiCaller alice = edge.usersOnOtherShards(merchant, 1).get(0);
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    String paymentId = alice.post("/v1/payments", payment(payer, merchant, 4_000), newKey()).bodyAsJsonObject()
      .getString("id");
    WalletId stripe = WalletId.derived(new WalletId(payer).shard(), "stripe|" + merchant);
    Eventually.await("the stripe swept by the edge's own sweeper", Duration.ofSeconds(15),
      () -> Await.result(edge.cache.wallet(stripe)).orElseThrow().available() == 0);

    HttpResponse<Buffer> refunded = shop.post("/v1/payments/" + paymentId + "/refunds", refund(3_000), newKey());

    assertThat(refunded.statusCode()).as(refunded.bodyAsString()).isEqualTo(201);
    assertThat(alice.available(payer)).isEqualTo(10_000 - 4_000 + 3_000);
    assertThat(shop.available(merchant)).isEqualTo(4_000 - 40 - 3_000);
  }

  @Test
  @DisplayName("the merchant's entries are its wallet's and its stripes' by time, a page at a time, without the sweeps")
  void entriesAcrossStripes() {
    ApiCaller shop = edge.as(HOT_SHOP, "user", "merchant");
    String merchant = shop.openMerchantWallet();
    shop.deposit(merchant, 500);
    Instant beforePayments = Instant.now();
    List<ApiCaller> payers = edge.usersOnOtherShards(merchant, 3);
    List<Long> amounts = List.of(1_000L, 2_000L, 3_000L);
    List<String> stripes = new ArrayList<>();
    for (int i = 0; i < payers.size(); i++) {
      String wallet = payers.get(i).openWallet();
      payers.get(i).deposit(wallet, 10_000);
      assertThat(payers.get(i).post("/v1/payments", payment(wallet, merchant, amounts.get(i)), newKey()).statusCode())
        .isEqualTo(201);
      stripes.add(WalletId.derived(new WalletId(wallet).shard(), "stripe|" + merchant).value());
    }
    Eventually.await("every stripe's payment and sweep in the ledger", Duration.ofSeconds(30), () -> stripes.stream()
      .allMatch(stripe -> postingTypes(stripe).contains("sweep_debit")));

    List<JsonObject> listed = new ArrayList<>();
    String cursor = null;
    do {
      JsonObject page = shop.get("/v1/wallets/" + merchant + "/entries?limit=2"
        + (cursor == null ? "" : "&cursor=" + cursor)).bodyAsJsonObject();
      page.getJsonArray("entries").forEach(entry -> listed.add((JsonObject) entry));
      cursor = page.getString("nextCursor");
    } while (cursor != null);

    assertThat(listed).extracting(entry -> entry.getString("type")).doesNotContain("sweep_debit", "sweep_credit");
    assertThat(listed).extracting(entry -> entry.getLong("amount"))
      .as("newest first: the three payments less their fee, then the deposit").containsExactly(2_970L, 1_980L, 990L, 500L);
    assertThat(listed.subList(0, 3)).allSatisfy(entry -> assertThat(entry.getString("accountId"))
      .as("booked on a stripe").isNotNull().isNotEqualTo(merchant));
    assertThat(listed.get(3).containsKey("accountId")).as("the merchant wallet's own entry").isFalse();
    assertThat(listed.subList(0, 3)).extracting(entry -> entry.getString("accountId")).containsExactlyInAnyOrderElementsOf(
      stripes);
    assertThat(shop.get("/v1/wallets/" + merchant + "/entries?cursor=bm90LWEtY3Vyc29y").statusCode()).isEqualTo(400);
    assertThat(balanceAt(shop, merchant, beforePayments)).as("the deposit alone").isEqualTo(500);
    assertThat(balanceAt(shop, merchant, Instant.now().minusMillis(1))).as("and every payment, on the stripes or swept")
      .isEqualTo(500 + 990 + 1_980 + 2_970);
  }

  /**
   * The late payer's payment to the merchant, booked on its shard's stripe (and that stripe's sweep
   * after it), reaches the ledger after a later payment on another stripe did, and after a first page
   * was served: their outbox entries are taken out of the shard's stream while the writer is stopped,
   * and put back after the page. Until 2026-12-06 that page showed the later payment, and the late one
   * then arrived below it, where a client reading new entries down to the first it has seen never looks.
   */
  @Test
  @DisplayName("an entry of a stripe whose writer lags arrives above every entry a first page served before it")
  void aLateStripeEntryArrivesAboveTheFirstPage(Vertx vertx) {
    ApiCaller shop = edge.as(HOT_SHOP, "user", "merchant");
    String merchant = shop.openMerchantWallet();
    shop.deposit(merchant, 500);
    List<ApiCaller> payers = edge.usersOnOtherShards(merchant, 2);
    String lateWallet = payers.get(0).openWallet();
    payers.get(0).deposit(lateWallet, 10_000);
    String onTimeWallet = payers.get(1).openWallet();
    payers.get(1).deposit(onTimeWallet, 10_000);
    WalletId lateStripe = WalletId.derived(new WalletId(lateWallet).shard(), "stripe|" + merchant);
    String onTimeStripe = WalletId.derived(new WalletId(onTimeWallet).shard(), "stripe|" + merchant).value();
    HeldBack held = new HeldBack(lateStripe.shard());
    List<JsonObject> firstPage;
    Await.result(writer.stop());
    boolean writing = false;
    try {
      String late = payers.get(0).post("/v1/payments", payment(lateWallet, merchant, 1_000), newKey())
        .bodyAsJsonObject().getString("id");
      Eventually.await("the late payment's stripe swept", Duration.ofSeconds(15),
        () -> Await.result(edge.cache.wallet(lateStripe)).orElseThrow().available() == 0);
      held.takeOutFrom(late);
      assertThat(payers.get(1).post("/v1/payments", payment(onTimeWallet, merchant, 2_000), newKey()).statusCode())
        .isEqualTo(201);
      writer = EdgeFixture.startLedgerWriter(vertx, "hot-merchants-test");
      writing = true;
      Eventually.await("the later payment in the ledger", Duration.ofSeconds(30),
        () -> postingTypes(onTimeStripe).contains("payment"));

      firstPage = entries(shop.get("/v1/wallets/" + merchant + "/entries?limit=1"));
    } finally {
      held.putBack();
      if (!writing) {
        writer = EdgeFixture.startLedgerWriter(vertx, "hot-merchants-test");
      }
    }
    // a first page ends where every account's writer stands: the late payment is on one once all have passed it
    List<List<JsonObject>> last = new ArrayList<>(List.of(List.of()));
    Eventually.await("the late payment on the merchant's first page", Duration.ofSeconds(30), () -> {
      last.set(0, entries(shop.get("/v1/wallets/" + merchant + "/entries?limit=200")));
      return last.get(0).stream().anyMatch(entry -> lateStripe.value().equals(entry.getString("accountId")));
    });

    List<JsonObject> all = last.get(0);
    List<String> listed = all.stream().map(entry -> entry.getString("id")).toList();
    String lateEntry = all.stream().filter(entry -> lateStripe.value().equals(entry.getString("accountId")))
      .findFirst().orElseThrow().getString("id");
    assertThat(firstPage).allSatisfy(served -> assertThat(listed.indexOf(served.getString("id")))
      .as("listed below the late payment: " + served).isGreaterThan(listed.indexOf(lateEntry)));
  }

  /** A shard's outbox entries from one movement's on, taken out of its stream and put back in order. */
  private static final class HeldBack {
    private final String stream;
    private final int master;
    private final List<String> bodies = new ArrayList<>();

    HeldBack(ShardId shard) {
      this.stream = OutboxStreams.key(shard);
      this.master = RedisNodes.masterOf(shard);
    }

    /** redis-cli answers XRANGE without a terminal one line each: id, field "p", the posting's JSON. */
    void takeOutFrom(String movementId) {
      List<String> lines = RedisNodes.cli(master, "XRANGE", stream, "-", "+").lines().toList();
      boolean from = false;
      for (int i = 0; i + 2 < lines.size(); i += 3) {
        from = from || lines.get(i + 2).contains(movementId);
        if (from) {
          bodies.add(lines.get(i + 2));
          RedisNodes.cli(master, "XDEL", stream, lines.get(i));
        }
      }
      assertThat(bodies).as("the movement's entry in " + stream).isNotEmpty();
    }

    void putBack() {
      bodies.forEach(body -> RedisNodes.cli(master, "XADD", stream, "*", "p", body));
      bodies.clear();
    }
  }

  /**
   * The types of the postings the ledger holds for {@code stripe}, read from PostgreSQL: a stripe is its
   * merchant wallet's, and no caller reads it by its own id (aStripeIsNotReachedByItsId).
   */
  private static List<String> postingTypes(String stripe) {
    return Await.result(ledger.preparedQuery("SELECT p.type FROM entries e JOIN postings p ON p.id = e.posting_id "
      + "AND p.created_at = e.created_at WHERE e.account_id = $1").execute(Tuple.of(stripe)))
      .stream().map(row -> row.getString("type")).toList();
  }

  private static List<JsonObject> entries(HttpResponse<Buffer> page) {
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("entries").stream().map(JsonObject.class::cast).toList();
  }

  private static long balanceAt(ApiCaller caller, String wallet, Instant at) {
    HttpResponse<Buffer> answer = caller.get("/v1/wallets/" + wallet + "/balance?at=" + at);
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    return answer.bodyAsJsonObject().getJsonObject("balance").getLong("available");
  }

  @Test
  @DisplayName("a card checkout from another shard (authorize, partial capture) completes at once on a stripe, and is "
    + "refunded in part")
  void cardCheckoutOnAStripe() {
    ApiCaller shop = edge.as(HOT_SHOP, "user", "merchant");
    String merchant = shop.openMerchantWallet();
    long before = shop.available(merchant);
    ApiCaller alice = edge.usersOnOtherShards(merchant, 1).get(0);
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    HttpResponse<Buffer> authorized = alice.post("/v1/authorizations",
      AuthorizationsApiTest.authorization(payer, merchant, 6_000), newKey());
    assertThat(authorized.statusCode()).as(authorized.bodyAsString()).isEqualTo(201);

    HttpResponse<Buffer> captured = shop.post("/v1/authorizations/" + authorized.bodyAsJsonObject().getString("id")
      + "/captures", AuthorizationsApiTest.capture(5_000), newKey());

    assertThat(captured.statusCode()).as(captured.bodyAsString()).isEqualTo(201);
    JsonObject payment = captured.bodyAsJsonObject().getJsonObject("payment");
    assertThat(payment.getString("status")).as("no saga: completed at once").isEqualTo("completed");
    assertThat(payment.getString("merchantWalletId")).isEqualTo(merchant);
    String stripe = WalletId.derived(new WalletId(payer).shard(), "stripe|" + merchant).value();
    Eventually.await("the capture in the merchant's entries, booked on the payer's shard's stripe",
      Duration.ofSeconds(20), () -> shop.get("/v1/wallets/" + merchant + "/entries").bodyAsJsonObject()
        .getJsonArray("entries").stream().map(JsonObject.class::cast)
        .anyMatch(entry -> "capture".equals(entry.getString("type")) && stripe.equals(entry.getString("accountId"))));
    assertThat(alice.available(payer)).isEqualTo(10_000 - 5_000);
    assertThat(shop.available(merchant)).isEqualTo(before + 5_000 - 50);

    HttpResponse<Buffer> refunded = shop.post("/v1/payments/" + payment.getString("id") + "/refunds", refund(1_000),
      newKey());

    assertThat(refunded.statusCode()).as(refunded.bodyAsString()).isEqualTo(201);
    assertThat(alice.available(payer)).isEqualTo(10_000 - 5_000 + 1_000);
    assertThat(shop.available(merchant)).isEqualTo(before + 5_000 - 50 - 1_000);
  }
}
