package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.deposit;
import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.withdrawal;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Withdrawals through the sandbox gateway: held at once, then settled or released on the
 * gateway's answer. The destination account steers the sandbox: "decline", "timeout" (answer and
 * webhook lost), "reverse" (the payout comes back later).
 */
@ExtendWith(VertxExtension.class)
class WithdrawalsApiTest {

  private static EdgeFixture edge;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
  }

  @AfterAll
  static void stop() {
    edge.close();
  }

  @Test
  @DisplayName("a withdrawal holds the amount at once (202), then the gateway's payout settles the hold: completed")
  void heldThenPaid() {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 5_000);

    HttpResponse<Buffer> requested = alice.post("/v1/withdrawals", withdrawal(wallet, 2_000, "DE89 3704 0044"), newKey());

    assertThat(requested.statusCode()).as(requested.bodyAsString()).isEqualTo(202);
    JsonObject pending = requested.bodyAsJsonObject();
    assertThat(pending.getString("status")).isEqualTo("pending");
    assertThat(requested.getHeader("Location")).isEqualTo("/v1/withdrawals/" + pending.getString("id"));
    JsonObject completed = alice.awaitStatus("/v1/withdrawals/" + pending.getString("id"), "completed");
    assertThat(completed.copy().put("createdAt", "-")).isEqualTo(new JsonObject().put("id", pending.getString("id"))
      .put("walletId", wallet).put("status", "completed").put("amount", 2_000).put("currency", "USD")
      .put("destination", "bank").put("createdAt", "-"));
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 3_000).put("held", 0));
  }

  @Test
  @DisplayName("the money is held, not available, while the payout is in flight")
  void heldWhileInFlight() {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 5_000);

    JsonObject pending = alice.post("/v1/withdrawals", withdrawal(wallet, 1_500, "timeout"), newKey())
      .bodyAsJsonObject();

    assertThat(pending.getString("status")).isEqualTo("pending");
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 3_500).put("held", 1_500));
  }

  @Test
  @DisplayName("a declined payout releases the hold: the withdrawal fails and every cent is available again")
  void declinedPayoutReleasesTheHold() {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 5_000);

    String id = alice.post("/v1/withdrawals", withdrawal(wallet, 4_000, "decline"), newKey()).bodyAsJsonObject()
      .getString("id");

    JsonObject failed = alice.awaitStatus("/v1/withdrawals/" + id, "failed");
    assertThat(failed.getString("failureReason")).isEqualTo("the beneficiary bank refused the payment");
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 5_000).put("held", 0));
  }

  @Test
  @DisplayName("a payout the gateway refuses outright (422: it takes nothing) fails the withdrawal and releases the "
    + "hold, as a decline does, rather than being asked again for good")
  void refusedPayoutReleasesTheHold() {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 5_000);

    HttpResponse<Buffer> asked = alice.post("/v1/withdrawals", withdrawal(wallet, 4_000, "refuse"), newKey());

    assertThat(asked.statusCode()).as(asked.bodyAsString()).isEqualTo(202);
    JsonObject failed = alice.awaitStatus("/v1/withdrawals/" + asked.bodyAsJsonObject().getString("id"), "failed");
    assertThat(failed.getString("failureReason")).isEqualTo("refused by the gateway (422)");
    assertThat(edge.registry.counter("wallet_gateway_refusals_total", "gateway", "sandbox", "movement", "withdrawal")
      .count()).isEqualTo(1);
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 5_000).put("held", 0));
  }

  @Test
  @DisplayName("a payout whose answer and webhook were lost is asked about until it has an answer; the hold does not leak")
  void lostAnswerIsResolved() {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 5_000);

    String id = alice.post("/v1/withdrawals", withdrawal(wallet, 1_000, "timeout"), newKey()).bodyAsJsonObject()
      .getString("id");

    alice.awaitStatus("/v1/withdrawals/" + id, "completed");
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 4_000).put("held", 0));
  }

  @Test
  @DisplayName("a payout returned after it was paid is credited back to the wallet: reversed")
  void returnedPayout() {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 5_000);

    String id = alice.post("/v1/withdrawals", withdrawal(wallet, 1_200, "reverse"), newKey()).bodyAsJsonObject()
      .getString("id");

    alice.awaitStatus("/v1/withdrawals/" + id, "reversed");
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 5_000).put("held", 0));
  }

  @Test
  @DisplayName("a withdrawal beyond the available balance is refused (422 insufficient_funds), holds nothing, and replays so")
  void insufficientFunds() {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 1_000);
    String key = newKey();

    HttpResponse<Buffer> refused = alice.post("/v1/withdrawals", withdrawal(wallet, 1_001, "acct-1"), key);
    HttpResponse<Buffer> again = alice.post("/v1/withdrawals", withdrawal(wallet, 1_001, "acct-1"), key);

    assertProblem(refused, 422, "insufficient_funds");
    String id = refused.bodyAsJsonObject().getString("withdrawalId");
    assertThat(alice.get("/v1/withdrawals/" + id).bodyAsJsonObject().getString("status")).isEqualTo("failed");
    assertProblem(again, 422, "insufficient_funds");
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 1_000).put("held", 0));
  }

  @Test
  @DisplayName("a withdrawal retried under its key holds once; the same key with another amount is idempotency_key_reused")
  void replay() {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 3_000);
    String key = newKey();

    HttpResponse<Buffer> first = alice.post("/v1/withdrawals", withdrawal(wallet, 1_000, "acct-2"), key);
    HttpResponse<Buffer> again = alice.post("/v1/withdrawals", withdrawal(wallet, 1_000, "acct-2"), key);
    HttpResponse<Buffer> reused = alice.post("/v1/withdrawals", withdrawal(wallet, 999, "acct-2"), key);

    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(first.bodyAsJsonObject().getString("id"));
    assertProblem(reused, 422, "idempotency_key_reused");
    alice.awaitStatus("/v1/withdrawals/" + first.bodyAsJsonObject().getString("id"), "completed");
    assertThat(alice.available(wallet)).isEqualTo(2_000);
  }

  @Test
  @DisplayName("no one withdraws from, or reads the withdrawals of, another caller's wallet; a destination account is required")
  void guarded() {
    ApiCaller alice = edge.newUser();
    ApiCaller mallory = edge.newUser();
    String wallet = funded(alice, 2_000);
    String id = alice.post("/v1/withdrawals", withdrawal(wallet, 100, "acct-3"), newKey()).bodyAsJsonObject()
      .getString("id");

    assertProblem(mallory.post("/v1/withdrawals", withdrawal(wallet, 500, "mallory-acct"), newKey()), 404, "not_found");
    assertProblem(mallory.get("/v1/withdrawals/" + id), 404, "not_found");
    JsonObject noAccount = withdrawal(wallet, 100, "x");
    noAccount.getJsonObject("destination").remove("account");
    assertProblem(alice.post("/v1/withdrawals", noAccount, newKey()), 400, "invalid_request");
    assertProblem(alice.post("/v1/withdrawals", withdrawal(wallet, 100, "acct-3"), Optional.empty()), 400,
      "idempotency_key_missing");
    alice.awaitStatus("/v1/withdrawals/" + id, "completed");
    assertThat(alice.available(wallet)).isEqualTo(1_900);
  }

  /**
   * Until 2026-12-07 each table checked the key alone: a withdrawal under a deposit's key was held
   * and paid out, and a deposit under a withdrawal's key was collected.
   */
  @Test
  @DisplayName("a key that started a deposit does not start a withdrawal (422 idempotency_key_reused, nothing held), "
    + "nor does a withdrawal's key start a deposit")
  void oneKeyStartsOneMovement(Vertx vertx) {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 5_000);
    String depositKey = newKey();
    String withdrawalKey = newKey();
    Pool app = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      HttpResponse<Buffer> deposited = alice.post("/v1/deposits", deposit(wallet, 300, "sandbox"), depositKey);
      HttpResponse<Buffer> withdrawnUnderIt = alice.post("/v1/withdrawals", withdrawal(wallet, 1_000, "acct-4"),
        depositKey);
      HttpResponse<Buffer> withdrawn = alice.post("/v1/withdrawals", withdrawal(wallet, 2_000, "acct-4"), withdrawalKey);
      HttpResponse<Buffer> depositedUnderIt = alice.post("/v1/deposits", deposit(wallet, 400, "sandbox"),
        withdrawalKey);

      assertThat(deposited.statusCode()).as(deposited.bodyAsString()).isEqualTo(202);
      assertProblem(withdrawnUnderIt, 422, "idempotency_key_reused");
      assertThat(withdrawn.statusCode()).as(withdrawn.bodyAsString()).isEqualTo(202);
      assertProblem(depositedUnderIt, 422, "idempotency_key_reused");
      assertThat(movementsUnder(app, alice, depositKey)).isEqualTo(1);
      assertThat(movementsUnder(app, alice, withdrawalKey)).isEqualTo(1);
      alice.awaitStatus("/v1/deposits/" + deposited.bodyAsJsonObject().getString("id"), "completed");
      alice.awaitStatus("/v1/withdrawals/" + withdrawn.bodyAsJsonObject().getString("id"), "completed");
      assertThat(alice.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 5_000 + 300 - 2_000).put("held", 0));
    } finally {
      Await.result(app.close());
    }
  }

  @Test
  @DisplayName("a deposit and a withdrawal sent at once under one key: exactly one is started, the other is 422 "
    + "idempotency_key_reused, round after round")
  void oneKeyRacedByBothRoutes(Vertx vertx) {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 100_000);
    Pool app = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      for (int round = 0; round < 20; round++) {
        String key = newKey();
        Future<HttpResponse<Buffer>> deposit = alice.send("/v1/deposits", deposit(wallet, 100, "sandbox"), key);
        Future<HttpResponse<Buffer>> withdrawal = alice.send("/v1/withdrawals", withdrawal(wallet, 100, "acct-5"), key);
        Await.result(Future.join(deposit, withdrawal));

        List<HttpResponse<Buffer>> answers = List.of(deposit.result(), withdrawal.result());
        assertThat(answers).as("round %d: %s", round, answers.stream().map(HttpResponse::bodyAsString).toList())
          .extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(202, 422);
        HttpResponse<Buffer> refused = answers.stream().filter(answer -> answer.statusCode() == 422).findFirst()
          .orElseThrow();
        assertProblem(refused, 422, "idempotency_key_reused");
        assertThat(movementsUnder(app, alice, key)).as("round %d", round).isEqualTo(1);
      }
    } finally {
      Await.result(app.close());
    }
  }

  /**
   * Until 2026-12-07 a refusal before anything was asked recorded nothing: the retry after the wallet
   * was reactivated was held and paid out, and another request under the key was accepted too.
   */
  @Test
  @DisplayName("a withdrawal refused for a frozen wallet stays refused under its key once the wallet is active again "
    + "(422 wallet_inactive, replayed, nothing held); another request under the key is idempotency_key_reused")
  void refusedWhileFrozenStaysRefused() {
    ApiCaller alice = edge.newUser();
    ApiCaller risk = edge.newUser("risk");
    String wallet = funded(alice, 5_000);
    String key = newKey();
    setStatus(risk, wallet, "frozen");

    HttpResponse<Buffer> refused = alice.post("/v1/withdrawals", withdrawal(wallet, 1_000, "acct-6"), key);
    setStatus(risk, wallet, "active");
    HttpResponse<Buffer> again = alice.post("/v1/withdrawals", withdrawal(wallet, 1_000, "acct-6"), key);
    HttpResponse<Buffer> reused = alice.post("/v1/withdrawals", withdrawal(wallet, 999, "acct-6"), key);
    HttpResponse<Buffer> fresh = alice.post("/v1/withdrawals", withdrawal(wallet, 700, "acct-6"), newKey());

    assertProblem(refused, 422, "wallet_inactive");
    assertProblem(again, 422, "wallet_inactive");
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertProblem(reused, 422, "idempotency_key_reused");
    JsonObject recorded = alice.get("/v1/withdrawals/" + refused.bodyAsJsonObject().getString("withdrawalId"))
      .bodyAsJsonObject();
    assertThat(recorded.getString("status")).isEqualTo("failed");
    assertThat(recorded.getString("failureReason")).isEqualTo("refused:wallet_inactive");
    assertThat(fresh.statusCode()).as("the wallet is active: " + fresh.bodyAsString()).isEqualTo(202);
    alice.awaitStatus("/v1/withdrawals/" + fresh.bodyAsJsonObject().getString("id"), "completed");
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 5_000 - 700).put("held", 0));
  }

  private static void setStatus(ApiCaller admin, String wallet, String status) {
    HttpResponse<Buffer> set = admin.post("/admin/wallets/" + wallet + "/status", new JsonObject()
      .put("status", status).put("reason", "test"), Optional.empty());
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(200);
  }

  /** Deposits and withdrawals started under the caller's {@code key}, both tables together. */
  static long movementsUnder(Pool app, ApiCaller caller, String key) {
    return Await.result(app.preparedQuery("SELECT (SELECT count(*) FROM edge.deposits WHERE idem_scope = $1 AND "
        + "idem_key = $2) + (SELECT count(*) FROM edge.withdrawals WHERE idem_scope = $1 AND idem_key = $2) AS n")
      .execute(Tuple.of(caller.id(), key))).iterator().next().getLong("n");
  }

  @Test
  @DisplayName("a withdrawal the gateway keeps pending is the oldest unsettled one a reconciliation round finds, "
    + "though every round on it succeeds (until 2026-12-07 nothing told how long its money had been held)")
  void aWithdrawalKeptPendingIsTheOldestUnsettled(Vertx vertx) {
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice, 5_000);
    Pool app = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      JsonObject pending = alice.post("/v1/withdrawals", withdrawal(wallet, 1_000, "pending"), newKey())
        .bodyAsJsonObject();
      long askedAt = Instant.parse(pending.getString("createdAt")).getEpochSecond();

      // other tests' withdrawals may be older and unsettled too: the gauge is the oldest of them all
      Eventually.await("a round that finds the oldest unsettled withdrawal", Duration.ofSeconds(30), () -> {
        double oldest = oldestUnsettled("withdrawal");
        return oldest > 0 && oldest == oldestUnsettledIn(app) && oldest <= askedAt;
      });
      assertThat(alice.get("/v1/withdrawals/" + pending.getString("id")).bodyAsJsonObject().getString("status"))
        .isEqualTo("pending");
      assertThat(statusIn(app, pending.getString("id"))).as("among the unsettled").isEqualTo("submitted");
    } finally {
      Await.result(app.close());
    }
  }

  /** When the oldest sandbox withdrawal not settled yet (its hold neither settled nor released) was asked for. */
  private static long oldestUnsettledIn(Pool app) {
    return Await.result(app.query("SELECT floor(extract(epoch FROM min(created_at)))::bigint AS oldest "
      + "FROM edge.withdrawals WHERE gateway = 'sandbox' AND status NOT IN ('completed', 'failed', 'returned')")
      .execute()).iterator().next().getLong("oldest");
  }

  private static String statusIn(Pool app, String id) {
    return Await.result(app.preparedQuery("SELECT status FROM edge.withdrawals WHERE id = $1").execute(Tuple.of(id)))
      .iterator().next().getString("status");
  }

  private static double oldestUnsettled(String movement) {
    Gauge gauge = edge.registry.find("wallet_gateway_oldest_unsettled_created_seconds")
      .tags("gateway", "sandbox", "movement", movement).gauge();
    return gauge == null ? 0 : gauge.value();
  }

  private static String funded(ApiCaller owner, long amount) {
    String wallet = owner.openWallet();
    owner.deposit(wallet, amount);
    return wallet;
  }
}
