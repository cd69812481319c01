package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.PaymentsApiTest.refund;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.edge.http.Reply;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Card-style checkouts over HTTP against the real cluster: authorize (a hold for a merchant),
 * capture (a payment, 250 bps fee), void, and release by the money core's sweeper at expiry.
 */
@ExtendWith(VertxExtension.class)
class AuthorizationsApiTest {

  private static final long LONG_EXPIRY_SECONDS = 600;
  private static EdgeFixture edge;
  private static MoneyCore core;
  private static LedgerWriter writer;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx, Map.of("WALLET_FEE_DEFAULT_BPS", "250", "WALLET_SWEEP_INTERVAL_MS", "250",
      "WALLET_AUTH_MAX_EXPIRY_SECONDS", "3600", "WALLET_AUTH_DEFAULT_EXPIRY_SECONDS", "900"));
    core = new MoneyCore(edge.cache);
    writer = EdgeFixture.startLedgerWriter(vertx, "authorizations-test");
  }

  @AfterAll
  static void stop() {
    Await.result(writer.stop());
    edge.close();
  }

  @Test
  @DisplayName("an authorization holds the amount on the payer's wallet (201, default expiry from configuration); "
    + "a full capture pays the merchant less its fee (201) and leaves nothing held")
  void authorizeAndCaptureAll() {
    Checkout c = checkout(10_000, true);

    HttpResponse<Buffer> authorized = c.payer.post("/v1/authorizations",
      authorization(c.payerWallet, c.merchantWallet, 3_000).put("orderRef", "cart-1"), newKey());

    assertThat(authorized.statusCode()).as(authorized.bodyAsString()).isEqualTo(201);
    JsonObject auth = authorized.bodyAsJsonObject();
    String id = auth.getString("id");
    assertThat(authorized.getHeader("Location")).isEqualTo("/v1/authorizations/" + id);
    assertThat(auth.getString("status")).isEqualTo("active");
    assertThat(auth.getLong("amount")).isEqualTo(3_000);
    assertThat(auth.getLong("held")).isEqualTo(3_000);
    assertThat(auth.getLong("captured")).isZero();
    assertThat(auth.getString("orderRef")).isEqualTo("cart-1");
    long lifetime = Instant.parse(auth.getString("expiresAt")).toEpochMilli()
      - Instant.parse(auth.getString("createdAt")).toEpochMilli();
    assertThat(lifetime).isEqualTo(900_000);
    assertBalance(c.payer, c.payerWallet, 7_000, 3_000);

    HttpResponse<Buffer> captured = c.shop.post(captures(id), new JsonObject(), newKey());

    assertThat(captured.statusCode()).as("no amount: all that is held; " + captured.bodyAsString()).isEqualTo(201);
    JsonObject payment = captured.bodyAsJsonObject().getJsonObject("payment");
    assertThat(payment.getString("status")).isEqualTo("completed");
    assertThat(payment.getLong("amount")).isEqualTo(3_000);
    assertThat(payment.getLong("fee")).isEqualTo(75);
    assertThat(payment.getString("orderRef")).isEqualTo("cart-1");
    assertThat(captured.bodyAsJsonObject().getJsonObject("authorization").getString("status")).isEqualTo("captured");
    assertThat(c.payer.get("/v1/payments/" + payment.getString("id")).bodyAsJsonObject().getString("status"))
      .isEqualTo("completed");
    assertBalance(c.payer, c.payerWallet, 7_000, 0);
    assertThat(c.shop.available(c.merchantWallet)).isEqualTo(3_000 - 75);
    JsonObject after = c.payer.get("/v1/authorizations/" + id).bodyAsJsonObject();
    assertThat(after.getString("status")).isEqualTo("captured");
    assertThat(after.getLong("captured")).isEqualTo(3_000);
    assertThat(after.getLong("held")).isZero();
  }

  @Test
  @DisplayName("a partial capture releases the rest to the payer; the history shows hold, capture and release")
  void partialCaptureReleasesTheRest() {
    Checkout c = checkout(10_000, true);
    String id = authorize(c, 3_000, LONG_EXPIRY_SECONDS);

    HttpResponse<Buffer> captured = c.shop.post(captures(id), capture(1_000), newKey());

    assertThat(captured.statusCode()).as(captured.bodyAsString()).isEqualTo(201);
    JsonObject auth = captured.bodyAsJsonObject().getJsonObject("authorization");
    assertThat(auth.getString("status")).isEqualTo("captured");
    assertThat(auth.getLong("captured")).isEqualTo(1_000);
    assertThat(auth.getLong("held")).isZero();
    assertBalance(c.payer, c.payerWallet, 9_000, 0);
    assertThat(c.shop.available(c.merchantWallet)).isEqualTo(1_000 - 25);

    List<JsonObject> entries = awaitEntries(c.payer, c.payerWallet, 6);
    String paymentId = captured.bodyAsJsonObject().getJsonObject("payment").getString("id");
    assertThat(entries.stream().map(e -> e.getString("type") + "|" + e.getString("bucket") + "|" + e.getLong("amount")
      + "|" + e.getString("transactionId")).toList()).containsExactlyInAnyOrder(
        "hold_released|available|2000|" + id, "hold_released|held|-2000|" + id,
        "capture|held|-1000|" + paymentId,
        "hold|held|3000|" + id, "hold|available|-3000|" + id,
        "deposit|available|10000|" + entries.get(entries.size() - 1).getString("transactionId"));
  }

  @Test
  @DisplayName("a partial capture with keepOpen leaves the rest held and the authorization active; a second capture "
    + "takes part of the rest and releases what is left")
  void partialCaptureKeptOpen() {
    Checkout c = checkout(10_000, true);
    String id = authorize(c, 3_000, LONG_EXPIRY_SECONDS);

    HttpResponse<Buffer> first = c.shop.post(captures(id), capture(1_000).put("keepOpen", true), newKey());
    JsonObject open = c.payer.get("/v1/authorizations/" + id).bodyAsJsonObject();
    assertBalance(c.payer, c.payerWallet, 7_000, 2_000);
    HttpResponse<Buffer> second = c.shop.post(captures(id), capture(1_500), newKey());

    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    assertThat(open.getString("status")).isEqualTo("active");
    assertThat(open.getLong("held")).isEqualTo(2_000);
    assertThat(open.getLong("captured")).isEqualTo(1_000);
    assertThat(second.statusCode()).as(second.bodyAsString()).isEqualTo(201);
    JsonObject done = second.bodyAsJsonObject().getJsonObject("authorization");
    assertThat(done.getString("status")).isEqualTo("captured");
    assertThat(done.getLong("captured")).isEqualTo(2_500);
    assertBalance(c.payer, c.payerWallet, 7_500, 0);
    assertThat(c.shop.available(c.merchantWallet)).isEqualTo(1_000 - 25 + 1_500 - 38);
  }

  @Test
  @DisplayName("a void releases the whole amount (200); voiding again answers the same, replayed; a capture after it "
    + "is 409 authorization_not_active")
  void voidReleases() {
    Checkout c = checkout(5_000, true);
    String id = authorize(c, 2_000, LONG_EXPIRY_SECONDS);

    HttpResponse<Buffer> voided = c.shop.post(voidPath(id), new JsonObject(), newKey());
    HttpResponse<Buffer> again = c.shop.post(voidPath(id), new JsonObject(), newKey());
    HttpResponse<Buffer> late = c.shop.post(captures(id), capture(100), newKey());

    assertThat(voided.statusCode()).as(voided.bodyAsString()).isEqualTo(200);
    assertThat(voided.bodyAsJsonObject().getString("status")).isEqualTo("released");
    assertThat(voided.bodyAsJsonObject().getString("releasedBy")).isEqualTo("void");
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(again.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertThat(again.bodyAsJsonObject()).isEqualTo(voided.bodyAsJsonObject());
    assertProblem(late, 409, "authorization_not_active");
    assertBalance(c.payer, c.payerWallet, 5_000, 0);
    assertThat(c.shop.available(c.merchantWallet)).isZero();
  }

  @Test
  @DisplayName("a capture beyond what the authorization holds is 422, and the same capture sent again under its key is "
    + "that answer, replayed")
  void aRefusedCaptureIsReplayed() {
    Checkout c = checkout(5_000, true);
    String id = authorize(c, 2_000, LONG_EXPIRY_SECONDS);
    String key = newKey();

    HttpResponse<Buffer> refused = c.shop.post(captures(id), capture(3_000), key);
    HttpResponse<Buffer> again = c.shop.post(captures(id), capture(3_000), key);

    assertProblem(refused, 422, "capture_exceeds_authorization");
    assertThat(refused.getHeader(Reply.REPLAYED_HEADER)).isNull();
    assertProblem(again, 422, "capture_exceeds_authorization");
    assertThat(again.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertBalance(c.payer, c.payerWallet, 3_000, 2_000);
  }

  @Test
  @DisplayName("an authorization past its expiry is released by the sweeper, exactly once; a capture then is 409")
  void expiryReleases() {
    Checkout c = checkout(5_000, true);
    String id = authorize(c, 1_200, 1);

    JsonObject released = c.payer.awaitStatus("/v1/authorizations/" + id, "released");
    HttpResponse<Buffer> late = c.shop.post(captures(id), capture(100), newKey());

    assertThat(released.getString("releasedBy")).isEqualTo("expiry");
    assertThat(released.getLong("held")).isZero();
    assertThat(late.statusCode()).isEqualTo(409);
    assertThat(late.bodyAsJsonObject().getString("code")).isIn("authorization_not_active", "authorization_expired");
    assertBalance(c.payer, c.payerWallet, 5_000, 0);
    assertThat(c.payer.wallet(c.payerWallet).getLong("seq")).as("deposit, hold, one release").isEqualTo(3);
  }

  @Test
  @DisplayName("50 rounds of a capture and a void sent at once: exactly one of them wins each round, and the money "
    + "adds up (payer + merchant + fees = what was deposited)")
  void captureRacesVoid() {
    int rounds = 50;
    Checkout c = checkout(rounds * 100L, true);
    int captures = 0;
    for (int round = 0; round < rounds; round++) {
      String id = authorize(c, 100, LONG_EXPIRY_SECONDS);
      Future<HttpResponse<Buffer>> capture = postAsync(c.shop, captures(id), capture(100));
      Future<HttpResponse<Buffer>> voiding = postAsync(c.shop, voidPath(id), new JsonObject());
      Await.result(Future.join(capture, voiding));
      int captured = capture.result().statusCode();
      int voided = voiding.result().statusCode();
      assertThat(List.of(captured, voided)).as("round %d: %s / %s", round, capture.result().bodyAsString(),
        voiding.result().bodyAsString()).containsAnyOf(201, 200).contains(409);
      String status = c.payer.get("/v1/authorizations/" + id).bodyAsJsonObject().getString("status");
      assertThat(status).isEqualTo(captured == 201 ? "captured" : "released");
      captures += captured == 201 ? 1 : 0;
    }
    long merchantGot = captures * (100L - 3);
    assertBalance(c.payer, c.payerWallet, rounds * 100L - captures * 100L, 0);
    assertThat(c.shop.available(c.merchantWallet)).isEqualTo(merchantGot);
  }

  @Test
  @DisplayName("captures of 1 kept open keep coming while the authorization expires: the sweeper's release and the "
    + "captures never overlap; what was captured plus what was released is exactly the amount")
  void captureRacesExpiry() {
    Checkout c = checkout(1_000, true);
    String id = authorize(c, 1_000, 1);
    int[] captured = {0};
    Eventually.await("a capture refused after the expiry", Duration.ofSeconds(20), () -> {
      HttpResponse<Buffer> one = c.shop.post(captures(id), capture(1).put("keepOpen", true), newKey());
      if (one.statusCode() == 201) {
        captured[0]++;
        return false;
      }
      assertThat(one.statusCode()).as(one.bodyAsString()).isEqualTo(409);
      return true;
    });

    JsonObject released = c.payer.awaitStatus("/v1/authorizations/" + id, "released");
    assertThat(captured[0]).isPositive();
    assertThat(released.getLong("captured")).isEqualTo(captured[0]);
    assertThat(released.getString("releasedBy")).isEqualTo("expiry");
    assertBalance(c.payer, c.payerWallet, 1_000 - captured[0], 0);
    assertThat(c.shop.available(c.merchantWallet)).isEqualTo(captured[0]);
  }

  @Test
  @DisplayName("authorize, capture and void retried under their keys are applied once and replayed; a key reused "
    + "for another request is 422")
  void idempotentReplays() {
    Checkout c = checkout(10_000, true);
    String key = newKey();
    JsonObject body = authorization(c.payerWallet, c.merchantWallet, 2_000).put("expiresInSeconds", LONG_EXPIRY_SECONDS);

    HttpResponse<Buffer> first = c.payer.post("/v1/authorizations", body, key);
    HttpResponse<Buffer> again = c.payer.post("/v1/authorizations", body, key);
    HttpResponse<Buffer> other = c.payer.post("/v1/authorizations", body.copy().put("amount", 2_001), key);
    String id = first.bodyAsJsonObject().getString("id");
    String captureKey = newKey();
    HttpResponse<Buffer> captured = c.shop.post(captures(id), capture(500), captureKey);
    HttpResponse<Buffer> capturedAgain = c.shop.post(captures(id), capture(500), captureKey);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(id);
    assertProblem(other, 422, "idempotency_key_reused");
    assertThat(captured.statusCode()).isEqualTo(201);
    assertThat(capturedAgain.statusCode()).isEqualTo(201);
    assertThat(capturedAgain.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertThat(capturedAgain.bodyAsJsonObject().getJsonObject("payment").getString("id"))
      .isEqualTo(captured.bodyAsJsonObject().getJsonObject("payment").getString("id"));
    assertBalance(c.payer, c.payerWallet, 9_500, 0);
    assertThat(c.shop.available(c.merchantWallet)).isEqualTo(500 - 13);
    assertProblem(c.shop.post(voidPath(id), new JsonObject(), captureKey), 422, "idempotency_key_reused");
    String voidKey = newKey();
    String open = authorize(c, 1_000, LONG_EXPIRY_SECONDS);
    HttpResponse<Buffer> voided = c.shop.post(voidPath(open), new JsonObject(), voidKey);
    HttpResponse<Buffer> voidedAgain = c.shop.post(voidPath(open), new JsonObject(), voidKey);
    assertThat(voided.statusCode()).isEqualTo(200);
    assertThat(voidedAgain.statusCode()).isEqualTo(200);
    assertThat(voidedAgain.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertProblem(c.shop.post(captures(open), capture(100), voidKey), 422, "idempotency_key_reused");
    assertBalance(c.payer, c.payerWallet, 9_500, 0);
  }

  @Test
  @DisplayName("a capture of the whole authorization (no amount) retried under its key is replayed, though nothing is "
    + "held any more; another whole capture under a new key is 409")
  void wholeCaptureRetriedIsReplayed() {
    Checkout c = checkout(10_000, true);
    String id = authorize(c, 2_000, LONG_EXPIRY_SECONDS);
    String key = newKey();

    HttpResponse<Buffer> captured = c.shop.post(captures(id), new JsonObject(), key);
    HttpResponse<Buffer> again = c.shop.post(captures(id), new JsonObject(), key);

    assertThat(captured.statusCode()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertThat(again.bodyAsJsonObject().getJsonObject("payment").getString("id"))
      .isEqualTo(captured.bodyAsJsonObject().getJsonObject("payment").getString("id"));
    assertThat(again.bodyAsJsonObject().getJsonObject("payment").getLong("amount")).isEqualTo(2_000);
    assertProblem(c.shop.post(captures(id), new JsonObject(), newKey()), 409, "authorization_not_active");
    assertProblem(c.shop.post(captures(id), capture(2_000), key), 422, "idempotency_key_reused");
    assertBalance(c.payer, c.payerWallet, 8_000, 0);
  }

  @Test
  @DisplayName("a void of a captured authorization is 409, replayed as a void of a voided one is 200 replayed: the "
    + "authorization had ended before; retried under its key, the same (until 2026-12-07 no 409 said so)")
  void aRefusedVoidIsReplayed() {
    Checkout c = checkout(10_000, true);
    String id = authorize(c, 2_000, LONG_EXPIRY_SECONDS);
    assertThat(c.shop.post(captures(id), new JsonObject(), newKey()).statusCode()).isEqualTo(201);
    String key = newKey();

    HttpResponse<Buffer> refused = c.shop.post(voidPath(id), new JsonObject(), key);
    HttpResponse<Buffer> again = c.shop.post(voidPath(id), new JsonObject(), key);

    assertProblem(refused, 409, "authorization_not_active");
    assertThat(refused.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertProblem(again, 409, "authorization_not_active");
    assertThat(again.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertThat(again.bodyAsJsonObject().getString("authorizationStatus")).isEqualTo("captured");
    assertBalance(c.payer, c.payerWallet, 8_000, 0);
  }

  @Test
  @DisplayName("a captured amount is refunded through the payment's refund route, up to what was captured")
  void refundOfACapture() {
    Checkout c = checkout(10_000, true);
    c.shop.deposit(c.merchantWallet, 1_000);
    String id = authorize(c, 4_000, LONG_EXPIRY_SECONDS);
    String paymentId = c.shop.post(captures(id), capture(2_000), newKey()).bodyAsJsonObject()
      .getJsonObject("payment").getString("id");
    String refunds = "/v1/payments/" + paymentId + "/refunds";

    HttpResponse<Buffer> refunded = c.shop.post(refunds, refund(1_500), newKey());
    HttpResponse<Buffer> tooMuch = c.shop.post(refunds, refund(501), newKey());

    assertThat(refunded.statusCode()).as(refunded.bodyAsString()).isEqualTo(201);
    assertProblem(tooMuch, 422, "refund_exceeds_payment");
    assertBalance(c.payer, c.payerWallet, 10_000 - 2_000 + 1_500, 0);
    assertThat(c.shop.available(c.merchantWallet)).isEqualTo(1_000 + 2_000 - 50 - 1_500);
  }

  @Test
  @DisplayName("a merchant on another shard: the capture goes through the saga (201 or 202) and completes, and its "
    + "replay answers the completed payment with its authorization; a refund comes back across shards too")
  void merchantOnAnotherShard() {
    Checkout c = checkout(10_000, false);
    String id = authorize(c, 3_000, LONG_EXPIRY_SECONDS);

    String key = newKey();
    HttpResponse<Buffer> captured = c.shop.post(captures(id), capture(1_200), key);

    assertThat(captured.statusCode()).as(captured.bodyAsString()).isIn(201, 202);
    String paymentId = captured.bodyAsJsonObject().getJsonObject("payment").getString("id");
    c.payer.awaitStatus("/v1/payments/" + paymentId, "completed");
    HttpResponse<Buffer> replayed = c.shop.post(captures(id), capture(1_200), key);
    assertThat(replayed.statusCode()).as(replayed.bodyAsString()).isEqualTo(201);
    assertThat(replayed.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertThat(replayed.bodyAsJsonObject().getJsonObject("payment").getString("id")).isEqualTo(paymentId);
    assertThat(replayed.bodyAsJsonObject().getJsonObject("authorization").getLong("captured")).isEqualTo(1_200);
    assertBalance(c.payer, c.payerWallet, 8_800, 0);
    assertThat(c.shop.available(c.merchantWallet)).isEqualTo(1_200 - 30);
    HttpResponse<Buffer> refunded = c.shop.post("/v1/payments/" + paymentId + "/refunds", refund(1_000), newKey());
    assertThat(refunded.statusCode()).as(refunded.bodyAsString()).isIn(201, 202);
    Eventually.await("the refund to reach the payer", Duration.ofSeconds(20),
      () -> c.payer.available(c.payerWallet) == 9_800);
  }

  /** Until 2026-12-07 such a refusal named no payment, though the payer's money had moved and come back. */
  @Test
  @DisplayName("a capture to a merchant on another shard frozen since the authorization is reversed, and its refusal "
    + "names the reversed payment, as a payment's does")
  void aCaptureReversedNamesItsPayment() {
    Checkout c = checkout(10_000, false);
    String id = authorize(c, 3_000, LONG_EXPIRY_SECONDS);
    Await.result(edge.cache.setStatus(new WalletId(c.merchantWallet), WalletStatus.FROZEN, "risk review"));

    HttpResponse<Buffer> captured = c.shop.post(captures(id), capture(1_200), newKey());

    assertProblem(captured, 422, "wallet_inactive");
    String paymentId = captured.bodyAsJsonObject().getString("paymentId");
    assertThat(paymentId).as(captured.bodyAsString()).isNotNull();
    assertThat(captured.bodyAsJsonObject().getString("paymentStatus")).isEqualTo("reversed");
    assertThat(c.payer.get("/v1/payments/" + paymentId).bodyAsJsonObject().getString("status")).isEqualTo("reversed");
    assertBalance(c.payer, c.payerWallet, 10_000, 0);
  }

  @Test
  @DisplayName("bad requests: capture beyond the hold (422), after a void (409), of an unknown id (404), by a payer "
    + "(403), by another customer (404, not visible), a too long expiry (400), no key (400)")
  void problems() {
    Checkout c = checkout(5_000, true);
    ApiCaller mallory = edge.newUser("user", "merchant");
    String id = authorize(c, 1_000, LONG_EXPIRY_SECONDS);

    assertProblem(c.shop.post(captures(id), capture(1_001), newKey()), 422, "capture_exceeds_authorization");
    assertProblem(c.payer.post(captures(id), capture(100), newKey()), 403, "forbidden");
    assertProblem(mallory.post(captures(id), capture(100), newKey()), 404, "not_found");
    assertProblem(mallory.get("/v1/authorizations/" + id), 404, "not_found");
    assertProblem(mallory.post(voidPath(id), new JsonObject(), newKey()), 404, "not_found");
    assertProblem(c.shop.get("/v1/authorizations/h0001_" + "0".repeat(24)), 404, "not_found");
    assertProblem(c.shop.get("/v1/authorizations/nonsense"), 404, "not_found");
    assertProblem(c.shop.post(captures("h0001_" + "0".repeat(24)), capture(1), newKey()), 404, "not_found");
    assertProblem(c.payer.post("/v1/authorizations", authorization(c.payerWallet, c.merchantWallet, 100)
      .put("expiresInSeconds", 3_601), newKey()), 400, "invalid_request");
    assertProblem(c.payer.post("/v1/authorizations", authorization(c.payerWallet, c.merchantWallet, 100),
      Optional.empty()), 400, "idempotency_key_missing");
    assertProblem(c.payer.post("/v1/authorizations", authorization(c.payerWallet, c.merchantWallet, 9_000),
      newKey()), 422, "insufficient_funds");
    assertThat(c.shop.post(voidPath(id), new JsonObject(), newKey()).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> afterVoid = c.shop.post(captures(id), capture(100), newKey());
    assertProblem(afterVoid, 409, "authorization_not_active");
    // as a void's 409 says (until 2026-12-06 a capture's did not)
    assertThat(afterVoid.bodyAsJsonObject().getString("authorizationStatus")).isEqualTo("released");
    assertThat(afterVoid.bodyAsJsonObject().getString("releasedBy")).isEqualTo("void");
    assertBalance(c.payer, c.payerWallet, 5_000, 0);
  }

  @Test
  @DisplayName("an authorization or a payment to a merchant wallet of another currency is refused up front (422 "
    + "currency_mismatch), wherever its shard: nothing held, nothing moved")
  void anotherCurrencysMerchant() {
    Checkout c = checkout(5_000, true);
    HttpResponse<Buffer> opened = c.shop.post("/v1/wallets", new JsonObject().put("currency", "EUR")
      .put("type", "merchant"), Optional.empty());
    assertThat(opened.statusCode()).as(opened.bodyAsString()).isEqualTo(201);
    String euros = opened.bodyAsJsonObject().getString("id");

    assertProblem(c.payer.post("/v1/authorizations", authorization(c.payerWallet, euros, 1_000), newKey()), 422,
      "currency_mismatch");
    assertProblem(c.payer.post("/v1/payments", PaymentsApiTest.payment(c.payerWallet, euros, 1_000), newKey()), 422,
      "currency_mismatch");
    assertBalance(c.payer, c.payerWallet, 5_000, 0);
  }

  @Test
  @DisplayName("the payer's live feed shows the held amount moving: held at authorization, out at capture")
  void liveFeedShowsTheHold(Vertx vertx) {
    Checkout c = checkout(5_000, true);
    LiveSocket socket = LiveSocket.open(vertx, edge.port(), c.payerWallet, c.payer.token());
    socket.awaitSnapshot();

    String id = authorize(c, 1_500, LONG_EXPIRY_SECONDS);
    c.shop.post(captures(id), capture(1_500), newKey());

    assertThat(socket.awaitBalance(2)).isEqualTo(new JsonObject().put("type", "balance").put("walletId", c.payerWallet)
      .put("available", 3_500).put("held", 1_500).put("seq", 2).put("transactionId", id));
    JsonObject captured = socket.awaitBalance(3);
    assertThat(captured.getLong("held")).isZero();
    assertThat(captured.getLong("available")).isEqualTo(3_500);
    socket.socket.close();
  }

  @Test
  @DisplayName("limits are counted at authorization, as for a payment (daily merchant_payment of 7,000), and given "
    + "back by a void, by an expiry, and for the part a capture releases")
  void limitsCountedAndGivenBack(Vertx vertx) {
    LimitsEdges cluster = new LimitsEdges(vertx);
    try {
      EdgeFixture limited = cluster.start(Optional.empty());
      LimitsApiTest.publish(limited, TestRules.rules("full", 5_000, 7_000, 1_000));
      ApiCaller payer = limited.newUser();
      ApiCaller shop = limited.newUser("user", "merchant");
      String wallet = payer.openWallet();
      payer.deposit(wallet, 50_000);
      String merchant = new MoneyCore(limited.cache).openMerchant(shop.id(), Optional.of(new WalletId(wallet))).value();
      Checkout c = new Checkout(payer, wallet, shop, merchant);

      String first = authorize(c, 4_000, LONG_EXPIRY_SECONDS);
      assertProblem(payer.post("/v1/authorizations", authorization(wallet, merchant, 4_000), newKey()), 422,
        "limit_exceeded");
      assertThat(shop.post(voidPath(first), new JsonObject(), newKey()).statusCode()).isEqualTo(200);
      String expiring = authorize(c, 4_000, 1);
      assertProblem(payer.post("/v1/authorizations", authorization(wallet, merchant, 4_000), newKey()), 422,
        "limit_exceeded");
      Eventually.await("the expired authorization to be released", Duration.ofSeconds(20),
        () -> Await.result(limited.cache.releaseExpiredAuthorizations()) >= 0
          && "released".equals(payer.get("/v1/authorizations/" + expiring).bodyAsJsonObject().getString("status")));
      String partial = authorize(c, 4_000, LONG_EXPIRY_SECONDS);
      assertThat(shop.post(captures(partial), capture(1_000), newKey()).statusCode()).isEqualTo(201);
      String rest = authorize(c, 4_000, LONG_EXPIRY_SECONDS);
      assertProblem(payer.post("/v1/authorizations", authorization(wallet, merchant, 2_001), newKey()), 422,
        "limit_exceeded");
      assertThat(shop.post(captures(rest), capture(4_000), newKey()).statusCode()).isEqualTo(201);
      assertBalance(payer, wallet, 50_000 - 5_000, 0);
    } finally {
      cluster.close();
    }
  }

  @Test
  @DisplayName("a retry of an authorization whose expiry the lowered maximum no longer allows is replayed, not refused "
    + "400: the hold placed stays the one it names; a new request asking as long is refused")
  void aRetryPastALoweredMaximumExpiryReplays(Vertx vertx) {
    // the edge of before the maximum was lowered to this class's 3600 s
    EdgeFixture before = EdgeFixture.start(vertx, Map.of("WALLET_AUTH_MAX_EXPIRY_SECONDS", "7200",
      "WALLET_AUTH_DEFAULT_EXPIRY_SECONDS", "900"));
    try {
      Checkout c = checkout(10_000, true);
      ApiCaller payerBefore = before.as(c.payer.id(), "user");
      JsonObject asked = authorization(c.payerWallet, c.merchantWallet, 3_000).put("expiresInSeconds", 7_200);
      String key = newKey();
      HttpResponse<Buffer> authorized = payerBefore.post("/v1/authorizations", asked, key);
      HttpResponse<Buffer> retried = c.payer.post("/v1/authorizations", asked, key);
      HttpResponse<Buffer> anew = c.payer.post("/v1/authorizations", asked, newKey());

      assertThat(authorized.statusCode()).as(authorized.bodyAsString()).isEqualTo(201);
      assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(201);
      assertThat(retried.getHeader("Idempotent-Replayed")).isEqualTo("true");
      assertThat(retried.bodyAsJsonObject()).isEqualTo(authorized.bodyAsJsonObject());
      assertProblem(anew, 400, "invalid_request");
      assertBalance(c.payer, c.payerWallet, 7_000, 3_000);
    } finally {
      before.close();
    }
  }

  @Test
  @DisplayName("retries after the configured default expiry and the merchant's fee changed replay the authorization and "
    + "its capture: neither is part of the client's request")
  void retriesAfterTheConfigurationChangedReplay(Vertx vertx) {
    EdgeFixture reconfigured = EdgeFixture.start(vertx, Map.of("WALLET_FEE_DEFAULT_BPS", "100",
      "WALLET_AUTH_MAX_EXPIRY_SECONDS", "3600", "WALLET_AUTH_DEFAULT_EXPIRY_SECONDS", "600"));
    try {
      Checkout c = checkout(10_000, true);
      ApiCaller payerThere = reconfigured.as(c.payer.id(), "user");
      ApiCaller shopThere = reconfigured.as(c.shop.id(), "user", "merchant");
      JsonObject asked = authorization(c.payerWallet, c.merchantWallet, 3_000);
      String authKey = newKey();
      HttpResponse<Buffer> authorized = c.payer.post("/v1/authorizations", asked, authKey);
      HttpResponse<Buffer> authorizedAgain = payerThere.post("/v1/authorizations", asked, authKey);
      String id = authorized.bodyAsJsonObject().getString("id");
      String captureKey = newKey();
      HttpResponse<Buffer> captured = c.shop.post(captures(id), capture(1_000).put("keepOpen", true), captureKey);
      HttpResponse<Buffer> capturedAgain = shopThere.post(captures(id), capture(1_000).put("keepOpen", true),
        captureKey);

      assertThat(authorized.statusCode()).as(authorized.bodyAsString()).isEqualTo(201);
      assertThat(authorizedAgain.statusCode()).as(authorizedAgain.bodyAsString()).isEqualTo(201);
      assertThat(authorizedAgain.getHeader("Idempotent-Replayed")).isEqualTo("true");
      assertThat(authorizedAgain.bodyAsJsonObject()).isEqualTo(authorized.bodyAsJsonObject());
      assertThat(captured.statusCode()).as(captured.bodyAsString()).isEqualTo(201);
      assertThat(captured.bodyAsJsonObject().getJsonObject("payment").getLong("fee")).isEqualTo(25);
      assertThat(capturedAgain.statusCode()).as(capturedAgain.bodyAsString()).isEqualTo(201);
      assertThat(capturedAgain.getHeader("Idempotent-Replayed")).isEqualTo("true");
      assertThat(capturedAgain.bodyAsJsonObject()).isEqualTo(captured.bodyAsJsonObject());
      assertBalance(c.payer, c.payerWallet, 7_000, 2_000);
      assertBalance(c.shop, c.merchantWallet, 975, 0);
    } finally {
      reconfigured.close();
    }
  }

  // ------------------------------------------------------------------ helpers

  private record Checkout(ApiCaller payer, String payerWallet, ApiCaller shop, String merchantWallet) {
  }

  /** A payer with {@code deposit} and a merchant wallet on the payer's shard or on another one. */
  private static Checkout checkout(long deposit, boolean sameShard) {
    ApiCaller payer = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payerWallet = payer.openWallet();
    payer.deposit(payerWallet, deposit);
    String merchant = sameShard ? core.openMerchant(shop.id(), Optional.of(new WalletId(payerWallet))).value()
      : shop.openWalletElsewhere(payerWallet, "merchant");
    return new Checkout(payer, payerWallet, shop, merchant);
  }

  private static String authorize(Checkout c, long amount, long expiresInSeconds) {
    HttpResponse<Buffer> authorized = c.payer.post("/v1/authorizations",
      authorization(c.payerWallet, c.merchantWallet, amount).put("expiresInSeconds", expiresInSeconds), newKey());
    assertThat(authorized.statusCode()).as(authorized.bodyAsString()).isEqualTo(201);
    return authorized.bodyAsJsonObject().getString("id");
  }

  private static void assertBalance(ApiCaller owner, String wallet, long available, long held) {
    JsonObject balance = owner.wallet(wallet).getJsonObject("balance");
    assertThat(balance.getLong("available")).as("available of %s", wallet).isEqualTo(available);
    assertThat(balance.getLong("held")).as("held of %s", wallet).isEqualTo(held);
  }

  private static List<JsonObject> awaitEntries(ApiCaller owner, String wallet, int count) {
    JsonArray[] last = new JsonArray[1];
    Eventually.await(count + " entries of " + wallet + " in the ledger", Duration.ofSeconds(20), () -> {
      HttpResponse<Buffer> read = owner.get("/v1/wallets/" + wallet + "/entries?limit=50");
      last[0] = read.statusCode() == 200 ? read.bodyAsJsonObject().getJsonArray("entries") : null;
      return last[0] != null && last[0].size() >= count;
    });
    return last[0].stream().map(JsonObject.class::cast).collect(Collectors.toList());
  }

  private static Future<HttpResponse<Buffer>> postAsync(ApiCaller caller, String path, JsonObject body) {
    return caller.http().post(path).putHeader("Authorization", "Bearer " + caller.token())
      .putHeader("Content-Type", "application/json").putHeader("Idempotency-Key", newKey())
      .sendBuffer(Buffer.buffer(body.encode()));
  }

  static JsonObject authorization(String from, String merchant, long amount) {
    return new JsonObject().put("fromWalletId", from).put("merchantWalletId", merchant).put("amount", amount)
      .put("currency", "USD");
  }

  static JsonObject capture(long amount) {
    return new JsonObject().put("amount", amount);
  }

  private static String captures(String id) {
    return "/v1/authorizations/" + id + "/captures";
  }

  private static String voidPath(String id) {
    return "/v1/authorizations/" + id + "/void";
  }
}
