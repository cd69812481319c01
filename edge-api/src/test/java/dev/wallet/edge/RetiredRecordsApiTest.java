package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.PaymentsApiTest.completedPayment;
import static dev.wallet.edge.PaymentsApiTest.refund;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.Credited;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.ledger.LedgerWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Records retired by a posting expire from the hot tier a retention after the ledger has that
 * posting, here 1 s. A payment's records (its movement record, and the payment record that bounds
 * its refunds): reads then come from the ledger, and a refund that finds the payment record gone
 * restores it from there, once the ledger has every change made to it. Ended holds: a withdrawal's
 * ending asked again, and an authorization's read, void and capture, are answered from the ledger.
 */
@ExtendWith(VertxExtension.class)
class RetiredRecordsApiTest {

  private static final long RETENTION_MS = 1_000;
  private static final String HOT_SHOP = "shop-hot-" + UUID.randomUUID();
  private static Vertx vertx;
  private static EdgeFixture edge;
  private static MoneyCore core;
  private static Redis redis;
  private static LedgerWriter writer;

  @BeforeAll
  static void start(Vertx testVertx) {
    vertx = testVertx;
    edge = EdgeFixture.start(vertx, Map.of("WALLET_STRIPED_MERCHANT_OWNERS", HOT_SHOP), new JsonObject(),
      EdgeMetrics.newRegistry());
    core = new MoneyCore(edge.cache);
    redis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
    writer = EdgeFixture.startLedgerWriter(vertx, "payment-records", RETENTION_MS);
  }

  @AfterAll
  static void stop() {
    Await.result(writer.stop());
    redis.close();
    edge.close();
  }

  @Test
  @DisplayName("a payment's records expire once the ledger has them; it then reads the same from the ledger, and "
    + "refunds restore its bound from there: on one shard, across shards and through a credit stripe")
  void paymentsOutliveTheirRecords() {
    for (String route : List.of("same shard", "saga", "stripe")) {
      ApiCaller shop = route.equals("stripe") ? edge.as(HOT_SHOP, "user", "merchant") : edge.newUser("user", "merchant");
      String merchant = route.equals("stripe") ? shop.openMerchantWallet() : null;
      ApiCaller alice = merchant != null ? edge.usersOnOtherShards(merchant, 1).get(0) : edge.newUser();
      String payer = alice.openWallet();
      alice.deposit(payer, 10_000);
      if (merchant == null) {
        merchant = route.equals("same shard") ? core.openMerchant(shop.id(), Optional.of(new WalletId(payer))).value()
          : shop.openWalletElsewhere(payer, "merchant");
      }
      shop.deposit(merchant, 5_000);
      HttpResponse<Buffer> paid = alice.post("/v1/payments",
        PaymentsApiTest.payment(payer, merchant, 1_000).put("orderRef", "order-" + route), newKey());
      String paymentId = paid.bodyAsJsonObject().getString("id");
      alice.awaitStatus("/v1/payments/" + paymentId, "completed");
      JsonObject hot = alice.get("/v1/payments/" + paymentId).bodyAsJsonObject();
      String refunds = "/v1/payments/" + paymentId + "/refunds";
      String movementRecord = new WalletId(payer).shard().tag() + ":x:" + paymentId;
      String paymentRecord = (route.equals("saga") ? new WalletId(merchant) : new WalletId(payer)).shard().tag()
        + ":pay:" + paymentId;

      HttpResponse<Buffer> whileHot = shop.post(refunds, refund(300), newKey());
      awaitGone(movementRecord);
      awaitGone(paymentRecord);
      awaitRefunded(alice, paymentId, 300);
      HttpResponse<Buffer> fromLedger = alice.get("/v1/payments/" + paymentId);
      HttpResponse<Buffer> toTheMerchant = shop.get("/v1/payments/" + paymentId);
      HttpResponse<Buffer> toAStranger = edge.newUser().get("/v1/payments/" + paymentId);
      HttpResponse<Buffer> restoring = shop.post(refunds, refund(600), newKey());
      HttpResponse<Buffer> beyond = shop.post(refunds, refund(101), newKey());
      HttpResponse<Buffer> last = shop.post(refunds, refund(100), newKey());

      assertThat(paid.statusCode()).as(route + ": " + paid.bodyAsString()).isIn(201, 202);
      assertThat(whileHot.statusCode()).as(route + ": " + whileHot.bodyAsString()).isIn(201, 202);
      assertThat(fromLedger.bodyAsJsonObject()).as(route).isEqualTo(hot.copy().put("refunded", 300));
      assertThat(toTheMerchant.bodyAsJsonObject()).as(route + ", to the merchant")
        .isEqualTo(hot.copy().put("refunded", 300));
      assertProblem(toAStranger, 404, "not_found");
      assertThat(restoring.statusCode()).as(route + ": " + restoring.bodyAsString()).isIn(201, 202);
      assertProblem(beyond, 422, "refund_exceeds_payment");
      assertThat(last.statusCode()).as(route + ": " + last.bodyAsString()).isIn(201, 202);
      awaitRefunded(alice, paymentId, 1_000);
      assertThat(alice.available(payer)).as(route).isEqualTo(10_000);
    }
  }

