package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.deposit;
import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.withdrawal;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.edge.gateway.WebhookSignature;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
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
 * The webhook endpoint as an attacker and as a clumsy gateway see it. The deposits (and the one
 * withdrawal) here are made with the sandbox account "timeout": the sandbox loses their answer and
 * never sends a webhook, and the reconciler is told to wait ten minutes before asking, so the only
 * events they ever get are the ones each test signs and sends itself.
 */
@ExtendWith(VertxExtension.class)
class WebhooksApiTest {

  private static final String PATH = "/v1/webhooks/gateway/sandbox";
  private static EdgeFixture edge;
  private static Pool database;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx, Map.of("WALLET_FUNDS_STALE_AFTER_MS", "600000"));
    database = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
  }

  @AfterAll
  static void stop() {
    Await.result(database.close());
    edge.close();
  }

  @Test
  @DisplayName("a signed deposit.succeeded credits the deposit; the same event again is a 200 duplicate that changes nothing")
  void replayedEventAppliesOnce() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 1_200);
    JsonObject event = event("deposit.succeeded", deposit.id(), 1_200);

    HttpResponse<Buffer> first = deliver(event, now(), EdgeFixture.WEBHOOK_SECRET);
    HttpResponse<Buffer> replay = deliver(event, now(), EdgeFixture.WEBHOOK_SECRET);
    HttpResponse<Buffer> sameNewsNewId = deliver(event("deposit.succeeded", deposit.id(), 1_200), now(),
      EdgeFixture.WEBHOOK_SECRET);

    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(200);
    assertThat(first.bodyAsJsonObject()).isEqualTo(new JsonObject().put("received", true).put("duplicate", false));
    assertThat(replay.statusCode()).isEqualTo(200);
    assertThat(replay.bodyAsJsonObject().getBoolean("duplicate")).isTrue();
    assertThat(sameNewsNewId.statusCode()).isEqualTo(200);
    assertThat(alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject().getString("status")).isEqualTo("completed");
    assertThat(alice.available(deposit.wallet())).isEqualTo(1_200);
    assertThat(alice.wallet(deposit.wallet()).getLong("seq")).isEqualTo(1);
    assertThat(recorded(event.getString("id"))).isEqualTo(1);
  }

  @Test
  @DisplayName("forged webhooks are refused with 401 and record nothing: wrong secret, changed body, no or malformed signature")
  void forgeries() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 800);
    JsonObject genuine = event("deposit.succeeded", deposit.id(), 800);
    String body = genuine.encode();
    long t = now();
    String signed = new WebhookSignature(EdgeFixture.WEBHOOK_SECRET).header(t, bytes(body));
    String changedBody = event("deposit.succeeded", deposit.id(), 800).put("id", genuine.getString("id")).encode()
      .replace("\"amount\":800", "\"amount\":80000");

    assertProblem(deliver(genuine, t, "another-secret-that-is-long-enough-to-be-a-secret"), 401, "unauthorized");
    assertProblem(send(changedBody, signed), 401, "unauthorized");
    HttpResponse<Buffer> unsigned = send(body, null);
    assertProblem(unsigned, 401, "unauthorized");
    assertThat(unsigned.getHeader("WWW-Authenticate")).as("the challenge names the signature, not a bearer token")
      .startsWith(WebhookSignature.HEADER + " ");
    assertProblem(send(body, "t=" + t + ",v1=zz"), 401, "unauthorized");
    assertProblem(send(body, "v1=" + signed.substring(signed.indexOf("v1=") + 3)), 401, "unauthorized");
    assertProblem(send(body, signed.replace("t=" + t, "t=" + (t + 1))), 401, "unauthorized");
    assertThat(recorded(genuine.getString("id"))).isZero();
    assertThat(alice.wallet(deposit.wallet()).getLong("seq")).isZero();

    assertThat(send(body, signed).statusCode()).as("the genuine delivery still applies").isEqualTo(200);
    assertThat(alice.available(deposit.wallet())).isEqualTo(800);
  }

  @Test
  @DisplayName("a genuine signature older or newer than 300 s is refused as stale (401); within 300 s it is accepted")
  void staleness() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 600);
    JsonObject event = event("deposit.succeeded", deposit.id(), 600);

    HttpResponse<Buffer> old = deliver(event, now() - 301, EdgeFixture.WEBHOOK_SECRET);
    HttpResponse<Buffer> future = deliver(event, now() + 301, EdgeFixture.WEBHOOK_SECRET);

    assertProblem(old, 401, "unauthorized");
    assertThat(old.bodyAsJsonObject().getString("detail")).contains("300 s");
    assertProblem(future, 401, "unauthorized");
    assertThat(recorded(event.getString("id"))).isZero();
    assertThat(alice.wallet(deposit.wallet()).getLong("seq")).isZero();

    assertThat(deliver(event, now() - 290, EdgeFixture.WEBHOOK_SECRET).statusCode()).isEqualTo(200);
    assertThat(alice.available(deposit.wallet())).isEqualTo(600);
  }

  @Test
  @DisplayName("a declined deposit's event fails it; a later 'succeeded' for it changes nothing, and is counted as "
    + "the gateway contradicting the wallet")
  void failedThenContradicted() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 500);
    double contradictionsBefore = contradictions();

    assertThat(deliver(event("deposit.failed", deposit.id(), 500).put("data", new JsonObject()
      .put("reference", deposit.id()).put("amount", 500).put("currency", "USD").put("reason", "card stolen")), now(),
      EdgeFixture.WEBHOOK_SECRET).statusCode()).isEqualTo(200);
    assertThat(deliver(event("deposit.succeeded", deposit.id(), 500), now(), EdgeFixture.WEBHOOK_SECRET).statusCode())
      .isEqualTo(200);

    JsonObject failed = alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject();
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("failureReason")).isEqualTo("card stolen");
    assertThat(alice.wallet(deposit.wallet()).getLong("seq")).isZero();
    assertThat(contradictions()).as("the contradiction counted").isEqualTo(contradictionsBefore + 1);
  }

  /**
   * A decline moved nothing, whatever amount it names, as the gateway's answers are read when asked:
   * until 2026-12-07 its webhook was refused 400, the gateway stopped sending it, and the deposit
   * waited for the reconciler's question.
   */
  @Test
  @DisplayName("a declined deposit's event that names another amount fails it all the same; a success for another "
    + "amount is still refused")
  void aDeclineForAnotherAmountIsADecline() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 500);
    double contradictionsBefore = contradictions();

    assertProblem(deliver(event("deposit.succeeded", deposit.id(), 499), now(), EdgeFixture.WEBHOOK_SECRET), 400,
      "invalid_request");
    assertThat(deliver(event("deposit.failed", deposit.id(), 1), now(), EdgeFixture.WEBHOOK_SECRET).statusCode())
      .isEqualTo(200);

    assertThat(alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject().getString("status")).isEqualTo("failed");
    assertThat(alice.wallet(deposit.wallet()).getLong("seq")).isZero();
    assertThat(contradictions()).isEqualTo(contradictionsBefore);
  }

  /**
   * A decline moved nothing, and a gateway may name 0 for it (GatewayMovements.movedOtherThanAsked
   * counts it whatever amount it names): until 2026-12-07 the webhook schema's amount was at least 1,
   * such a decline was refused 400, the gateway stopped sending it, and the movement waited for the
   * reconciler's question. An event that says money moved still names at least 1 (the schema), and
   * exactly what was asked (the code).
   */
  @Test
  @DisplayName("a decline may name amount 0, of a deposit or a payout; an event that says money moved may not (400), "
    + "and none may name less than 0")
  void aDeclineMayNameZero() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 500);
    String wallet = alice.openWallet();
    alice.deposit(wallet, 1_000);
    HttpResponse<Buffer> requested = alice.post("/v1/withdrawals", withdrawal(wallet, 300, "timeout"), newKey());
    assertThat(requested.statusCode()).as(requested.bodyAsString()).isEqualTo(202);
    String payout = requested.bodyAsJsonObject().getString("id");

    // the schema refuses them before any movement is looked up: a reference no movement has is 400 too, not 404
    for (JsonObject moved : List.of(event("deposit.succeeded", deposit.id(), 0), event("deposit.reversed", deposit.id(), 0),
      event("payout.paid", payout, 0), event("payout.returned", payout, 0), event("deposit.failed", deposit.id(), -1),
      event("deposit.succeeded", "d0001_" + "0".repeat(24), 0))) {
      assertProblem(deliver(moved, now(), EdgeFixture.WEBHOOK_SECRET), 400, "invalid_request");
      assertThat(recorded(moved.getString("id"))).isZero();
    }
    HttpResponse<Buffer> depositDeclined = deliver(event("deposit.failed", deposit.id(), 0), now(),
      EdgeFixture.WEBHOOK_SECRET);
    HttpResponse<Buffer> payoutDeclined = deliver(event("payout.failed", payout, 0), now(), EdgeFixture.WEBHOOK_SECRET);

    assertThat(depositDeclined.statusCode()).as(depositDeclined.bodyAsString()).isEqualTo(200);
    assertThat(payoutDeclined.statusCode()).as(payoutDeclined.bodyAsString()).isEqualTo(200);
    assertThat(alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject().getString("status")).isEqualTo("failed");
    assertThat(alice.get("/v1/withdrawals/" + payout).bodyAsJsonObject().getString("status")).isEqualTo("failed");
    assertThat(alice.wallet(deposit.wallet()).getLong("seq")).isZero();
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 1_000).put("held", 0));
  }

  private static double contradictions() {
    Counter counter = edge.registry.find("wallet_gateway_contradictions_total").tags("gateway", "sandbox", "movement",
      "deposit").counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  @DisplayName("signed but wrong: an unknown gateway or reference is 404, another amount 400, a malformed body or a "
    + "currency no one has 400; nothing is recorded")
  void signedButWrong() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 700);
    JsonObject wrongAmount = event("deposit.succeeded", deposit.id(), 7_000);
    JsonObject unknownReference = event("deposit.succeeded", "d0001_" + "0".repeat(24), 700);
    JsonObject extraMember = event("deposit.succeeded", deposit.id(), 700).put("balance", 1_000_000);
    JsonObject unknownType = event("deposit.stolen", deposit.id(), 700);
    // until 2026-12-07 a 500, which the gateway sends again and again
    JsonObject unknownCurrency = event("deposit.succeeded", deposit.id(), 700);
    unknownCurrency.getJsonObject("data").put("currency", "ZZZ");
    long t = now();

    assertProblem(sendTo("/v1/webhooks/gateway/acme", event("deposit.succeeded", deposit.id(), 700).encode(),
      signature(t, event("deposit.succeeded", deposit.id(), 700).encode())), 404, "not_found");
    assertProblem(deliver(unknownReference, t, EdgeFixture.WEBHOOK_SECRET), 404, "not_found");
    assertProblem(deliver(wrongAmount, t, EdgeFixture.WEBHOOK_SECRET), 400, "invalid_request");
    assertProblem(deliver(extraMember, t, EdgeFixture.WEBHOOK_SECRET), 400, "invalid_request");
    assertProblem(deliver(unknownType, t, EdgeFixture.WEBHOOK_SECRET), 400, "invalid_request");
    assertProblem(deliver(unknownCurrency, t, EdgeFixture.WEBHOOK_SECRET), 400, "invalid_request");
    assertProblem(send("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", signature(t,
      "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")), 400, "invalid_request");
    for (JsonObject refused : new JsonObject[] {wrongAmount, unknownReference, extraMember, unknownType, unknownCurrency}) {
      assertThat(recorded(refused.getString("id"))).isZero();
    }
    assertThat(alice.wallet(deposit.wallet()).getLong("seq")).isZero();
  }

  /**
   * Until 2026-12-06 a reversal ahead of its success was refused 503 for the gateway to send again, and
   * was lost once the gateway stopped trying while the movement stayed where it was (a slow shard, a
   * halt): the wallet kept money the gateway had taken back, or a customer lost a returned payout.
   */
  @Test
  @DisplayName("a reversal that arrives before the credit is both verdicts at once: the deposit is reversed without "
    + "being credited, and the late success changes nothing")
  void reversalBeforeCredit() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 300);
    JsonObject reversal = event("deposit.reversed", deposit.id(), 300);

    HttpResponse<Buffer> early = deliver(reversal, now(), EdgeFixture.WEBHOOK_SECRET);
    HttpResponse<Buffer> success = deliver(event("deposit.succeeded", deposit.id(), 300), now(),
      EdgeFixture.WEBHOOK_SECRET);
    HttpResponse<Buffer> again = deliver(reversal, now(), EdgeFixture.WEBHOOK_SECRET);

    assertThat(early.statusCode()).as(early.bodyAsString()).isEqualTo(200);
    assertThat(recorded(reversal.getString("id"))).isEqualTo(1);
    assertThat(success.statusCode()).as(success.bodyAsString()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getBoolean("duplicate")).isTrue();
    assertThat(alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject().getString("status")).isEqualTo("reversed");
    assertThat(alice.wallet(deposit.wallet()).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 0).put("held", 0));
    // until 2026-12-07 credited, then taken back by a hold settled at once
    assertThat(alice.wallet(deposit.wallet()).getLong("seq")).isZero();
  }

  @Test
  @DisplayName("a late word about a deposit the gateway took back, success or failure, agrees with how it ended: "
    + "not counted as a contradiction")
  void lateWordsAboutAReversedDeposit() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 400);
    double before = contradictions();

    deliver(event("deposit.reversed", deposit.id(), 400), now(), EdgeFixture.WEBHOOK_SECRET);
    HttpResponse<Buffer> failed = deliver(event("deposit.failed", deposit.id(), 400), now(),
      EdgeFixture.WEBHOOK_SECRET);
    HttpResponse<Buffer> succeeded = deliver(event("deposit.succeeded", deposit.id(), 400), now(),
      EdgeFixture.WEBHOOK_SECRET);

    assertThat(failed.statusCode()).as(failed.bodyAsString()).isEqualTo(200);
    assertThat(succeeded.statusCode()).as(succeeded.bodyAsString()).isEqualTo(200);
    assertThat(contradictions()).isEqualTo(before);
    assertThat(alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject().getString("status")).isEqualTo("reversed");
  }

  @Test
  @DisplayName("a payout returned before it is paid is settled and credited back at once; paid then, it changes "
    + "nothing however often delivered")
  void payoutEventsInAndOutOfOrder() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 2_000);
    HttpResponse<Buffer> requested = alice.post("/v1/withdrawals", withdrawal(wallet, 500, "timeout"), newKey());
    assertThat(requested.statusCode()).as(requested.bodyAsString()).isEqualTo(202);
    String id = requested.bodyAsJsonObject().getString("id");
    JsonObject paid = event("payout.paid", id, 500);
    JsonObject returned = event("payout.returned", id, 500);

    HttpResponse<Buffer> early = deliver(returned, now(), EdgeFixture.WEBHOOK_SECRET);
    JsonObject balanceReturned = alice.wallet(wallet).getJsonObject("balance");
    HttpResponse<Buffer> first = deliver(paid, now(), EdgeFixture.WEBHOOK_SECRET);
    HttpResponse<Buffer> again = deliver(paid, now(), EdgeFixture.WEBHOOK_SECRET);

    assertThat(early.statusCode()).as(early.bodyAsString()).isEqualTo(200);
    assertThat(recorded(returned.getString("id"))).isEqualTo(1);
    assertThat(balanceReturned).isEqualTo(new JsonObject().put("available", 2_000).put("held", 0));
    assertThat(first.bodyAsJsonObject().getBoolean("duplicate")).as(first.bodyAsString()).isFalse();
    assertThat(again.bodyAsJsonObject().getBoolean("duplicate")).isTrue();
    assertThat(alice.get("/v1/withdrawals/" + id).bodyAsJsonObject().getString("status")).isEqualTo("reversed");
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 2_000).put("held", 0));
  }

  @Test
  @DisplayName("a payout returned to a wallet frozen since it was paid is credited back to it, which stays frozen")
  void payoutReturnedToAFrozenWallet() {
    PaidOut paid = paidOutThen(2_000, 500, "frozen");
    double strandedBefore = stranded("withdrawal");

    HttpResponse<Buffer> returned = deliver(event("payout.returned", paid.id(), 500), now(), EdgeFixture.WEBHOOK_SECRET);

    assertThat(returned.statusCode()).as(returned.bodyAsString()).isEqualTo(200);
    assertThat(paid.owner().get("/v1/withdrawals/" + paid.id()).bodyAsJsonObject().getString("status"))
      .isEqualTo("reversed");
    assertThat(paid.owner().wallet(paid.wallet()).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 2_000).put("held", 0));
    assertThat(paid.owner().wallet(paid.wallet()).getString("status")).isEqualTo("frozen");
    assertThat(stranded("withdrawal")).as("nothing stranded").isEqualTo(strandedBefore);
  }

  @Test
  @DisplayName("a payout returned to a wallet closed since stays in the gateway's clearing account: an error, counted "
    + "for the alert that asks an operator to pay the customer")
  void payoutReturnedToAClosedWallet() {
    PaidOut paid = paidOutThen(500, 500, "closed");
    double strandedBefore = stranded("withdrawal");

    HttpResponse<Buffer> returned = deliver(event("payout.returned", paid.id(), 500), now(), EdgeFixture.WEBHOOK_SECRET);

    assertThat(returned.statusCode()).as(returned.bodyAsString()).isEqualTo(200);
    JsonObject withdrawal = paid.owner().get("/v1/withdrawals/" + paid.id()).bodyAsJsonObject();
    assertThat(withdrawal.getString("status")).isEqualTo("reversed");
    assertThat(withdrawal.getString("failureReason")).isEqualTo("return not credited: wallet_inactive");
    assertThat(paid.owner().wallet(paid.wallet()).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 0).put("held", 0));
    assertThat(stranded("withdrawal")).as("the stranded return counted").isEqualTo(strandedBefore + 1);
  }

  /**
   * The edge went down between recording the gateway's return (returning) and crediting it: the
   * wallet was empty, nothing held, no deposit on its way, and until 2026-12-07 it closed, and the
   * return's credit was then refused and the money stranded at the gateway.
   */
  @Test
  @DisplayName("a wallet whose returned payout is still to be credited back does not close (409); the return is then "
    + "credited to it")
  void aWalletWithAReturnToCreditDoesNotClose() {
    PaidOut paid = paidOutThen(500, 500, "active");
    Await.result(database.preparedQuery("UPDATE edge.withdrawals SET status = 'returning' WHERE id = $1")
      .execute(Tuple.of(paid.id())));

    HttpResponse<Buffer> closing = edge.newUser("admin").post("/admin/wallets/" + paid.wallet() + "/status",
      new JsonObject().put("status", "closed").put("reason", "test"), Optional.empty());
    HttpResponse<Buffer> returned = deliver(event("payout.returned", paid.id(), 500), now(), EdgeFixture.WEBHOOK_SECRET);

    assertProblem(closing, 409, "money_in_flight");
    assertThat(returned.statusCode()).as(returned.bodyAsString()).isEqualTo(200);
    assertThat(paid.owner().wallet(paid.wallet()).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 500).put("held", 0));
    assertThat(paid.owner().wallet(paid.wallet()).getString("status")).isEqualTo("active");
  }

  @Test
  @DisplayName("a deposit the gateway collects after its wallet was frozen is credited to it, which stays frozen")
  void depositCollectedForAFrozenWallet() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 700);
    setStatus(deposit.wallet(), "frozen");
    double strandedBefore = stranded("deposit");

    HttpResponse<Buffer> succeeded = deliver(event("deposit.succeeded", deposit.id(), 700), now(),
      EdgeFixture.WEBHOOK_SECRET);

    assertThat(succeeded.statusCode()).as(succeeded.bodyAsString()).isEqualTo(200);
    assertThat(alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject().getString("status"))
      .isEqualTo("completed");
    assertThat(alice.wallet(deposit.wallet()).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 700).put("held", 0));
    assertThat(alice.wallet(deposit.wallet()).getString("status")).isEqualTo("frozen");
    assertThat(stranded("deposit")).as("nothing stranded").isEqualTo(strandedBefore);
  }

  /**
   * The wallet is closed through the money core, as a close does that passed the check an instant
   * before the deposit was asked for: /admin refuses to close a wallet with a deposit on its way.
   */
  @Test
  @DisplayName("a wallet with a deposit on its way does not close (409); one closed all the same, the deposit the "
    + "gateway then collects is failed and its money counted stranded, for the alert that asks an operator to "
    + "return it")
  void depositCollectedForAClosedWallet() {
    ApiCaller alice = edge.newUser();
    Pending deposit = pendingDeposit(alice, 700);
    HttpResponse<Buffer> closing = edge.newUser("admin").post("/admin/wallets/" + deposit.wallet() + "/status",
      new JsonObject().put("status", "closed").put("reason", "test"), Optional.empty());
    assertProblem(closing, 409, "money_in_flight");
    Await.result(edge.cache.setStatus(new WalletId(deposit.wallet()), WalletStatus.CLOSED, "closed before it"));
    double strandedBefore = stranded("deposit");

    HttpResponse<Buffer> succeeded = deliver(event("deposit.succeeded", deposit.id(), 700), now(),
      EdgeFixture.WEBHOOK_SECRET);

    assertThat(succeeded.statusCode()).as(succeeded.bodyAsString()).isEqualTo(200);
    JsonObject failed = alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject();
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("failureReason")).isEqualTo("credit refused: wallet_inactive");
    assertThat(stranded("deposit")).as("the stranded deposit counted").isEqualTo(strandedBefore + 1);
  }

  @Test
  @DisplayName("a chargeback the wallet can no longer pay freezes it and is counted for the alert, the balance never "
    + "negative")
  void chargebackUnrecovered() {
    ApiCaller alice = edge.newUser();
    Pending deposit = creditedDeposit(alice, 800);
    String elsewhere = alice.openWallet();
    HttpResponse<Buffer> spent = alice.post("/v1/transfers", new JsonObject().put("fromWalletId", deposit.wallet())
      .put("toWalletId", elsewhere).put("amount", 800).put("currency", "USD"), newKey());
    assertThat(spent.statusCode()).as(spent.bodyAsString()).isIn(201, 202);
    double strandedBefore = stranded("deposit");

    HttpResponse<Buffer> reversed = chargeback(deposit, 800);

    assertThat(reversed.statusCode()).as(reversed.bodyAsString()).isEqualTo(200);
    JsonObject unrecovered = alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject();
    assertThat(unrecovered.getString("failureReason")).isEqualTo("chargeback unrecovered: insufficient_funds");
    assertThat(alice.wallet(deposit.wallet()).getString("status")).isEqualTo("frozen");
    assertThat(alice.available(deposit.wallet())).isZero();
    assertThat(stranded("deposit")).as("the unrecovered chargeback counted").isEqualTo(strandedBefore + 1);
  }

  @Test
  @DisplayName("a chargeback that money held for a payout would cover freezes the wallet and waits: the payout "
    + "declined, the money comes back and is taken; the payout paid, the chargeback is unrecovered")
  void chargebackWaitsForHeldMoney() {
    for (String payoutEnd : List.of("payout.failed", "payout.paid")) {
      ApiCaller alice = edge.newUser();
      Pending deposit = creditedDeposit(alice, 1_000);
      HttpResponse<Buffer> requested = alice.post("/v1/withdrawals", withdrawal(deposit.wallet(), 800, "timeout"),
        newKey());
      assertThat(requested.statusCode()).as(requested.bodyAsString()).isEqualTo(202);
      String payout = requested.bodyAsJsonObject().getString("id");
      double strandedBefore = stranded("deposit");
      JsonObject reversal = event("deposit.reversed", deposit.id(), 1_000);

      HttpResponse<Buffer> reversed = deliver(reversal, now(), EdgeFixture.WEBHOOK_SECRET);
      JsonObject waiting = alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject();
      String statusWhileWaiting = alice.wallet(deposit.wallet()).getString("status");
      HttpResponse<Buffer> ended = deliver(event(payoutEnd, payout, 800), now(), EdgeFixture.WEBHOOK_SECRET);
      HttpResponse<Buffer> again = deliver(reversal, now(), EdgeFixture.WEBHOOK_SECRET);

      assertThat(reversed.statusCode()).as(reversed.bodyAsString()).isEqualTo(200);
      assertThat(waiting.getString("status")).as("taken back, not yet: still completed").isEqualTo("completed");
      assertThat(waiting.getString("failureReason")).isEqualTo("reversed by the gateway");
      assertThat(statusWhileWaiting).isEqualTo("frozen");
      assertThat(ended.statusCode()).as(ended.bodyAsString()).isEqualTo(200);
      assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
      JsonObject deposited = alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject();
      assertThat(alice.wallet(deposit.wallet()).getString("status")).isEqualTo("frozen");
      if (payoutEnd.equals("payout.failed")) {
        assertThat(deposited.getString("status")).isEqualTo("reversed");
        assertThat(alice.wallet(deposit.wallet()).getJsonObject("balance"))
          .isEqualTo(new JsonObject().put("available", 0).put("held", 0));
        assertThat(stranded("deposit")).as("nothing stranded").isEqualTo(strandedBefore);
      } else {
        assertThat(deposited.getString("failureReason")).isEqualTo("chargeback unrecovered: insufficient_funds");
        assertThat(alice.wallet(deposit.wallet()).getJsonObject("balance"))
          .isEqualTo(new JsonObject().put("available", 200).put("held", 0));
        assertThat(stranded("deposit")).as("the unrecovered chargeback counted").isEqualTo(strandedBefore + 1);
      }
    }
  }

  @Test
  @DisplayName("a chargeback of a wallet frozen since the deposit takes the money back from it, which stays frozen")
  void chargebackOfAFrozenWallet() {
    ApiCaller alice = edge.newUser();
    Pending deposit = creditedDeposit(alice, 800);
    setStatus(deposit.wallet(), "frozen");
    double strandedBefore = stranded("deposit");

    HttpResponse<Buffer> reversed = chargeback(deposit, 800);

    assertThat(reversed.statusCode()).as(reversed.bodyAsString()).isEqualTo(200);
    JsonObject taken = alice.get("/v1/deposits/" + deposit.id()).bodyAsJsonObject();
    assertThat(taken.getString("status")).isEqualTo("reversed");
    assertThat(taken.getString("failureReason")).as("taken back, not unrecovered").isEqualTo("reversed by the gateway");
    assertThat(alice.wallet(deposit.wallet()).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 0).put("held", 0));
    assertThat(alice.wallet(deposit.wallet()).getString("status")).isEqualTo("frozen");
    assertThat(stranded("deposit")).as("nothing stranded").isEqualTo(strandedBefore);
  }

  @Test
  @DisplayName("the counters the gateway alerts watch are exported at zero from the start, so that their first event "
    + "is an increase")
  void alertCountersStartAtZero() {
    for (String name : List.of("wallet_gateway_contradictions_total", "wallet_gateway_money_stranded_total",
        "wallet_gateway_unsettled_rounds_total")) {
      for (String movement : List.of("deposit", "withdrawal")) {
        assertThat(edge.registry.find(name).tags("gateway", "sandbox", "movement", movement).counter())
          .as(name + " of " + movement + "s").isNotNull();
      }
    }
  }

  /**
   * A webhook that changes nothing reads the movement as it stands inside its own transaction; until
   * 2026-12-07 it took a second connection for that, and as many such webhooks at once as the pool
   * had connections each held one and waited for another, until all of them timed out (503).
   */
  @Test
  @DisplayName("more webhooks at once than the edge has database connections, each news the wallet has already, "
    + "are all answered 200")
  void webhooksThatChangeNothingNeedOneConnectionEach(Vertx vertx) {
    EdgeFixture small = EdgeFixture.start(vertx, Map.of("WALLET_PG_POOL_SIZE", "2",
      "WALLET_FUNDS_STALE_AFTER_MS", "600000"));
    try {
      ApiCaller alice = small.newUser();
      List<Pending> deposits = List.of(pendingDeposit(alice, 300), pendingDeposit(alice, 400));
      for (Pending deposit : deposits) {
        long amount = deposit == deposits.get(0) ? 300 : 400;
        assertThat(Await.result(deliverTo(small, event("deposit.succeeded", deposit.id(), amount))).statusCode())
          .isEqualTo(200);
      }

      List<Future<HttpResponse<Buffer>>> again = List.of(
        deliverTo(small, event("deposit.succeeded", deposits.get(0).id(), 300)),
        deliverTo(small, event("deposit.succeeded", deposits.get(1).id(), 400)),
        deliverTo(small, event("deposit.succeeded", deposits.get(0).id(), 300)),
        deliverTo(small, event("deposit.succeeded", deposits.get(1).id(), 400)));

      for (Future<HttpResponse<Buffer>> answer : again) {
        assertThat(Await.result(answer).statusCode()).as(Await.result(answer).bodyAsString()).isEqualTo(200);
      }
      assertThat(alice.available(deposits.get(0).wallet()) + alice.available(deposits.get(1).wallet()))
        .isEqualTo(700);
    } finally {
      small.close();
    }
  }

  /** {@code event} signed and sent to {@code target}, not awaited. */
  private static Future<HttpResponse<Buffer>> deliverTo(EdgeFixture target, JsonObject event) {
    String body = event.encode();
    return target.http.post(PATH).putHeader("Content-Type", "application/json")
      .putHeader(WebhookSignature.HEADER, signature(now(), body)).sendBuffer(Buffer.buffer(body));
  }

  /** A deposit the gateway said it collected: credited. */
  private static Pending creditedDeposit(ApiCaller owner, long amount) {
    Pending deposit = pendingDeposit(owner, amount);
    HttpResponse<Buffer> succeeded = deliver(event("deposit.succeeded", deposit.id(), amount), now(),
      EdgeFixture.WEBHOOK_SECRET);
    assertThat(succeeded.statusCode()).as(succeeded.bodyAsString()).isEqualTo(200);
    return deposit;
  }

  private static HttpResponse<Buffer> chargeback(Pending deposit, long amount) {
    return deliver(event("deposit.reversed", deposit.id(), amount), now(), EdgeFixture.WEBHOOK_SECRET);
  }

  private record PaidOut(ApiCaller owner, String wallet, String id) {
  }

  /** A new wallet funded with {@code funds}, {@code amount} paid out of it, then the wallet set to {@code status}. */
  private static PaidOut paidOutThen(long funds, long amount, String status) {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, funds);
    String id = paidOut(alice, wallet, amount);
    setStatus(wallet, status);
    return new PaidOut(alice, wallet, id);
  }

  /** A withdrawal of {@code amount} the gateway said it paid: completed. */
  private static String paidOut(ApiCaller owner, String wallet, long amount) {
    HttpResponse<Buffer> requested = owner.post("/v1/withdrawals", withdrawal(wallet, amount, "timeout"), newKey());
    assertThat(requested.statusCode()).as(requested.bodyAsString()).isEqualTo(202);
    String id = requested.bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> paid = deliver(event("payout.paid", id, amount), now(), EdgeFixture.WEBHOOK_SECRET);
    assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(200);
    assertThat(owner.get("/v1/withdrawals/" + id).bodyAsJsonObject().getString("status")).isEqualTo("completed");
    return id;
  }

  private static void setStatus(String wallet, String status) {
    HttpResponse<Buffer> set = edge.newUser("admin").post("/admin/wallets/" + wallet + "/status",
      new JsonObject().put("status", status).put("reason", "test"), Optional.empty());
    assertThat(set.statusCode()).as(set.bodyAsString()).isEqualTo(200);
  }

  private static double stranded(String movement) {
    Counter counter = edge.registry.find("wallet_gateway_money_stranded_total").tags("gateway", "sandbox", "movement",
      movement).counter();
    return counter == null ? 0 : counter.count();
  }

  private record Pending(String wallet, String id) {
  }

  /** A deposit the sandbox will never confirm by itself (its account is "timeout"). */
  private static Pending pendingDeposit(ApiCaller owner, long amount) {
    String wallet = owner.openWallet();
    HttpResponse<Buffer> deposited = owner.post("/v1/deposits", deposit(wallet, amount, "sandbox", "timeout"), newKey());
    assertThat(deposited.statusCode()).isEqualTo(202);
    return new Pending(wallet, deposited.bodyAsJsonObject().getString("id"));
  }

  static JsonObject event(String type, String reference, long amount) {
    return new JsonObject().put("id", "evt_test_" + UUID.randomUUID().toString().replace("-", ""))
      .put("type", type).put("created", now())
      .put("data", new JsonObject().put("reference", reference).put("amount", amount).put("currency", "USD"));
  }

  private static HttpResponse<Buffer> deliver(JsonObject event, long timestamp, String secret) {
    String body = event.encode();
    return send(body, new WebhookSignature(secret).header(timestamp, bytes(body)));
  }

  private static String signature(long timestamp, String body) {
    return new WebhookSignature(EdgeFixture.WEBHOOK_SECRET).header(timestamp, bytes(body));
  }

  private static HttpResponse<Buffer> send(String body, String signature) {
    return sendTo(PATH, body, signature);
  }

  private static HttpResponse<Buffer> sendTo(String path, String body, String signature) {
    HttpRequest<Buffer> request = edge.http.post(path).putHeader("Content-Type", "application/json");
    if (signature != null) {
      request.putHeader(WebhookSignature.HEADER, signature);
    }
    return Await.result(request.sendBuffer(Buffer.buffer(body)));
  }

  private static long recorded(String eventId) {
    return Await.result(database.preparedQuery("SELECT count(*) FROM edge.gateway_events WHERE event_id = $1")
      .execute(Tuple.of(eventId))).iterator().next().getLong(0);
  }

  private static long now() {
    return Instant.now().getEpochSecond();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
