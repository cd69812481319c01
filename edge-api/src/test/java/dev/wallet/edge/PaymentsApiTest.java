package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.shardOf;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.edge.http.EdgeMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Merchant checkouts and refunds over HTTP, with fees from the configuration: 250 bps by default, 120 for one shop. */
@ExtendWith(VertxExtension.class)
class PaymentsApiTest {

  private static final String PREMIUM_SHOP = "shop-premium-" + UUID.randomUUID();
  private static EdgeFixture edge;
  private static MoneyCore core;

  @BeforeAll
  static void start(Vertx vertx) {
    JsonObject yaml = new JsonObject().put("fees", new JsonObject().put("merchants",
      new JsonObject().put(PREMIUM_SHOP, 120)));
    edge = EdgeFixture.start(vertx, Map.of("WALLET_FEE_DEFAULT_BPS", "250"), yaml,
      EdgeMetrics.newRegistry());
    core = new MoneyCore(edge.cache);
  }

  @AfterAll
  static void stop() {
    edge.close();
  }

  @Test
  @DisplayName("a checkout on one shard pays the merchant the amount less its fee, 250 bps of 10.20 = 25.5 cents charged 26, at once (201)")
  void sameShardCheckout() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    String merchant = merchantNear(shop, payer);

    HttpResponse<Buffer> paid = alice.post("/v1/payments", payment(payer, merchant, 1_020).put("orderRef", "order-7"),
      newKey());

    assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(201);
    JsonObject payment = paid.bodyAsJsonObject();
    assertThat(payment.getString("id")).startsWith("p" + shardOf(payer) + "_");
    assertThat(paid.getHeader("Location")).isEqualTo("/v1/payments/" + payment.getString("id"));
    assertThat(payment.copy().put("id", "-").put("createdAt", "-")).isEqualTo(new JsonObject().put("id", "-")
      .put("status", "completed").put("fromWalletId", payer).put("merchantWalletId", merchant).put("amount", 1_020)
      .put("fee", 26).put("currency", "USD").put("refunded", 0).put("createdAt", "-").put("orderRef", "order-7"));
    assertThat(alice.available(payer)).isEqualTo(10_000 - 1_020);
    assertThat(shop.available(merchant)).isEqualTo(1_020 - 26);
  }

  @Test
  @DisplayName("a checkout across shards runs the saga and ends completed; the fee is the merchant's own rate (120 bps)")
  void crossShardCheckoutWithMerchantRate() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.as(PREMIUM_SHOP, "user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 50_000);
    String merchant = shop.openWalletElsewhere(payer, "merchant");

    HttpResponse<Buffer> paid = alice.post("/v1/payments", payment(payer, merchant, 10_000), newKey());

    assertThat(paid.statusCode()).as(paid.bodyAsString()).isIn(201, 202);
    String path = "/v1/payments/" + paid.bodyAsJsonObject().getString("id");
    JsonObject completed = alice.awaitStatus(path, "completed");
    assertThat(completed.getLong("fee")).isEqualTo(120);
    assertThat(shop.get(path).bodyAsJsonObject()).isEqualTo(completed);
    assertThat(alice.available(payer)).isEqualTo(40_000);
    assertThat(shop.available(merchant)).isEqualTo(9_880);
  }

  @Test
  @DisplayName("a retry after the merchant's fee changed replays the payment with its first fee: the fee is the "
    + "merchant's rate, not part of the client's request")
  void retryAfterTheFeeChangedReplays(Vertx vertx) {
    EdgeFixture repriced = EdgeFixture.start(vertx, Map.of("WALLET_FEE_DEFAULT_BPS", "100"));
    try {
      ApiCaller alice = edge.newUser();
      ApiCaller shop = edge.newUser("user", "merchant");
      String payer = alice.openWallet();
      alice.deposit(payer, 10_000);
      String merchant = merchantNear(shop, payer);
      JsonObject body = payment(payer, merchant, 1_000);
      String key = newKey();

      HttpResponse<Buffer> first = alice.post("/v1/payments", body, key);
      HttpResponse<Buffer> retried = repriced.as(alice.id(), "user").post("/v1/payments", body, key);

      assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
      assertThat(first.bodyAsJsonObject().getLong("fee")).isEqualTo(25);
      assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(201);
      assertThat(retried.getHeader("Idempotent-Replayed")).isEqualTo("true");
      assertThat(retried.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
      assertThat(alice.available(payer)).isEqualTo(9_000);
      assertThat(shop.available(merchant)).isEqualTo(975);
    } finally {
      repriced.close();
    }
  }

  @Test
  @DisplayName("a fee of 25.45 cents is charged 25: rounded half up, not up")
  void feeRoundsHalfUp() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 5_000);
    String merchant = merchantNear(shop, payer);

    JsonObject payment = alice.post("/v1/payments", payment(payer, merchant, 1_018), newKey()).bodyAsJsonObject();

    assertThat(payment.getLong("fee")).isEqualTo(25);
    assertThat(shop.available(merchant)).isEqualTo(993);
  }

  @Test
  @DisplayName("refunds are partial and repeated until they add up to the payment; one more cent is refund_exceeds_payment")
  void refundBounds() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    String merchant = shop.openWalletElsewhere(payer, "merchant");
    shop.deposit(merchant, 1_000);
    String paymentId = completedPayment(alice, payer, merchant, 2_000);
    String refunds = "/v1/payments/" + paymentId + "/refunds";

    HttpResponse<Buffer> first = shop.post(refunds, refund(1_200), newKey());
    HttpResponse<Buffer> second = shop.post(refunds, refund(700), newKey());
    HttpResponse<Buffer> tooMuch = shop.post(refunds, refund(101), newKey());
    HttpResponse<Buffer> last = shop.post(refunds, refund(100), newKey());
    HttpResponse<Buffer> beyond = shop.post(refunds, refund(1), newKey());

    assertThat(first.statusCode()).as(first.bodyAsString()).isIn(201, 202);
    assertThat(first.bodyAsJsonObject().getString("paymentId")).isEqualTo(paymentId);
    assertThat(first.bodyAsJsonObject().getLong("amount")).isEqualTo(1_200);
    assertThat(second.statusCode()).as(second.bodyAsString()).isIn(201, 202);
    assertProblem(tooMuch, 422, "refund_exceeds_payment");
    assertThat(last.statusCode()).as(last.bodyAsString()).isIn(201, 202);
    assertProblem(beyond, 422, "refund_exceeds_payment");
    alice.awaitStatus("/v1/payments/" + paymentId, "completed");
    assertThat(alice.get("/v1/payments/" + paymentId).bodyAsJsonObject().getLong("refunded")).isEqualTo(2_000);
    assertThat(alice.available(payer)).isEqualTo(10_000);
    assertThat(shop.available(merchant)).isEqualTo(1_000 + 2_000 - 50 - 2_000);
  }

  @Test
  @DisplayName("a refund retried under its key is paid once and replayed; a refund beyond the merchant's money is insufficient_funds")
  void refundReplayAndFunds() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    String merchant = merchantNear(shop, payer);
    String paymentId = completedPayment(alice, payer, merchant, 4_000);
    String refunds = "/v1/payments/" + paymentId + "/refunds";
    String key = newKey();

    HttpResponse<Buffer> first = shop.post(refunds, refund(500), key);
    HttpResponse<Buffer> again = shop.post(refunds, refund(500), key);
    HttpResponse<Buffer> beyondFunds = shop.post(refunds, refund(3_500), newKey());

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    assertProblem(beyondFunds, 422, "insufficient_funds");
    assertThat(alice.available(payer)).isEqualTo(6_500);
    assertThat(shop.available(merchant)).isEqualTo(4_000 - 100 - 500);
  }

  @Test
  @DisplayName("only the merchant refunds: a payer, or a merchant of another shop, is refused and nothing moves")
  void onlyTheMerchantRefunds() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    ApiCaller otherShop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    String merchant = merchantNear(shop, payer);
    String paymentId = completedPayment(alice, payer, merchant, 1_000);
    String refunds = "/v1/payments/" + paymentId + "/refunds";

    assertProblem(alice.post(refunds, refund(100), newKey()), 403, "forbidden");
    assertProblem(otherShop.post(refunds, refund(100), newKey()), 404, "not_found");
    assertProblem(otherShop.get("/v1/payments/" + paymentId), 404, "not_found");
    assertProblem(shop.post("/v1/payments/p0001_" + "0".repeat(24) + "/refunds", refund(100), newKey()), 404,
      "not_found");
    assertThat(alice.available(payer)).isEqualTo(9_000);
  }

  @Test
  @DisplayName("a payment needs a merchant wallet on the other end and the payer's own wallet; otherwise 404 and nothing moves")
  void paymentGuards() {
    ApiCaller alice = edge.newUser();
    ApiCaller mallory = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 1_000);
    String personal = alice.openWalletNear(payer);
    String merchant = merchantNear(shop, payer);

    assertProblem(alice.post("/v1/payments", payment(payer, personal, 100), newKey()), 404, "not_found");
    assertProblem(mallory.post("/v1/payments", payment(payer, merchant, 100), newKey()), 404, "not_found");
    assertProblem(alice.post("/v1/payments", payment(payer, merchant, 1_001), newKey()), 422, "insufficient_funds");
    assertProblem(alice.post("/v1/payments", payment(payer, merchant, 100).put("fee", 0), newKey()), 400,
      "invalid_request");
    assertProblem(alice.post("/v1/payments", payment(payer, merchant, 100), Optional.empty()), 400,
      "idempotency_key_missing");
    assertThat(alice.available(payer)).isEqualTo(1_000);
    assertThat(shop.wallet(merchant).getLong("seq")).isZero();
  }

  @Test
  @DisplayName("a payment to a frozen merchant across shards is reversed: 422 wallet_inactive naming the payment, the "
    + "payer keeps the money, and its refund is 404")
  void reversedPayment() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 1_000);
    String merchant = shop.openWalletElsewhere(payer, "merchant");
    Await.result(edge.cache.setStatus(new WalletId(merchant), WalletStatus.FROZEN, "test"));

    HttpResponse<Buffer> refused = alice.post("/v1/payments", payment(payer, merchant, 300), newKey());

    assertProblem(refused, 422, "wallet_inactive");
    assertThat(refused.bodyAsJsonObject().getString("paymentStatus")).isEqualTo("reversed");
    assertThat(alice.available(payer)).isEqualTo(1_000);
    HttpResponse<Buffer> refund = shop.post("/v1/payments/" + refused.bodyAsJsonObject().getString("paymentId")
      + "/refunds", new JsonObject().put("amount", 100), newKey());
    assertProblem(refund, 404, "not_found");
  }

  static String completedPayment(ApiCaller payer, String from, String merchant, long amount) {
    HttpResponse<Buffer> paid = payer.post("/v1/payments", payment(from, merchant, amount), newKey());
    assertThat(paid.statusCode()).as(paid.bodyAsString()).isIn(201, 202);
    String id = paid.bodyAsJsonObject().getString("id");
    payer.awaitStatus("/v1/payments/" + id, "completed");
    return id;
  }

  /** A merchant wallet of {@code shop} on {@code payer}'s shard: only the money core colocates across owners. */
  private static String merchantNear(ApiCaller shop, String payer) {
    return core.openMerchant(shop.id(), Optional.of(new WalletId(payer))).value();
  }

  static JsonObject payment(String from, String merchant, long amount) {
    return new JsonObject().put("fromWalletId", from).put("merchantWalletId", merchant).put("amount", amount)
      .put("currency", "USD");
  }

  static JsonObject refund(long amount) {
    return new JsonObject().put("amount", amount);
  }
}