  @Test
  @DisplayName("a refund made while the ledger is behind is counted when the record expires meanwhile: the next refund "
    + "waits for the ledger (503 while it is stopped) and is then bounded by both")
  void restoreWaitsForTheLedger() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    String merchant = core.openMerchant(shop.id(), Optional.of(new WalletId(payer))).value();
    shop.deposit(merchant, 5_000);
    String paymentId = completedPayment(alice, payer, merchant, 1_000);
    String refunds = "/v1/payments/" + paymentId + "/refunds";
    String record = new WalletId(merchant).shard().tag() + ":pay:" + paymentId;
    Eventually.await("the ledger to commit the payment and retire its record", Duration.ofSeconds(30),
      () -> ttlMs(record) > 0);
    Await.result(writer.stop());

    HttpResponse<Buffer> unseenByTheLedger = shop.post(refunds, refund(600), newKey());
    awaitGone(record);
    String key = newKey();
    HttpResponse<Buffer> whileBehind = shop.post(refunds, refund(500), key);
    writer = EdgeFixture.startLedgerWriter(vertx, "payment-records", RETENTION_MS);
    HttpResponse<Buffer> caughtUp = shop.post(refunds, refund(500), key);
    HttpResponse<Buffer> within = shop.post(refunds, refund(400), newKey());

