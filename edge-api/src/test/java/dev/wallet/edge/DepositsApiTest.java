package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.deposit;
import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.shardOf;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.RedisNodes;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Deposits through the sandbox gateway, running for real beside the edge: it confirms each
 * deposit by POSTing a signed webhook to the edge over HTTP. The source's account steers the
 * sandbox, like a test card number: "decline", "timeout" (the answer and the webhook are lost,
 * the edge must ask), "reverse" (a chargeback follows), "timeout-reverse" (both), "short" (it
 * collects a unit less than asked).
 */
@ExtendWith(VertxExtension.class)
class DepositsApiTest {

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
  @DisplayName("a sandbox deposit is pending (202) until the gateway's signed webhook confirms it, then credited once")
  void pendingThenCompleted() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();

    HttpResponse<Buffer> deposited = alice.post("/v1/deposits", deposit(wallet, 1_050, "sandbox"), newKey());

    assertThat(deposited.statusCode()).as(deposited.bodyAsString()).isEqualTo(202);
    JsonObject pending = deposited.bodyAsJsonObject();
    assertThat(pending.getString("id")).matches("d" + shardOf(wallet) + "_[0-9a-f]{24}");
    assertThat(deposited.getHeader("Location")).isEqualTo("/v1/deposits/" + pending.getString("id"));
    assertThat(pending.getString("status")).isEqualTo("pending");
    JsonObject completed = alice.awaitStatus("/v1/deposits/" + pending.getString("id"), "completed");
    assertThat(completed.copy().put("createdAt", "-")).isEqualTo(new JsonObject().put("id", pending.getString("id"))
      .put("walletId", wallet).put("status", "completed").put("amount", 1_050).put("currency", "USD")
      .put("source", "sandbox").put("createdAt", "-"));
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 1_050).put("held", 0));
    assertThat(alice.wallet(wallet).getLong("seq")).isEqualTo(1);
  }

  @Test
  @DisplayName("bank and card deposits go through the same gateway path (the sandbox stands in for both here)")
  void bankAndCard() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();

    String bank = alice.post("/v1/deposits", deposit(wallet, 300, "bank"), newKey()).bodyAsJsonObject().getString("id");
    String card = alice.post("/v1/deposits", deposit(wallet, 200, "card"), newKey()).bodyAsJsonObject().getString("id");

    assertThat(alice.awaitStatus("/v1/deposits/" + bank, "completed").getString("source")).isEqualTo("bank");
    assertThat(alice.awaitStatus("/v1/deposits/" + card, "completed").getString("source")).isEqualTo("card");
    assertThat(alice.available(wallet)).isEqualTo(500);
  }

  @Test
  @DisplayName("a deposit retried under its key is recorded and credited once; the retry replays the same deposit")
  void replay() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    String key = newKey();

    HttpResponse<Buffer> first = alice.post("/v1/deposits", deposit(wallet, 500, "sandbox"), key);
    HttpResponse<Buffer> again = alice.post("/v1/deposits", deposit(wallet, 500, "sandbox"), key);
    HttpResponse<Buffer> reused = alice.post("/v1/deposits", deposit(wallet, 501, "sandbox"), key);

    assertThat(again.statusCode()).isEqualTo(202);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(first.bodyAsJsonObject().getString("id"));
    assertProblem(reused, 422, "idempotency_key_reused");
    alice.awaitStatus("/v1/deposits/" + first.bodyAsJsonObject().getString("id"), "completed");
    assertThat(alice.available(wallet)).isEqualTo(500);
  }

  @Test
  @DisplayName("a declined deposit fails and credits nothing")
  void declined() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();

    String id = alice.post("/v1/deposits", deposit(wallet, 700, "card", "decline"), newKey()).bodyAsJsonObject()
      .getString("id");

    JsonObject failed = alice.awaitStatus("/v1/deposits/" + id, "failed");
    assertThat(failed.getString("failureReason")).isEqualTo("declined by the issuer");
    assertThat(alice.wallet(wallet).getLong("seq")).isZero();
  }

  @Test
  @DisplayName("a deposit whose answer and webhook the gateway lost is found by asking the gateway, and credited once")
  void lostAnswer() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();

    HttpResponse<Buffer> deposited = alice.post("/v1/deposits", deposit(wallet, 900, "bank", "timeout"), newKey());

    assertThat(deposited.statusCode()).isEqualTo(202);
    alice.awaitStatus("/v1/deposits/" + deposited.bodyAsJsonObject().getString("id"), "completed");
    assertThat(alice.available(wallet)).isEqualTo(900);
  }

  @Test
  @DisplayName("a gateway that says it collected another amount than asked is not believed, by webhook (400) nor when "
    + "asked: nothing is credited, and the disagreement is counted for the alert")
  void aGatewayThatCollectedAnotherAmount() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    double before = contradictions();

    HttpResponse<Buffer> deposited = alice.post("/v1/deposits", deposit(wallet, 900, "bank", "short"), newKey());

    assertThat(deposited.statusCode()).isEqualTo(202);
    Eventually.await("the reconciler to ask the gateway and find it disagrees", Duration.ofSeconds(30),
      () -> contradictions() > before);
    assertThat(alice.get("/v1/deposits/" + deposited.bodyAsJsonObject().getString("id")).bodyAsJsonObject()
      .getString("status")).isEqualTo("pending");
    assertThat(alice.available(wallet)).isZero();
  }

  private static double contradictions() {
    Counter counter = edge.registry.find("wallet_gateway_contradictions_total").tags("gateway", "sandbox", "movement",
      "deposit").counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  @DisplayName("a chargeback after the credit takes the money back to the gateway's clearing account: reversed")
  void chargeback() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 100);

    String id = alice.post("/v1/deposits", deposit(wallet, 400, "card", "reverse"), newKey()).bodyAsJsonObject()
      .getString("id");

    JsonObject reversed = alice.awaitStatus("/v1/deposits/" + id, "reversed");
    assertThat(reversed.getString("failureReason")).isEqualTo("chargeback");
    assertThat(alice.wallet(wallet).getJsonObject("balance"))
      .isEqualTo(new JsonObject().put("available", 100).put("held", 0));
    assertThat(alice.wallet(wallet).getString("status")).isEqualTo("active");
  }

  /**
   * The gateway lost every answer and webhook, and the deposit was charged back before the reconciler
   * asked. The money-core step after it fails once (its shard's master holds writes back for longer
   * than a request may wait); the next round ends it. Until 2026-12-06 the deposit stayed completed
   * and was never asked about again: the wallet kept money the gateway had taken back. Until
   * 2026-12-07 that step was a credit, taken back by a hold after; it is now the credit forgone
   * (aReversalLearntBeforeTheCreditNeverReachesTheBalance), so nothing is booked.
   */
  @Test
  @DisplayName("a chargeback learnt by asking the gateway still reverses the deposit when the money core's step "
    + "after it failed once")
  void chargebackLearntByAskingOutlivesAFailedCredit(Vertx vertx) {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    int master = RedisNodes.masterOf(new WalletId(wallet).shard());
    Pool app = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    String id;
    RedisNodes.cli(master, "CLIENT", "PAUSE", "30000", "WRITE");
    try {
      id = alice.post("/v1/deposits", deposit(wallet, 400, "card", "timeout-reverse"), newKey()).bodyAsJsonObject()
        .getString("id");
      Eventually.await("the reconciler to learn the chargeback and try the credit", Duration.ofSeconds(20),
        () -> "crediting".equals(state(app, id).getString("status")));
      long tried = state(app, id).getLong("touched");
      Eventually.await("the reconciler to take the deposit up again after the credit failed", Duration.ofSeconds(20),
        () -> state(app, id).getLong("touched") > tried);
      assertThat(state(app, id).getString("status")).isEqualTo("crediting");
    } finally {
      RedisNodes.cli(master, "CLIENT", "UNPAUSE");
    }
    try {
      JsonObject reversed = alice.awaitStatus("/v1/deposits/" + id, "reversed");
      assertThat(reversed.getString("failureReason")).isEqualTo("chargeback");
      assertThat(alice.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 0).put("held", 0));
      // the credit forgone: nothing booked
      assertThat(alice.wallet(wallet).getLong("seq")).isZero();
    } finally {
      app.close();
    }
  }

  private static JsonObject state(Pool app, String deposit) {
    Row row = Await.result(app.preparedQuery("SELECT status, (extract(epoch FROM updated_at) * 1000000)::bigint "
      + "AS touched FROM edge.deposits WHERE id = $1").execute(Tuple.of(deposit))).iterator().next();
    return new JsonObject().put("status", row.getString("status")).put("touched", row.getLong("touched"));
  }

  /**
   * The gateway lost every answer and webhook of the deposit and took it back before the reconciler
   * asked: the wallet learns both verdicts before it has credited anything. Until 2026-12-07 it
   * credited the deposit (pushed on the socket: 400 available), then took it back by a hold: in
   * between the money was spendable, and a transfer sent then (a bot watching this socket) left the
   * chargeback unrecovered and the wallet frozen. Now the credit is forgone: the balance never shows
   * the money and the wallet's books never have it. A later deposit of 7 is the marker: the socket
   * brings a wallet's changes in order, so once its change has arrived every earlier one has.
   */
  @Test
  @DisplayName("a deposit the gateway took back before the wallet credited it never reaches the balance: reversed, "
    + "nothing booked, nothing pushed, no money stranded")
  void aReversalLearntBeforeTheCreditNeverReachesTheBalance(Vertx vertx) {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    LiveSocket socket = LiveSocket.open(vertx, edge.port(), wallet, alice.token());
    double strandedBefore = stranded();

    String id = alice.post("/v1/deposits", deposit(wallet, 400, "card", "timeout-reverse"), newKey())
      .bodyAsJsonObject().getString("id");
    JsonObject reversed = alice.awaitStatus("/v1/deposits/" + id, "reversed");
    alice.deposit(wallet, 7);
    socket.awaitMessage("the marker deposit's balance event", message -> "balance".equals(message.getString("type"))
      && message.getLong("available") == 7);

    try {
      assertThat(reversed.getString("failureReason")).isEqualTo("chargeback");
      assertThat(socket.messages.stream().filter(message -> "balance".equals(message.getString("type")))
        .map(message -> message.getLong("available"))).as("every balance pushed").containsExactly(7L);
      assertThat(alice.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 7).put("held", 0));
      assertThat(alice.wallet(wallet).getLong("seq")).as("the marker is the wallet's only posting").isEqualTo(1);
      assertThat(alice.wallet(wallet).getString("status")).isEqualTo("active");
      assertThat(stranded()).isEqualTo(strandedBefore);
    } finally {
      socket.socket.close();
    }
  }

  private static double stranded() {
    Counter counter = edge.registry.find("wallet_gateway_money_stranded_total").tags("gateway", "sandbox", "movement",
      "deposit").counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  @DisplayName("a chargeback the wallet cannot pay (the money was spent) freezes the wallet for review; no balance goes negative")
  void unrecoveredChargeback() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    String spending = alice.openWalletNear(wallet);
    String id = alice.post("/v1/deposits", deposit(wallet, 400, "card", "reverse"), newKey()).bodyAsJsonObject()
      .getString("id");
    alice.awaitStatus("/v1/deposits/" + id, "completed");
    assertThat(alice.post("/v1/transfers", ApiCaller.transfer(wallet, spending, 350), newKey()).statusCode())
      .isEqualTo(201);

    JsonObject reversed = alice.awaitStatus("/v1/deposits/" + id, "reversed");

    assertThat(reversed.getString("failureReason")).isEqualTo("chargeback unrecovered: insufficient_funds");
    assertThat(alice.wallet(wallet).getString("status")).isEqualTo("frozen");
    assertThat(alice.available(wallet)).isEqualTo(50);
  }

  @Test
  @DisplayName("a deposit into another caller's wallet is 404; another currency is currency_mismatch; nothing is credited")
  void refusedDeposits() {
    ApiCaller alice = edge.newUser();
    ApiCaller mallory = edge.newUser();
    String wallet = alice.openWallet();

    HttpResponse<Buffer> foreign = mallory.post("/v1/deposits", deposit(wallet, 500, "sandbox"), newKey());
    HttpResponse<Buffer> euros = alice.post("/v1/deposits", deposit(wallet, 500, "sandbox").put("currency", "EUR"),
      newKey());
    HttpResponse<Buffer> unknownSource = alice.post("/v1/deposits", deposit(wallet, 500, "crypto"), newKey());

    assertProblem(foreign, 404, "not_found");
    assertProblem(euros, 422, "currency_mismatch");
    assertProblem(unknownSource, 400, "invalid_request");
    assertThat(alice.wallet(wallet).getLong("seq")).isZero();
  }

  /**
   * Until 2026-12-07 a refusal before anything was asked recorded nothing, and the request corrected
   * under the same key was collected as a new deposit.
   */
  @Test
  @DisplayName("a deposit refused for its currency stays refused under its key (422 currency_mismatch, replayed); "
    + "the request corrected under that key is idempotency_key_reused; the refusal reads back as failed")
  void refusedForItsCurrencyStaysRefused() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    String key = newKey();
    JsonObject euros = deposit(wallet, 500, "sandbox").put("currency", "EUR");

    HttpResponse<Buffer> refused = alice.post("/v1/deposits", euros, key);
    HttpResponse<Buffer> again = alice.post("/v1/deposits", euros, key);
    HttpResponse<Buffer> corrected = alice.post("/v1/deposits", deposit(wallet, 500, "sandbox"), key);

    assertProblem(refused, 422, "currency_mismatch");
    assertProblem(again, 422, "currency_mismatch");
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertProblem(corrected, 422, "idempotency_key_reused");
    JsonObject recorded = alice.get("/v1/deposits/" + refused.bodyAsJsonObject().getString("depositId"))
      .bodyAsJsonObject();
    assertThat(recorded.getString("status")).isEqualTo("failed");
    assertThat(recorded.getString("failureReason")).isEqualTo("refused:currency_mismatch");
    assertThat(alice.wallet(wallet).getLong("seq")).isZero();
  }

  @Test
  @DisplayName("a deposit is visible to its wallet's owner only")
  void visibleToOwnerOnly() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    String id = alice.post("/v1/deposits", deposit(wallet, 500, "sandbox"), newKey()).bodyAsJsonObject()
      .getString("id");

    assertProblem(edge.newUser().get("/v1/deposits/" + id), 404, "not_found");
    assertProblem(alice.get("/v1/deposits/d0001_" + "0".repeat(24)), 404, "not_found");
    assertThat(alice.get("/v1/deposits/" + id).statusCode()).isEqualTo(200);
  }

  /**
   * A step that fails every time: the shard's clearing account of the gateway is no account in Redis
   * (as after a loss no failover recovers). Until 2026-12-07 each round logged a warning and nothing
   * counted it.
   */
  @Test
  @DisplayName("a deposit no reconciliation round gets further is counted in every round (the stuck-movement alert's "
    + "counter), and settles once its step can be taken")
  void aMovementNoRoundGetsFurtherIsCounted() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    String clearing = new WalletId(wallet).shard().tag() + ":a:clearing.sandbox:USD";
    int master = RedisNodes.masterOf(new WalletId(wallet).shard());
    double before = unsettledRounds("deposit");
    boolean existed = "1".equals(RedisNodes.cli(master, "EXISTS", clearing).trim());
    if (existed) {
      RedisNodes.cli(master, "RENAME", clearing, clearing + ":aside");
    }
    try {
      RedisNodes.cli(master, "SET", clearing, "not an account");
      // the gateway collects it; crediting the wallet fails, in the request and in every round after
      alice.post("/v1/deposits", deposit(wallet, 700, "sandbox"), newKey());

      Eventually.await("rounds to count the deposit they could not credit", Duration.ofSeconds(30),
        () -> unsettledRounds("deposit") >= before + 2);
      assertThat(alice.available(wallet)).isZero();
    } finally {
      RedisNodes.cli(master, "DEL", clearing);
      if (existed) {
        RedisNodes.cli(master, "RENAME", clearing + ":aside", clearing);
      }
    }
    Eventually.await("the deposit credited once its step can be taken", Duration.ofSeconds(30),
      () -> alice.available(wallet) == 700);
  }

  private static double unsettledRounds(String movement) {
    return edge.registry.counter("wallet_gateway_unsettled_rounds_total", "gateway", "sandbox", "movement", movement)
      .count();
  }
}
