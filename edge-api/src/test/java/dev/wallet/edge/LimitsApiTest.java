package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.transfer;
import static dev.wallet.edge.ApiCaller.withdrawal;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Sha256;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Limits through the HTTP API, over two edge instances (each with its own Hazelcast member of one
 * cluster), the real Redis Cluster and PostgreSQL.
 */
@ExtendWith(VertxExtension.class)
class LimitsApiTest {

  private static final Duration PROMISE = Duration.ofSeconds(5);
  private LimitsEdges cluster;

  @BeforeEach
  void start(Vertx vertx) {
    cluster = new LimitsEdges(vertx);
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  @DisplayName("100 concurrent transfers over two edge instances against a daily limit that admits 37: exactly 37 move money")
  void dailyLimitUnderConcurrency() {
    EdgeFixture a = cluster.start(Optional.empty());
    EdgeFixture b = cluster.start(Optional.empty());
    publish(a, TestRules.rules("full", 100, 3_700, 1_000));
    ApiCaller alice = a.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000_000);
    ApiCaller bob = a.newUser();
    String near = new MoneyCore(a.cache).openNear(bob.id(), new WalletId(from)).value();
    String far = bob.openWalletElsewhere(from);

    List<ApiCaller> callers = new ArrayList<>();
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      callers.add(i % 2 == 0 ? alice : b.as(alice.id()));
      bodies.add(transfer(from, i % 3 == 0 ? far : near, 100));
    }
    List<Future<HttpResponse<Buffer>>> sent = sendConcurrently(callers, bodies);