    assertThat(unseenByTheLedger.statusCode()).as(unseenByTheLedger.bodyAsString()).isEqualTo(201);
    assertProblem(whileBehind, 503, "unavailable");
    assertProblem(caughtUp, 422, "refund_exceeds_payment");
    assertThat(within.statusCode()).as(within.bodyAsString()).isEqualTo(201);
    assertThat(alice.available(payer)).isEqualTo(10_000);
  }

  @Test
  @DisplayName("20 concurrent refunds of a payment whose records have expired, on one shard and across shards: they "
    + "restore the bound once between them, and exactly as many as the payment covers are paid")
  void concurrentRefundsOfAColdPayment() {
    for (boolean sameShard : List.of(true, false)) {
      ApiCaller alice = edge.newUser();
      ApiCaller shop = edge.newUser("user", "merchant");
      String payer = alice.openWallet();
      alice.deposit(payer, 10_000);
      String merchant = sameShard ? core.openMerchant(shop.id(), Optional.of(new WalletId(payer))).value()
        : shop.openWalletElsewhere(payer, "merchant");
      shop.deposit(merchant, 5_000);
      String paymentId = completedPayment(alice, payer, merchant, 1_000);
      awaitGone(new WalletId(sameShard ? payer : merchant).shard().tag() + ":pay:" + paymentId);
      awaitGone(new WalletId(payer).shard().tag() + ":x:" + paymentId);

      List<Future<HttpResponse<Buffer>>> refunds = IntStream.range(0, 20).mapToObj(i -> shop.http()
        .post("/v1/payments/" + paymentId + "/refunds").putHeader("Authorization", "Bearer " + shop.token())
        .putHeader("Content-Type", "application/json").putHeader("Idempotency-Key", newKey())
        .sendBuffer(Buffer.buffer(refund(150).encode()))).toList();
      Await.result(Future.join(refunds), 60);

      // a refund across shards is 202 when its saga is left to the sweeper: accepted all the same
      Map<String, Long> byOutcome = refunds.stream().map(answer -> answer.result().statusCode())
        .collect(Collectors.groupingBy(status -> status == 202 ? "201" : Integer.toString(status), Collectors.counting()));
      assertThat(byOutcome).as(sameShard ? "same shard" : "across shards").isEqualTo(Map.of("201", 6L, "422", 14L));
      awaitRefunded(alice, paymentId, 900);
      Eventually.await("the payer to hold what the refunds paid", Duration.ofSeconds(30),
        () -> alice.available(payer) == 10_000 - 1_000 + 900);
    }
  }

  @Test
  @DisplayName("a withdrawal's hold record expires once the ledger has its ending; ending it again, either way, answers "
    + "that first ending from the ledger, as a replay that moves nothing; a hold never placed is not found")
  void holdsOutliveTheirRecords() {
    for (HoldView.HoldStatus ending : List.of(HoldView.HoldStatus.SETTLED, HoldView.HoldStatus.RELEASED)) {
      String owner = MoneyCore.owner();
      WalletId wallet = core.funded(owner, 5_000);
      Outcome<HoldView> held = Await.result(edge.cache.placeHold(new PlaceHold(wallet, Money.of(2_000, "USD"), owner,
        "withdrawal-" + UUID.randomUUID(), MoneyCore.key("hold"))));
      HoldId hold = held.value().id();
      Outcome<HoldView> ended = Await.result(end(hold, ending));
      awaitGone(hold.shard().tag() + ":h:" + hold.value());

      Outcome<HoldView> again = Await.result(end(hold, ending));
      Outcome<HoldView> otherwise = Await.result(end(hold, ending == HoldView.HoldStatus.SETTLED
        ? HoldView.HoldStatus.RELEASED : HoldView.HoldStatus.SETTLED));

      assertThat(ended.code()).as(ending.name()).isEqualTo(OutcomeCode.OK);
      assertThat(ended.value().status()).isEqualTo(ending);
      assertThat(again).as(ending.name()).isEqualTo(new Outcome<>(OutcomeCode.OK, ended.value(), true));
      assertThat(otherwise).as(ending.name()).isEqualTo(new Outcome<>(OutcomeCode.OK, ended.value(), true));
      assertThat(core.wallet(wallet).available()).as(ending.name())
        .isEqualTo(ending == HoldView.HoldStatus.SETTLED ? 3_000 : 5_000);
      assertThat(core.wallet(wallet).held()).as(ending.name()).isZero();
    }
    Outcome<HoldView> neverPlaced = Await.result(edge.cache.releaseHold(HoldId.random(core.open("nobody").shard())));
    assertThat(neverPlaced.code()).isEqualTo(OutcomeCode.HOLD_NOT_FOUND);
  }

  @Test
  @DisplayName("a credit asked again once its idempotency record has expired (a deposit driven again a day later) is "
    + "answered from the ledger as a replay, not booked twice")
  void aCreditAskedAgainAfterItsRecordIsNotBookedTwice() {
    WalletId wallet = core.open(MoneyCore.owner());
    IdempotencyKey key = MoneyCore.key("deposit");
    Credit deposit = new Credit(wallet, Money.of(700, "USD"), SystemAccount.clearing("sandbox", MoneyCore.USD),
      PostingType.DEPOSIT, "d-" + UUID.randomUUID(), key);
    Outcome<Credited> first = Await.result(edge.cache.credit(deposit));
    awaitGone(wallet.shard().tag() + ":idem:" + key.digest());

    Outcome<Credited> again = Await.result(edge.cache.credit(deposit));
    Outcome<Credited> anotherAmount = Await.result(edge.cache.credit(new Credit(wallet, Money.of(800, "USD"),
      deposit.from(), PostingType.DEPOSIT, deposit.reference(), MoneyCore.key("deposit"))));

    assertThat(first.code()).isEqualTo(OutcomeCode.OK);
    assertThat(again).isEqualTo(new Outcome<>(OutcomeCode.OK, first.value(), true));
    assertThat(anotherAmount.code()).as("another amount under the posting id").isEqualTo(
      OutcomeCode.IDEMPOTENCY_KEY_REUSED);
    assertThat(core.available(wallet)).isEqualTo(700);
  }

  @Test
  @DisplayName("a hold asked again under its key after the key's record expired is answered from the ledger, as a "
    + "replay that holds nothing more, while it is active and once it is settled (a chargeback driven again); another "
    + "amount under the key is 422 key reused")
  void aHoldAskedAgainAfterItsRecordIsNotPlacedTwice() {
    String owner = MoneyCore.owner();
    WalletId wallet = core.funded(owner, 5_000);
    PlaceHold chargeback = new PlaceHold(wallet, Money.of(2_000, "USD"), "*", "d-" + UUID.randomUUID() + ".chargeback",
      MoneyCore.key("chargeback"));
    Outcome<HoldView> placed = Await.result(edge.cache.placeHold(chargeback));
    awaitGone(wallet.shard().tag() + ":idem:" + chargeback.idempotencyKey().digest());

    Outcome<HoldView> whileActive = Await.result(edge.cache.placeHold(chargeback));
    Outcome<HoldView> anotherAmount = Await.result(edge.cache.placeHold(new PlaceHold(wallet, Money.of(1_000, "USD"),
      "*", chargeback.reference(), chargeback.idempotencyKey())));
    assertThat(core.wallet(wallet).held()).as("held while active").isEqualTo(2_000);
    Outcome<HoldView> settled = Await.result(end(placed.value().id(), HoldView.HoldStatus.SETTLED));
    awaitGone(wallet.shard().tag() + ":h:" + placed.value().id().value());
    Outcome<HoldView> onceSettled = Await.result(edge.cache.placeHold(chargeback));
    Outcome<HoldView> settledAgain = Await.result(end(onceSettled.value().id(), HoldView.HoldStatus.SETTLED));

    assertThat(placed.code()).isEqualTo(OutcomeCode.OK);
    assertThat(whileActive).isEqualTo(new Outcome<>(OutcomeCode.OK, placed.value(), true));
    assertThat(anotherAmount.code()).as("another amount under the key").isEqualTo(OutcomeCode.IDEMPOTENCY_KEY_REUSED);
    assertThat(onceSettled).isEqualTo(new Outcome<>(OutcomeCode.OK, placed.value(), true));
    assertThat(settledAgain).isEqualTo(new Outcome<>(OutcomeCode.OK, settled.value(), true));
    assertThat(core.wallet(wallet).available()).isEqualTo(3_000);
    assertThat(core.wallet(wallet).held()).isZero();
  }

  @Test
  @DisplayName("a payout returned after its hold's record expired gives back what the hold counted against its "
    + "owner's limits, as the ledger's posting of the hold names the counters")
  void aReturnAfterTheHoldsRecordGivesBackItsLimits() {
    String owner = MoneyCore.owner();
    WalletId wallet = core.funded(owner, 5_000);
    List<LimitCheck> daily = List.of(new LimitCheck("daily withdrawal", "withdrawal:USD:day:" + UUID.randomUUID(),
      2_000, -1, 3_600_000));
    HoldId hold = Await.result(edge.cache.placeHold(new PlaceHold(wallet, Money.of(2_000, "USD"), owner,
      "withdrawal-" + UUID.randomUUID(), MoneyCore.key("hold"), daily))).value().id();
    assertThat(Await.result(end(hold, HoldView.HoldStatus.SETTLED)).code()).isEqualTo(OutcomeCode.OK);
    awaitGone(hold.shard().tag() + ":h:" + hold.value());
    assertThat(Await.result(edge.cache.placeHold(anotherHold(wallet, owner, daily))).code())
      .as("the window is used up").isEqualTo(OutcomeCode.LIMIT_EXCEEDED);

    Outcome<Credited> returned = Await.result(edge.cache.credit(new Credit(wallet, Money.of(2_000, "USD"),
      SystemAccount.clearing("sandbox", MoneyCore.USD), PostingType.WITHDRAWAL_RETURN, "return-" + UUID.randomUUID(),
      MoneyCore.key("return"), Optional.of(hold))));

    assertThat(returned.code()).isEqualTo(OutcomeCode.OK);
    assertThat(Await.result(edge.cache.placeHold(anotherHold(wallet, owner, daily))).code()).isEqualTo(OutcomeCode.OK);
  }

  private static PlaceHold anotherHold(WalletId wallet, String owner, List<LimitCheck> limits) {
    return new PlaceHold(wallet, Money.of(2_000, "USD"), owner, "withdrawal-" + UUID.randomUUID(),
      MoneyCore.key("hold"), limits);
  }

  @Test
  @DisplayName("an authorization's record expires once the ledger has what ended it; it then reads the same from the "
    + "ledger, a void answers as before (replayed, or 409 when it did not end by a void), a capture is 409: voided, "
    + "captured on the payer's shard, captured across shards with the rest released, kept open then voided, expired; "
    + "a void or a capture under a key since used for another request is 422 key reused, as while the record lasts, "
    + "and a void's or a capture's key answered from the ledger acts on no other authorization")
  void authorizationsOutliveTheirRecords() {
    for (String ending : List.of("voided", "captured", "captured across shards", "kept open, voided", "expired")) {
      ApiCaller alice = edge.newUser();
      ApiCaller shop = edge.newUser("user", "merchant");
      String payer = alice.openWallet();
      alice.deposit(payer, 10_000);
      String merchant = ending.equals("captured across shards") ? shop.openWalletElsewhere(payer, "merchant")
        : core.openMerchant(shop.id(), Optional.of(new WalletId(payer))).value();
      HttpResponse<Buffer> authorized = alice.post("/v1/authorizations", AuthorizationsApiTest.authorization(payer,
        merchant, 1_000).put("orderRef", "cart-" + ending).put("expiresInSeconds", ending.equals("expired") ? 1 : 600),
        newKey());
      String id = authorized.bodyAsJsonObject().getString("id");
      String path = "/v1/authorizations/" + id;
      switch (ending) {
        case "voided" -> shop.post(path + "/void", new JsonObject(), newKey());
        case "captured" -> shop.post(path + "/captures", new JsonObject(), newKey());
        case "captured across shards" -> shop.post(path + "/captures", AuthorizationsApiTest.capture(400), newKey());
        case "kept open, voided" -> {
          shop.post(path + "/captures", AuthorizationsApiTest.capture(300).put("keepOpen", true), newKey());
          shop.post(path + "/void", new JsonObject(), newKey());
        }
        default -> Eventually.await(id + " released at its expiry", Duration.ofSeconds(20), () ->
          Await.result(edge.cache.releaseExpiredAuthorizations()) >= 0
            && "released".equals(alice.get(path).bodyAsJsonObject().getString("status")));
      }
      JsonObject hot = alice.get(path).bodyAsJsonObject();
      HttpResponse<Buffer> voidedHot = shop.post(path + "/void", new JsonObject(), newKey());
      awaitGone(new WalletId(payer).shard().tag() + ":h:" + id);

      HttpResponse<Buffer> fromLedger = alice.get(path);
      HttpResponse<Buffer> toTheMerchant = shop.get(path);
      HttpResponse<Buffer> toAStranger = edge.newUser().get(path);
      String voidKey = newKey();
      String captureKey = newKey();
      HttpResponse<Buffer> voided = shop.post(path + "/void", new JsonObject(), voidKey);
      HttpResponse<Buffer> captured = shop.post(path + "/captures", AuthorizationsApiTest.capture(100), captureKey);
      // until 2026-12-07 those answers were not recorded, and their keys then acted on another authorization
      String other = "/v1/authorizations/" + alice.post("/v1/authorizations", AuthorizationsApiTest.authorization(payer,
        merchant, 500), newKey()).bodyAsJsonObject().getString("id");
      HttpResponse<Buffer> voidKeyElsewhere = shop.post(other + "/void", new JsonObject(), voidKey);
      HttpResponse<Buffer> captureKeyElsewhere = shop.post(other + "/captures", AuthorizationsApiTest.capture(100),
        captureKey);
      HttpResponse<Buffer> voidedAgain = shop.post(path + "/void", new JsonObject(), voidKey);
      HttpResponse<Buffer> capturedAgain = shop.post(path + "/captures", AuthorizationsApiTest.capture(100), captureKey);
      String otherAfter = alice.get(other).bodyAsJsonObject().getString("status");
      shop.post(other + "/void", new JsonObject(), newKey());
      HttpResponse<Buffer> keyReused = shop.post(path + "/void", new JsonObject(),
        keyJustUsedToVoidAnother(alice, shop, payer, merchant));
      HttpResponse<Buffer> keyReusedToCapture = shop.post(path + "/captures", AuthorizationsApiTest.capture(100),
        keyJustUsedToVoidAnother(alice, shop, payer, merchant));

      assertThat(authorized.statusCode()).as(ending + ": " + authorized.bodyAsString()).isEqualTo(201);
      assertThat(hot.getString("status")).as(ending).isNotEqualTo("active");
      assertThat(fromLedger.bodyAsJsonObject()).as(ending).isEqualTo(hot);
      assertThat(toTheMerchant.bodyAsJsonObject()).as(ending + ", to the merchant").isEqualTo(hot);
      assertProblem(toAStranger, 404, "not_found");
      assertThat(voided.statusCode()).as(ending + ": " + voided.bodyAsString()).isEqualTo(voidedHot.statusCode());
      assertThat(voided.bodyAsJsonObject()).as(ending).isEqualTo(voidedHot.bodyAsJsonObject());
      assertProblem(captured, 409, "authorization_not_active");
      assertProblem(voidKeyElsewhere, 422, "idempotency_key_reused");
      assertProblem(captureKeyElsewhere, 422, "idempotency_key_reused");
      assertThat(otherAfter).as(ending + ": the other authorization untouched").isEqualTo("active");
      assertThat(voidedAgain.bodyAsJsonObject()).as(ending + ": the void replayed").isEqualTo(voidedHot.bodyAsJsonObject());
      assertProblem(capturedAgain, 409, "authorization_not_active");
      assertProblem(keyReused, 422, "idempotency_key_reused");
      assertProblem(keyReusedToCapture, 422, "idempotency_key_reused");
      assertThat(alice.available(payer)).as(ending).isEqualTo(10_000 - hot.getLong("captured"));
    }
  }

  @Test
  @DisplayName("a transfer and a payment the destination refused (reversed, wallet_inactive) keep no record once the "
    + "ledger has the reversal: they then read the same from the ledger, refusal code included")
  void reversedMovementsOutliveTheirRecords() {
    for (String kind : List.of("transfer", "payment")) {
      ApiCaller alice = edge.newUser();
      ApiCaller bob = edge.newUser("user", "merchant");
      String from = alice.openWallet();
      alice.deposit(from, 10_000);
      String to = kind.equals("transfer") ? bob.openWalletElsewhere(from) : bob.openWalletElsewhere(from, "merchant");
      Await.result(edge.cache.setStatus(new WalletId(to), WalletStatus.FROZEN, "test"));
      HttpResponse<Buffer> refused = kind.equals("transfer")
        ? alice.post("/v1/transfers", ApiCaller.transfer(from, to, 4_000), newKey())
        : alice.post("/v1/payments", PaymentsApiTest.payment(from, to, 4_000).put("orderRef", "order-reversed"), newKey());
      String id = refused.bodyAsJsonObject().getString(kind + "Id");
      String path = "/v1/" + kind + "s/" + id;
      JsonObject hot = alice.get(path).bodyAsJsonObject();
      awaitGone(new WalletId(from).shard().tag() + ":x:" + id);

      HttpResponse<Buffer> fromLedger = alice.get(path);
      HttpResponse<Buffer> toTheReceiver = bob.get(path);
      HttpResponse<Buffer> toAStranger = edge.newUser().get(path);

      assertProblem(refused, 422, "wallet_inactive");
      assertThat(hot.getString("status")).as(kind).isEqualTo("reversed");
      assertThat(fromLedger.bodyAsJsonObject()).as(kind).isEqualTo(hot);
      assertThat(toTheReceiver.bodyAsJsonObject()).as(kind + ", to the receiver").isEqualTo(hot);
      assertProblem(toAStranger, 404, "not_found");
      assertThat(alice.available(from)).as(kind).isEqualTo(10_000);
    }
  }

  @Test
  @DisplayName("a refund of a payment its merchant wallet refused (reversed) is 404 once the payment's record has "
    + "expired, as while it lasts: with the merchant wallet still frozen, and under the same key once it is active")
  void aReversedPaymentIsNotRefundedAfterItsRecord() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    String merchant = shop.openWalletElsewhere(payer, "merchant");
    shop.deposit(merchant, 5_000);
    Await.result(edge.cache.setStatus(new WalletId(merchant), WalletStatus.FROZEN, "test"));
    HttpResponse<Buffer> reversed = alice.post("/v1/payments", PaymentsApiTest.payment(payer, merchant, 4_000),
      newKey());
    String paymentId = reversed.bodyAsJsonObject().getString("paymentId");
    String refunds = "/v1/payments/" + paymentId + "/refunds";
    HttpResponse<Buffer> whileHot = shop.post(refunds, refund(1_000), newKey());
    awaitGone(new WalletId(payer).shard().tag() + ":x:" + paymentId);

    String key = newKey();
    HttpResponse<Buffer> whileFrozen = shop.post(refunds, refund(1_000), key);
    Await.result(edge.cache.setStatus(new WalletId(merchant), WalletStatus.ACTIVE, "test"));
    HttpResponse<Buffer> onceActive = shop.post(refunds, refund(1_000), key);

    assertProblem(reversed, 422, "wallet_inactive");
    assertProblem(whileHot, 404, "not_found");
    assertProblem(whileFrozen, 404, "not_found");
    assertProblem(onceActive, 404, "not_found");
    assertThat(alice.available(payer)).isEqualTo(10_000);
    assertThat(shop.available(merchant)).isEqualTo(5_000);
  }

  /** Its record lasts the retention (1 s) after the ledger has the void: use it at once. */
  private static String keyJustUsedToVoidAnother(ApiCaller payer, ApiCaller shop, String wallet, String merchant) {
    String key = newKey();
    String another = payer.post("/v1/authorizations", AuthorizationsApiTest.authorization(wallet, merchant, 100),
      newKey()).bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> voided = shop.post("/v1/authorizations/" + another + "/void", new JsonObject(), key);
    assertThat(voided.statusCode()).as(voided.bodyAsString()).isEqualTo(200);
    return key;
  }

  private static Future<Outcome<HoldView>> end(HoldId hold, HoldView.HoldStatus ending) {
    return ending == HoldView.HoldStatus.SETTLED
      ? edge.cache.settleHold(hold, SystemAccount.clearing("sandbox", MoneyCore.USD))
      : edge.cache.releaseHold(hold);
  }

  /** The payment as its payer reads it: from its record while the hot tier has it, from the ledger after. */
  private static void awaitRefunded(ApiCaller payer, String paymentId, long refunded) {
    Eventually.await(paymentId + " to read " + refunded + " refunded", Duration.ofSeconds(30),
      () -> payer.get("/v1/payments/" + paymentId).bodyAsJsonObject().getLong("refunded") == refunded);
  }

  private static void awaitGone(String record) {
    HotRecords.awaitGone(redis, record);
  }

  private static long ttlMs(String record) {
    return Await.result(redis.send(Request.cmd(Command.PTTL).arg(record))).toLong();
  }
}