    Map<Integer, Long> statuses = sent.stream().map(Future::result)
      .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
    long moved = statuses.getOrDefault(201, 0L) + statuses.getOrDefault(202, 0L);
    assertThat(moved).as("%s", statuses).isEqualTo(37);
    assertThat(statuses.get(422)).as("%s", statuses).isEqualTo(63);
    sent.stream().map(Future::result).filter(r -> r.statusCode() == 422).forEach(refused -> {
      assertProblem(refused, 422, "limit_exceeded");
      assertThat(refused.bodyAsJsonObject().getString("detail")).contains("daily p2p_send limit of tier full: 3700 USD");
    });
    assertThat(alice.available(from)).isEqualTo(1_000_000 - 3_700);
    Eventually.await("every transfer to arrive", Duration.ofSeconds(20), () ->
      Await.result(a.cache.sweepPendingTransfers()) >= 0 && bob.available(near) + bob.available(far) == 3_700);
  }

  @Test
  @DisplayName("an owner's two wallets opened through the API, which used to land on two shards, share its daily limit: "
    + "60 concurrent transfers of 10,000 from both over two edges against 200,000 move money exactly 20 times")
  void dailyLimitHoldsPerOwner() {
    EdgeFixture a = cluster.start(Optional.empty());
    EdgeFixture b = cluster.start(Optional.empty());
    publish(a, TestRules.rules("full", 10_000, 200_000, 1_000));
    ApiCaller alice = a.newUser();
    String firstKey = newKey();
    String first = openWallet(alice, firstKey);
    String second = openWallet(alice, keyPlacedAwayFrom(alice, shardBeforeOwnerHomes(alice, firstKey)));
    assertThat(ApiCaller.shardOf(second)).as("both on alice's home").isEqualTo(ApiCaller.shardOf(first));
    alice.deposit(first, 1_000_000);
    alice.deposit(second, 1_000_000);
    ApiCaller bob = a.newUser();
    String near = new MoneyCore(a.cache).openNear(bob.id(), new WalletId(first)).value();
    String far = bob.openWalletElsewhere(first);

    List<ApiCaller> callers = new ArrayList<>();
    List<JsonObject> bodies = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      callers.add(i % 2 == 0 ? alice : b.as(alice.id()));
      bodies.add(transfer(i % 4 < 2 ? first : second, i % 3 == 0 ? far : near, 10_000));
    }
    List<Future<HttpResponse<Buffer>>> sent = sendConcurrently(callers, bodies);

    Map<Integer, Long> statuses = sent.stream().map(Future::result)
      .collect(Collectors.groupingBy(HttpResponse::statusCode, Collectors.counting()));
    assertThat(statuses.getOrDefault(201, 0L) + statuses.getOrDefault(202, 0L)).as("%s", statuses).isEqualTo(20);
    assertThat(statuses.get(422)).as("%s", statuses).isEqualTo(40);
    assertThat(alice.available(first) + alice.available(second)).isEqualTo(2_000_000 - 200_000);
  }

  @Test
  @DisplayName("a limit lowered in the watched file is enforced by both edges within 5 s; a malformed file is refused, "
    + "the old rules keep working, and both changes are in the audit")
  void watchedFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("risk-rules.yaml");
    write(file, TestRules.rules("full", 50_000, 1_000_000, 1_000));
    EdgeFixture a = cluster.start(Optional.of(file));
    EdgeFixture b = cluster.start(Optional.of(file));
    ApiCaller risk = a.as("risk-officer", "risk");
    Eventually.await("both edges to enforce version 1", PROMISE, () -> version(a, risk) == 1 && version(b, risk) == 1);
    ApiCaller alice = a.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000_000);
    String to = alice.openWalletNear(from);
    assertThat(alice.post("/v1/transfers", transfer(from, to, 30_000), newKey()).statusCode()).isEqualTo(201);

    long changedAt = System.nanoTime();
    write(file, TestRules.rules("full", 20_000, 1_000_000, 1_000));
    Eventually.await("both edges to enforce version 2", PROMISE, () -> version(a, risk) == 2 && version(b, risk) == 2);
    Duration took = Duration.ofNanos(System.nanoTime() - changedAt);
    write(file, "tiers: [this is not what the rules look like");
    Eventually.await("the malformed file to be refused", PROMISE, () -> actions(risk).contains("rules_refused"));

    assertThat(took).isLessThanOrEqualTo(PROMISE);
    for (EdgeFixture edge : List.of(a, b)) {
      ApiCaller sender = edge.as(alice.id());
      HttpResponse<Buffer> refused = sender.post("/v1/transfers", transfer(from, to, 30_000), newKey());
      assertProblem(refused, 422, "limit_exceeded");
      assertThat(refused.bodyAsJsonObject().getString("detail"))
        .isEqualTo("per-transaction p2p_send maximum of tier full: 20000 USD");
      assertThat(sender.post("/v1/transfers", transfer(from, to, 20_000), newKey()).statusCode()).isEqualTo(201);
      assertThat(version(edge, risk)).isEqualTo(2);
    }
    assertThat(alice.available(from)).isEqualTo(1_000_000 - 30_000 - 2 * 20_000);
    assertThat(actions(risk)).containsExactly("rules_refused", "rules_published", "rules_published");
    JsonArray audit = audit(risk);
    assertThat(audit.getJsonObject(0).getString("detail")).startsWith("not valid YAML");
    assertThat(audit.getJsonObject(1).getString("detail"))
      .contains("~ tiers.full.perTransaction.p2p_send.USD: 50000 -> 20000");
    assertThat(audit.getJsonObject(1).getString("source")).isEqualTo("file:" + file.toAbsolutePath());
  }

  @Test
  @DisplayName("each tier's forbidden operation, and a blocked country, is refused with kyc_required and moves nothing")
  void forbiddenOperations() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("full", 1_000_000, 10_000_000, 1_000));
    ApiCaller risk = edge.as("risk-officer", "risk");
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 10_000);
    String to = bob.openWallet();

    setTier(risk, alice.id(), "unverified", null);
    HttpResponse<Buffer> unverifiedSends = alice.post("/v1/transfers", transfer(from, to, 100), newKey());
    setTier(risk, alice.id(), "full", null);
    setTier(risk, bob.id(), "basic", null);
    HttpResponse<Buffer> basicReceives = alice.post("/v1/transfers", transfer(from, to, 100), newKey());
    setTier(risk, alice.id(), "full", "KP");
    HttpResponse<Buffer> blockedDeposits = alice.post("/v1/deposits", ApiCaller.deposit(from, 100, "sandbox"),
      newKey());

    assertProblem(unverifiedSends, 422, "kyc_required");
    assertThat(unverifiedSends.bodyAsJsonObject().getString("detail"))
      .isEqualTo("p2p_send is not allowed for KYC tier unverified");
    assertProblem(basicReceives, 422, "receiver_cannot_accept");
    assertThat(basicReceives.bodyAsJsonObject().getString("detail")).isEqualTo("the receiver cannot accept this transfer");
    assertProblem(blockedDeposits, 422, "kyc_required");
    assertThat(blockedDeposits.bodyAsJsonObject().getString("detail")).isEqualTo("country KP is blocked");
    assertThat(alice.wallet(from).getLong("seq")).isEqualTo(1);
    assertThat(alice.available(from)).isEqualTo(10_000);
    assertThat(bob.wallet(to).getLong("seq")).isZero();
    assertThat(bob.wallet(to).getString("kycTier")).isEqualTo("basic");
  }

  @Test
  @DisplayName("a transfer the receiver's KYC refuses tells the sender only that the receiver cannot accept it: "
    + "not the receiver's country, tier or rules; and a caller naming a source wallet it does not own learns not even "
    + "that (404)")
  void receiverRefusalIsNeutral() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("full", 1_000_000, 10_000_000, 1_000));
    ApiCaller risk = edge.as("risk-officer", "risk");
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 10_000);
    String to = bob.openWallet();
    setTier(risk, bob.id(), "full", "KP");

    HttpResponse<Buffer> refused = alice.post("/v1/transfers", transfer(from, to, 100), newKey());

    assertProblem(refused, 422, "receiver_cannot_accept");
    JsonObject problem = refused.bodyAsJsonObject();
    assertThat(problem.fieldNames()).containsExactlyInAnyOrder("type", "title", "status", "code", "detail");
    assertThat(problem.getString("detail")).isEqualTo("the receiver cannot accept this transfer");
    assertThat(refused.bodyAsString()).doesNotContain("KP").doesNotContain("full").doesNotContain("country")
      .doesNotContain("tier");
    assertThat(alice.available(from)).isEqualTo(10_000);
    assertThat(bob.wallet(to).getLong("seq")).isZero();
    HttpResponse<Buffer> fromAnothersWallet = edge.newUser().post("/v1/transfers", transfer(from, to, 100), newKey());
    assertProblem(fromAnothersWallet, 404, "not_found");
  }

  /**
   * The rules promise that no money moves for an owner living in a blocked country, "sending or
   * receiving". Until 2026-12-07 a merchant was never judged, and its owner was paid all the same.
   */
  @Test
  @DisplayName("a merchant whose owner lives in a blocked country is not paid: a payment and an authorization are "
    + "refused as the receiver's refusal is (receiver_cannot_accept, nothing of its KYC), and pass once it is not")
  void aMerchantInABlockedCountryIsNotPaid() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("full", 1_000_000, 10_000_000, 1_000));
    ApiCaller risk = edge.as("risk-officer", "risk");
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.as("blocked-merchant-" + UUID.randomUUID(), "user", "merchant");
    String from = alice.openWallet();
    alice.deposit(from, 10_000);
    String merchant = shop.openWalletElsewhere(from, "merchant");
    setTier(risk, shop.id(), "full", "KP");

    HttpResponse<Buffer> payment = alice.post("/v1/payments", payment(from, merchant, 1_000), newKey());
    HttpResponse<Buffer> authorization = alice.post("/v1/authorizations",
      AuthorizationsApiTest.authorization(from, merchant, 1_000), newKey());

    for (HttpResponse<Buffer> refused : List.of(payment, authorization)) {
      assertProblem(refused, 422, "receiver_cannot_accept");
      assertThat(refused.bodyAsString()).doesNotContain("KP").doesNotContain("country").doesNotContain("tier");
    }
    assertThat(alice.available(from)).isEqualTo(10_000);
    assertThat(alice.wallet(from).getJsonObject("balance").getLong("held")).isZero();

    setTier(risk, shop.id(), "full", "DE");
    HttpResponse<Buffer> allowed = alice.post("/v1/payments", payment(from, merchant, 1_000), newKey());
    assertThat(allowed.statusCode()).as(allowed.bodyAsString()).isIn(201, 202);
    assertThat(alice.available(from)).isEqualTo(9_000);
  }

  /**
   * A withdrawal placed, then its owner's tier changed to one that may not withdraw, and sent again under
   * its key as a client does that lost the answer. Until 2026-12-06 the retry was refused kyc_required
   * while the reconciler paid the first one out.
   */
  @Test
  @DisplayName("a withdrawal sent again after the rules changed replays its first answer; a new one is refused")
  void withdrawalRetriesReplayAfterTheRulesChanged() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("vip", 1_000_000, 10_000_000, 1_000));
    ApiCaller risk = edge.as("risk-officer", "risk");
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 10_000);
    JsonObject body = withdrawal(wallet, 500, "DE89 3704 0044");
    String key = newKey();
    HttpResponse<Buffer> first = alice.post("/v1/withdrawals", body, key);
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(202);

    setTier(risk, alice.id(), "full", null);
    HttpResponse<Buffer> again = alice.post("/v1/withdrawals", body, key);

    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(202);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(first.bodyAsJsonObject().getString("id"));
    assertProblem(alice.post("/v1/withdrawals", body, newKey()), 422, "kyc_required");
  }

  /**
   * Each request is applied, then its sender's tier is lowered to one that may not send, and it is sent
   * again under its key, as a client does that lost the answer. Until 2026-12-06 each retry was refused
   * kyc_required, and a client told that money it had moved was not could move it again.
   */
  @Test
  @DisplayName("a transfer, a payment, an authorization and an atomic batch sent again after the rules changed "
    + "replay their first answer; another request under a used key is idempotency_key_reused (until 2026-12-07 the "
    + "rules' refusal); a new request is refused")
  void retriesReplayAfterTheRulesChanged() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("full", 1_000_000, 10_000_000, 1_000));
    ApiCaller risk = edge.as("risk-officer", "risk");
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    ApiCaller shop = edge.as("shop-" + UUID.randomUUID(), "user", "merchant");
    String from = alice.openWallet();
    alice.deposit(from, 10_000);
    String savings = alice.openWalletNear(from);
    String to = bob.openWallet();
    String merchant = shop.openWalletElsewhere(from, "merchant");
    Map<String, JsonObject> requests = new LinkedHashMap<>();
    requests.put("/v1/transfers", transfer(from, to, 100));
    requests.put("/v1/payments", payment(from, merchant, 200));
    requests.put("/v1/authorizations", AuthorizationsApiTest.authorization(from, merchant, 300));
    Map<String, String> keys = new HashMap<>();
    Map<String, HttpResponse<Buffer>> first = new HashMap<>();
    requests.forEach((path, body) -> {
      keys.put(path, newKey());
      first.put(path, alice.post(path, body, keys.get(path)));
    });
    JsonObject payroll = BatchApiTest.item("payroll-" + newKey(), from, savings, 400);
    HttpResponse<Buffer> firstBatch = BatchApiTest.transfers(alice, true, payroll);
    assertThat(firstBatch.statusCode()).as(firstBatch.bodyAsString()).isEqualTo(201);
    long available = alice.available(from);

    setTier(risk, alice.id(), "unverified", null);

    requests.forEach((path, body) -> {
      HttpResponse<Buffer> again = alice.post(path, body, keys.get(path));
      assertThat(again.statusCode()).as(path + ": " + again.bodyAsString()).isEqualTo(first.get(path).statusCode())
        .isIn(201, 202);
      assertThat(again.getHeader("Idempotent-Replayed")).as(path).isEqualTo("true");
      assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(first.get(path).bodyAsJsonObject().getString("id"));
    });
    HttpResponse<Buffer> batchAgain = BatchApiTest.transfers(alice, true, payroll);
    assertThat(batchAgain.statusCode()).as(batchAgain.bodyAsString()).isEqualTo(201);
    JsonObject item = batchAgain.bodyAsJsonObject().getJsonArray("items").getJsonObject(0);
    assertThat(item.getBoolean("replayed")).isTrue();
    assertThat(item.getJsonObject("result").getString("id")).isEqualTo(firstBatch.bodyAsJsonObject()
      .getJsonArray("items").getJsonObject(0).getJsonObject("result").getString("id"));
    assertProblem(alice.post("/v1/transfers", transfer(from, to, 101), keys.get("/v1/transfers")), 422,
      "idempotency_key_reused");
    assertProblem(alice.post("/v1/transfers", transfer(from, to, 100), newKey()), 422, "kyc_required");
    assertThat(alice.available(from)).isEqualTo(available);
  }

  @Test
  @DisplayName("withdrawals and merchant payments are checked too: a tier without withdrawals, a merchant's override "
    + "per transaction, and its daily window counted by the money core")
  void withdrawalsAndPayments() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("full", 1_000_000, 10_000_000, 1_000));
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.as("override-merchant", "user", "merchant");
    String from = alice.openWallet();
    alice.deposit(from, 100_000);
    String merchant = shop.openWalletElsewhere(from, "merchant");

    HttpResponse<Buffer> withdrawal = alice.post("/v1/withdrawals", ApiCaller.withdrawal(from, 100, "DE00"), newKey());
    HttpResponse<Buffer> overMaximum = alice.post("/v1/payments", payment(from, merchant, 6_000), newKey());
    HttpResponse<Buffer> first = alice.post("/v1/payments", payment(from, merchant, 4_000), newKey());
    HttpResponse<Buffer> second = alice.post("/v1/payments", payment(from, merchant, 4_000), newKey());

    assertProblem(withdrawal, 422, "kyc_required");
    assertThat(withdrawal.bodyAsJsonObject().getString("detail")).isEqualTo("withdrawal is not allowed for KYC tier full");
    assertProblem(overMaximum, 422, "limit_exceeded");
    assertThat(overMaximum.bodyAsJsonObject().getString("detail")).isEqualTo("per-transaction merchant_payment "
      + "maximum of tier full (the merchant's override): 5000 USD");
    assertThat(first.statusCode()).as(first.bodyAsString()).isIn(201, 202);
    assertProblem(second, 422, "limit_exceeded");
    assertThat(second.bodyAsJsonObject().getString("detail"))
      .endsWith("daily merchant_payment limit of tier full (the merchant's override): 7000 USD");
    assertThat(alice.available(from)).isEqualTo(100_000 - 4_000);
  }

  @Test
  @DisplayName("a merchant's override at or below the tier's daily limit restricts, it adds no room: a payer who spent "
    + "the tier's day at another merchant is refused at the override's merchant too (422 limit_exceeded)")
  void aRestrictiveOverrideIsACapOnTopOfTheTier() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("full", 10_000, 10_000, 1_000_000, 1_000));
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 100_000);
    String overridden = edge.as("override-merchant", "user", "merchant").openWalletElsewhere(from, "merchant");
    String other = edge.as("shop-" + UUID.randomUUID(), "user", "merchant").openWalletElsewhere(from, "merchant");

    HttpResponse<Buffer> tiersDay = alice.post("/v1/payments", payment(from, other, 10_000), newKey());
    HttpResponse<Buffer> toOverride = alice.post("/v1/payments", payment(from, overridden, 1_000), newKey());

    assertThat(tiersDay.statusCode()).as(tiersDay.bodyAsString()).isIn(201, 202);
    assertProblem(toOverride, 422, "limit_exceeded");
    assertThat(toOverride.bodyAsJsonObject().getString("detail"))
      .endsWith("daily merchant_payment limit of tier full: 10000 USD");
    assertThat(alice.available(from)).isEqualTo(100_000 - 10_000);
  }

  @Test
  @DisplayName("a voided authorization at a restrictive override's merchant gives back both counters it counted, the "
    + "merchant's own and the tier's, and a payment there counts in both again")
  void aVoidGivesBackBothCountersOfARestrictiveOverride() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("full", 10_000, 10_000, 1_000_000, 1_000));
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 100_000);
    ApiCaller casino = edge.as("override-merchant", "user", "merchant");
    String overridden = casino.openWalletElsewhere(from, "merchant");
    String other = edge.as("shop-" + UUID.randomUUID(), "user", "merchant").openWalletElsewhere(from, "merchant");

    HttpResponse<Buffer> authorized = alice.post("/v1/authorizations",
      AuthorizationsApiTest.authorization(from, overridden, 5_000), newKey());
    assertThat(authorized.statusCode()).as(authorized.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> voided = casino.post("/v1/authorizations/" + authorized.bodyAsJsonObject().getString("id")
      + "/void", new JsonObject(), newKey());
    HttpResponse<Buffer> atOverride = alice.post("/v1/payments", payment(from, overridden, 5_000), newKey());
    HttpResponse<Buffer> elsewhere = alice.post("/v1/payments", payment(from, other, 5_000), newKey());
    HttpResponse<Buffer> pastTheTier = alice.post("/v1/payments", payment(from, other, 1), newKey());

    assertThat(voided.statusCode()).as(voided.bodyAsString()).isEqualTo(200);
    assertThat(atOverride.statusCode()).as("the merchant's counter given back: " + atOverride.bodyAsString())
      .isIn(201, 202);
    assertThat(elsewhere.statusCode()).as("the tier's counter given back: " + elsewhere.bodyAsString())
      .isIn(201, 202);
    assertProblem(pastTheTier, 422, "limit_exceeded");
    assertThat(pastTheTier.bodyAsJsonObject().getString("detail"))
      .endsWith("daily merchant_payment limit of tier full: 10000 USD");
  }

  @Test
  @DisplayName("a merchant's override above the tier's limits (a trusted merchant) is counted apart: the payer pays "
    + "that merchant beyond the tier's general daily limit, spent elsewhere")
  void aRaisingOverrideStillCountsApart() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("full", 10_000, 10_000, 1_000_000, 1_000)
      .replace("    daily: {USD: 7000}\n", "    daily: {USD: 20000}\n"));
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 100_000);
    String trusted = edge.as("override-merchant", "user", "merchant").openWalletElsewhere(from, "merchant");
    String other = edge.as("shop-" + UUID.randomUUID(), "user", "merchant").openWalletElsewhere(from, "merchant");

    HttpResponse<Buffer> tiersDay = alice.post("/v1/payments", payment(from, other, 10_000), newKey());
    HttpResponse<Buffer> toTrusted = alice.post("/v1/payments", payment(from, trusted, 5_000), newKey());
    HttpResponse<Buffer> pastTheTier = alice.post("/v1/payments", payment(from, other, 1), newKey());

    assertThat(tiersDay.statusCode()).as(tiersDay.bodyAsString()).isIn(201, 202);
    assertThat(toTrusted.statusCode()).as(toTrusted.bodyAsString()).isIn(201, 202);
    assertProblem(pastTheTier, 422, "limit_exceeded");
    assertThat(alice.available(from)).isEqualTo(100_000 - 15_000);
  }

  @Test
  @DisplayName("a payout the bank returned gives back what its withdrawal counted against its owner's limits, as a "
    + "declined one does: the owner may withdraw that money again the same day")
  void aReturnedPayoutGivesBackItsLimits() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("vip", 1_000, 1_000, 1_000));
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 10_000);

    String returned = alice.post("/v1/withdrawals", withdrawal(wallet, 1_000, "reverse"), newKey()).bodyAsJsonObject()
      .getString("id");
    alice.awaitStatus("/v1/withdrawals/" + returned, "reversed");
    HttpResponse<Buffer> again = alice.post("/v1/withdrawals", withdrawal(wallet, 1_000, "DE00"), newKey());

    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(202);
    assertProblem(alice.post("/v1/withdrawals", withdrawal(wallet, 1, "DE00"), newKey()), 422, "limit_exceeded");
  }

  @Test
  @DisplayName("a withdrawal whose first attempt stopped after its record, before its hold, is held within its owner's "
    + "limits, whether its retry or the reconciler places the hold")
  void withdrawalHeldLaterIsWithinTheLimits(Vertx vertx) {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("vip", 1_000, 1_000, 1_000));
    Pool app = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      ApiCaller alice = edge.newUser();
      String aliceWallet = alice.openWallet();
      alice.deposit(aliceWallet, 10_000);
      String key = newKey();
      stoppedBeforeItsHold(app, alice, aliceWallet, 800, key);

      HttpResponse<Buffer> retried = alice.post("/v1/withdrawals", ApiCaller.withdrawal(aliceWallet, 800, "DE00"), key);

      assertThat(retried.statusCode()).as(retried.bodyAsString()).isEqualTo(202);
      assertProblem(alice.post("/v1/withdrawals", ApiCaller.withdrawal(aliceWallet, 300, "DE00"), newKey()), 422,
        "limit_exceeded");

      ApiCaller bob = edge.newUser();
      String bobWallet = bob.openWallet();
      bob.deposit(bobWallet, 10_000);
      String found = stoppedBeforeItsHold(app, bob, bobWallet, 800, newKey());
      String overTheMaximum = stoppedBeforeItsHold(app, bob, bobWallet, 6_000, newKey());

      Eventually.await("the reconciler to place both holds", Duration.ofSeconds(30),
        () -> !status(app, found).equals("holding") && !status(app, overTheMaximum).equals("holding"));
      assertThat(status(app, found)).isNotEqualTo("failed");
      assertThat(status(app, overTheMaximum)).isEqualTo("failed");
      assertThat(Await.result(app.preparedQuery("SELECT failure_reason FROM edge.withdrawals WHERE id = $1")
        .execute(Tuple.of(overTheMaximum))).iterator().next().getString("failure_reason"))
        .isEqualTo("hold_refused:limit_exceeded");
      assertProblem(bob.post("/v1/withdrawals", ApiCaller.withdrawal(bobWallet, 300, "DE00"), newKey()), 422,
        "limit_exceeded");
      assertThat(bob.available(bobWallet)).as("only the 800 the reconciler held")
        .isEqualTo(10_000 - 800);
    } finally {
      Await.result(app.close());
    }
  }

  @Test
  @DisplayName("a withdrawal whose first hold reached Redis with its answer lost goes on with that hold when the "
    + "rules refuse it by the time the reconciler finds it: the hold is neither left held nor placed twice")
  void withdrawalHeldBeforeTheRulesChangedGoesOn(Vertx vertx) {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.rules("vip", 1_000, 1_000, 1_000));
    Pool app = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      ApiCaller alice = edge.newUser();
      String wallet = alice.openWallet();
      alice.deposit(wallet, 10_000);
      String withdrawal = stoppedBeforeItsHold(app, alice, wallet, 800, newKey());
      assertThat(Await.result(edge.cache.placeHold(new PlaceHold(new WalletId(wallet), new Money(800,
        java.util.Currency.getInstance("USD")), alice.id(), withdrawal, new IdempotencyKey("edge.withdrawal",
        withdrawal)))).code()).as("the first attempt's hold, its answer lost").isEqualTo(OutcomeCode.OK);

      publish(edge, TestRules.rules("vip", 500, 1_000, 1_000));

      Eventually.await("the reconciler to take the withdrawal on", Duration.ofSeconds(30),
        () -> !status(app, withdrawal).equals("holding"));
      assertThat(status(app, withdrawal)).isNotEqualTo("failed");
      Eventually.await("the payout to settle the hold", Duration.ofSeconds(30),
        () -> alice.wallet(wallet).getJsonObject("balance").getLong("held") == 0);
      assertThat(alice.available(wallet)).isEqualTo(10_000 - 800);
    } finally {
      Await.result(app.close());
    }
  }

  /**
   * The row a withdrawal's first attempt leaves when its edge stops after recording it and before its
   * hold reaches Redis (the request hash as the edge makes it: the same request retried is a replay).
   */
  private static String stoppedBeforeItsHold(Pool app, ApiCaller owner, String wallet, long amount, String key) {
    byte[] random = new byte[12];
    new SecureRandom().nextBytes(random);
    String id = String.format("x%04d_%s", new WalletId(wallet).shard().number(), HexFormat.of().formatHex(random));
    String hash = Sha256.hex(String.join("|", "withdrawal", wallet, Long.toString(amount), "USD", "bank", "DE00"));
    Await.result(app.preparedQuery("INSERT INTO edge.withdrawals (id, wallet_id, owner_id, amount, currency, "
        + "destination_type, destination_account, gateway, status, idem_scope, idem_key, request_hash) "
        + "VALUES ($1, $2, $3, $4, 'USD', 'bank', 'DE00', 'sandbox', 'holding', $5, $6, $7)")
      .execute(Tuple.tuple().addString(id).addString(wallet).addString(owner.id()).addLong(amount)
        .addString(owner.id()).addString(key).addString(hash)));
    return id;
  }

  private static String status(Pool app, String withdrawal) {
    return Await.result(app.preparedQuery("SELECT status FROM edge.withdrawals WHERE id = $1")
      .execute(Tuple.of(withdrawal))).iterator().next().getString("status");
  }

  private static JsonObject payment(String from, String merchant, long amount) {
    return new JsonObject().put("fromWalletId", from).put("merchantWalletId", merchant).put("amount", amount)
      .put("currency", "USD");
  }

  @Test
  @DisplayName("rules unavailable (none published, or the Hazelcast member down): money movements get 503, nothing "
    + "moves, and the edge is not ready")
  void failClosed() {
    EdgeFixture withoutRules = cluster.start(Optional.empty());
    ApiCaller alice = withoutRules.newUser();
    String from = alice.openWallet();
    String to = alice.openWalletNear(from);
    HttpResponse<Buffer> depositWithoutRules = alice.post("/v1/deposits", ApiCaller.deposit(from, 500, "sandbox"),
      newKey());
    HttpResponse<Buffer> readyWithoutRules = Await.result(withoutRules.http.get("/health/ready").send());
    publish(withoutRules, TestRules.permissive());
    HttpResponse<Buffer> readyWithRules = Await.result(withoutRules.http.get("/health/ready").send());
    alice.deposit(from, 1_000);
    withoutRules.app.limits().hazelcast().shutdown();
    HttpResponse<Buffer> readyMemberDown = Await.result(withoutRules.http.get("/health/ready").send());

    HttpResponse<Buffer> transferMemberDown = alice.post("/v1/transfers", transfer(from, to, 300), newKey());
    HttpResponse<Buffer> depositMemberDown = alice.post("/v1/deposits", ApiCaller.deposit(from, 500, "sandbox"),
      newKey());

    for (HttpResponse<Buffer> refused : List.of(depositWithoutRules, transferMemberDown, depositMemberDown)) {
      assertProblem(refused, 503, "unavailable");
      assertThat(refused.getHeader("Retry-After")).isEqualTo("1");
    }
    assertThat(new MoneyCore(withoutRules.cache).wallet(new WalletId(from)).available()).isEqualTo(1_000);
    assertThat(new MoneyCore(withoutRules.cache).wallet(new WalletId(from)).seq()).isEqualTo(1);
    assertThat(new MoneyCore(withoutRules.cache).wallet(new WalletId(to)).seq()).isZero();
    assertThat(readyWithRules.statusCode()).isEqualTo(200);
    for (HttpResponse<Buffer> notReady : List.of(readyWithoutRules, readyMemberDown)) {
      assertProblem(notReady, 503, "unavailable");
      assertThat(notReady.bodyAsJsonObject().getJsonObject("checks").getString("rules")).isEqualTo("down");
    }
  }

  @Test
  @DisplayName("the admin endpoints: roles are enforced, a bad rules text is refused with its problems, KYC tiers are set")
  void admin() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.permissive());
    ApiCaller user = edge.newUser();
    ApiCaller admin = edge.as("admin-1", "admin");
    ApiCaller risk = edge.as("risk-1", "risk");
    String wallet = user.openWallet();

    assertProblem(user.get("/admin/limits"), 403, "forbidden");
    assertProblem(put(admin, "/admin/limits", TestRules.permissive()), 403, "forbidden");
    HttpResponse<Buffer> bad = put(risk, "/admin/limits", TestRules.permissive().replace("minCount: 3", "minCount: 1"));
    HttpResponse<Buffer> same = put(risk, "/admin/limits", TestRules.permissive());
    HttpResponse<Buffer> tier = put(admin, "/admin/kyc/" + user.id(), new JsonObject().put("tier", "basic")
      .put("country", "DE").encode());
    HttpResponse<Buffer> unknownTier = put(admin, "/admin/kyc/" + user.id(), new JsonObject().put("tier", "gold")
      .encode());
    ApiCaller riskUser = edge.newUser("risk");
    HttpResponse<Buffer> ownTier = put(riskUser, "/admin/kyc/" + riskUser.id(), new JsonObject().put("tier", "full")
      .encode());

    assertProblem(bad, 400, "invalid_request");
    assertThat(bad.bodyAsJsonObject().getJsonArray("problems").getString(0))
      .startsWith("aml.structuring.minCount: must be a whole number from 2");
    assertThat(same.statusCode()).isEqualTo(200);
    assertThat(same.bodyAsJsonObject().getBoolean("changed")).isFalse();
    assertThat(tier.statusCode()).as(tier.bodyAsString()).isEqualTo(200);
    assertThat(tier.bodyAsJsonObject().getString("updatedBy")).isEqualTo("admin-1");
    assertProblem(unknownTier, 400, "invalid_request");
    assertProblem(ownTier, 403, "forbidden");
    HttpResponse<Buffer> ownProfile = admin.get("/admin/kyc/" + riskUser.id());
    assertThat(ownProfile.statusCode()).isEqualTo(200);
    assertThat(ownProfile.bodyAsJsonObject().getString("tier")).as("never set").isNotEqualTo("full");
    assertThat(ownProfile.bodyAsJsonObject().getString("updatedBy")).as("never set").isNotEqualTo(riskUser.id());
    assertThat(user.wallet(wallet).getString("kycTier")).isEqualTo("basic");
    // the operator's reading of the wallet too (until 2026-12-07 it read unverified whatever the tier)
    assertThat(admin.get("/admin/wallets/" + wallet).bodyAsJsonObject().getString("kycTier")).isEqualTo("basic");
    JsonObject inForce = risk.get("/admin/limits").bodyAsJsonObject();
    assertThat(inForce.getLong("version")).isEqualTo(1);
    assertThat(inForce.getString("rules")).isEqualTo(TestRules.permissive());
    assertThat(actions(risk)).startsWith("rules_refused", "rules_published");
    assertThat(admin.get("/admin/kyc/" + user.id()).bodyAsJsonObject().getString("country")).isEqualTo("DE");
    assertThat(risk.get("/admin/limits/audit?limit=50").bodyAsJsonObject().getJsonArray("audit").stream()
      .map(JsonObject.class::cast).filter(line -> user.id().equals(line.getString("subject"))))
      .as("one change of the profile, through the API").singleElement()
      .satisfies(line -> assertThat(line.getString("source")).isEqualTo("api"));
  }

  @Test
  @DisplayName("PUT /admin/limits with If-Match publishes only over the version it names (GET's ETag): a change made "
    + "against an older one is 412 rules_superseded, and the version in force stays")
  void publishOverTheVersionItWasMadeFrom() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.permissive());
    ApiCaller risk = edge.as("risk-1", "risk");
    // the override tightened with the tiers: left as it was, it would turn from a restriction into room
    String tightened = TestRules.rules("full", 100, 1_000, 5).replace("perTransaction: {USD: 5000}",
      "perTransaction: {USD: 100}").replace("daily: {USD: 7000}", "daily: {USD: 1000}");
    HttpResponse<Buffer> inForce = risk.get("/admin/limits");

    HttpResponse<Buffer> overNone = putIfMatch(risk, tightened, "\"0\"");
    HttpResponse<Buffer> notAVersion = putIfMatch(risk, tightened, "\"latest\"");
    HttpResponse<Buffer> overTheLatest = putIfMatch(risk, tightened, inForce.getHeader("ETag"));

    assertThat(inForce.getHeader("ETag")).isEqualTo("\"1\"");
    assertProblem(overNone, 412, "rules_superseded");
    assertThat(overNone.bodyAsJsonObject().getLong("version")).isEqualTo(1);
    assertProblem(notAVersion, 400, "invalid_request");
    assertThat(overTheLatest.statusCode()).as(overTheLatest.bodyAsString()).isEqualTo(201);
    assertThat(overTheLatest.bodyAsJsonObject().getLong("version")).isEqualTo(2);
  }

  @Test
  @DisplayName("a risk officer who owns merchant wallets does not change what payers may pay them (403, audited as "
    + "refused); another officer does, and the first may publish other changes that leave their override as it is")
  void noOneChangesTheirOwnMerchantLimits() {
    EdgeFixture edge = cluster.start(Optional.empty());
    publish(edge, TestRules.permissive());
    ApiCaller merchantOfficer = edge.as("override-merchant", "risk");
    ApiCaller otherOfficer = edge.as("risk-1", "risk");
    String raised = TestRules.permissive().replace("perTransaction: {USD: 5000}", "perTransaction: {USD: 500000}");
    String otherwiseChanged = TestRules.permissive().replace("structuring: {minCount: 3,", "structuring: {minCount: 4,");

    HttpResponse<Buffer> ownRaised = put(merchantOfficer, "/admin/limits", raised);
    long versionAfterRefusal = otherOfficer.get("/admin/limits").bodyAsJsonObject().getLong("version");
    HttpResponse<Buffer> ownUntouched = put(merchantOfficer, "/admin/limits", otherwiseChanged);
    HttpResponse<Buffer> raisedByAnother = put(otherOfficer, "/admin/limits", raised);

    assertProblem(ownRaised, 403, "forbidden");
    assertThat(versionAfterRefusal).as("the version in force stays").isEqualTo(1);
    assertThat(ownUntouched.statusCode()).as(ownUntouched.bodyAsString()).isEqualTo(201);
    assertThat(raisedByAnother.statusCode()).as(raisedByAnother.bodyAsString()).isEqualTo(201);
    assertThat(actions(otherOfficer)).startsWith("rules_published", "rules_published", "rules_refused");
  }

  private static HttpResponse<Buffer> putIfMatch(ApiCaller caller, String yaml, String version) {
    return Await.result(caller.http().put("/admin/limits").putHeader("Authorization", "Bearer " + caller.token())
      .putHeader("Content-Type", "application/yaml").putHeader("If-Match", version).sendBuffer(Buffer.buffer(yaml)));
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Sends every transfer at once, each under its own key; a 503 moved nothing and says "retry with
   * the same key": a client would, so this does. Returns the final answers.
   */
  private static List<Future<HttpResponse<Buffer>>> sendConcurrently(List<ApiCaller> callers, List<JsonObject> bodies) {
    List<String> keys = new ArrayList<>();
    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int i = 0; i < bodies.size(); i++) {
      keys.add(newKey());
      sent.add(send(callers.get(i), keys.get(i), bodies.get(i)));
    }
    Await.result(Future.join(sent), 120);
    for (int i = 0; i < bodies.size(); i++) {
      while (sent.get(i).result().statusCode() == 503) {
        sent.set(i, send(callers.get(i), keys.get(i), bodies.get(i)));
        Await.result(sent.get(i));
      }
    }
    return sent;
  }

  private static String openWallet(ApiCaller owner, String key) {
    HttpResponse<Buffer> opened = owner.post("/v1/wallets", new JsonObject().put("currency", "USD")
      .put("type", "personal"), key);
    assertThat(opened.statusCode()).as(opened.bodyAsString()).isEqualTo(201);
    return opened.bodyAsJsonObject().getString("id");
  }

  private static String keyPlacedAwayFrom(ApiCaller owner, int shard) {
    while (true) {
      String key = newKey();
      if (shardBeforeOwnerHomes(owner, key) != shard) {
        return key;
      }
    }
  }

  /** Where the money core put a wallet before owners had home shards: a hash of its opening key. */
  private static int shardBeforeOwnerHomes(ApiCaller owner, String key) {
    String seed = "open_wallet|" + new IdempotencyKey(owner.id(), key).digest();
    return Math.floorMod(Sha256.hex(seed).hashCode(), owner.cache().shardCount());
  }


  private static Future<HttpResponse<Buffer>> send(ApiCaller via, String key, JsonObject body) {
    return via.http().post("/v1/transfers").putHeader("Authorization", "Bearer " + via.token())
      .putHeader("Content-Type", "application/json").putHeader("Idempotency-Key", key).sendBuffer(body.toBuffer());
  }

  static void publish(EdgeFixture edge, String yaml) {
    HttpResponse<Buffer> published = put(edge.as("risk-officer", "risk"), "/admin/limits", yaml);
    assertThat(published.statusCode()).as(published.bodyAsString()).isIn(200, 201);
  }

  static HttpResponse<Buffer> put(ApiCaller caller, String path, String body) {
    return Await.result(caller.http().put(path).putHeader("Authorization", "Bearer " + caller.token())
      .putHeader("Content-Type", path.startsWith("/admin/kyc") ? "application/json" : "application/yaml")
      .sendBuffer(Buffer.buffer(body)));
  }

  static void setTier(ApiCaller risk, String owner, String tier, String country) {
    JsonObject body = new JsonObject().put("tier", tier);
    if (country != null) {
      body.put("country", country);
    }
    HttpResponse<Buffer> set = put(risk, "/admin/kyc/" + owner, body.encode());
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(200);
  }

  private static long version(EdgeFixture edge, ApiCaller risk) {
    HttpResponse<Buffer> inForce = edge.as(risk.id(), "risk").get("/admin/limits");
    return inForce.statusCode() == 200 ? inForce.bodyAsJsonObject().getLong("version") : 0;
  }

  static JsonArray audit(ApiCaller risk) {
    return new JsonArray(risk.get("/admin/limits/audit?limit=50").bodyAsJsonObject().getJsonArray("audit").stream()
      .filter(line -> ((JsonObject) line).getString("action").startsWith("rules_")).toList());
  }

  static List<String> actions(ApiCaller risk) {
    return audit(risk).stream().map(line -> ((JsonObject) line).getString("action")).toList();
  }

  private static void write(Path file, String text) throws IOException {
    Path aside = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(aside, text, StandardCharsets.UTF_8);
    Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
