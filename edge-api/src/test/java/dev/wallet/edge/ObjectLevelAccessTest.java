package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.deposit;
import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.transfer;
import static dev.wallet.edge.ApiCaller.withdrawal;
import static dev.wallet.edge.PaymentsApiTest.payment;
import static dev.wallet.edge.PaymentsApiTest.refund;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An attacker with a valid account, route by route: Mallory knows the ids of Alice's wallet,
 * deposit, withdrawal, transfer and payment, and of a shop's merchant wallet, and tries every
 * route with them. Each answer is 404 (or 403 for a role), the same as for an id that does not
 * exist, with none of Alice's data in it; afterwards Alice's and the shop's wallets are exactly as
 * they were.
 */
@ExtendWith(VertxExtension.class)
class ObjectLevelAccessTest {

  private static EdgeFixture edge;
  private static ApiCaller alice;
  private static ApiCaller shop;
  private static ApiCaller mallory;
  private static String wallet;
  private static String merchant;
  private static String loot;
  private static String depositId;
  private static String withdrawalId;
  private static String transferId;
  private static String paymentId;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
    alice = edge.newUser();
    shop = edge.newUser("user", "merchant");
    mallory = edge.newUser("user", "merchant");
    wallet = alice.openWallet();
    String aliceSavings = alice.openWalletNear(wallet);
    merchant = new MoneyCore(edge.cache).openMerchant(shop.id(), Optional.of(new WalletId(wallet))).value();
    loot = new MoneyCore(edge.cache).openNear(mallory.id(), new WalletId(wallet)).value();
    depositId = alice.deposit(wallet, 10_000).getString("id");
    withdrawalId = alice.post("/v1/withdrawals", withdrawal(wallet, 100, "acct"), newKey()).bodyAsJsonObject()
      .getString("id");
    alice.awaitStatus("/v1/withdrawals/" + withdrawalId, "completed");
    transferId = alice.post("/v1/transfers", transfer(wallet, aliceSavings, 100), newKey()).bodyAsJsonObject()
      .getString("id");
    paymentId = alice.post("/v1/payments", payment(wallet, merchant, 1_000), newKey()).bodyAsJsonObject()
      .getString("id");
  }

  @AfterAll
  static void stop() {
    edge.close();
  }

  @Test
  @DisplayName("reads: a wallet, its entries, a deposit, a withdrawal, a transfer and a payment of someone else are 404 with no data")
  void reads() {
    for (String path : new String[] {"/v1/wallets/" + wallet, "/v1/wallets/" + wallet + "/entries",
      "/v1/deposits/" + depositId, "/v1/withdrawals/" + withdrawalId, "/v1/transfers/" + transferId,
      "/v1/payments/" + paymentId, "/v1/wallets/" + merchant}) {
      HttpResponse<Buffer> answer = mallory.get(path);
      assertProblem(answer, 404, "not_found");
      assertThat(answer.bodyAsString()).as(path).doesNotContain(alice.id()).doesNotContain(wallet)
        .doesNotContain("10000").doesNotContain("9800");
    }
    assertThat(alice.get("/v1/payments/" + paymentId).statusCode()).isEqualTo(200);
    assertThat(shop.get("/v1/payments/" + paymentId).statusCode()).as("the merchant reads its payments").isEqualTo(200);
  }

  @Test
  @DisplayName("writes: no money leaves or lands in someone else's wallet, whatever the route")
  void writes() {
    JsonObject before = alice.wallet(wallet);
    JsonObject shopBefore = shop.wallet(merchant);

    assertProblem(mallory.post("/v1/transfers", transfer(wallet, loot, 500), newKey()), 404, "not_found");
    assertProblem(mallory.post("/v1/withdrawals", withdrawal(wallet, 500, "mallory-bank"), newKey()), 404,
      "not_found");
    assertProblem(mallory.post("/v1/deposits", deposit(wallet, 500, "sandbox"), newKey()), 404, "not_found");
    assertProblem(mallory.post("/v1/payments", payment(wallet, merchant, 500), newKey()), 404, "not_found");
    assertProblem(mallory.post("/v1/payments/" + paymentId + "/refunds", refund(500), newKey()), 404, "not_found");
    assertProblem(mallory.post("/v1/wallets", new JsonObject().put("currency", "USD").put("type", "personal")
      .put("colocateWith", wallet), Optional.empty()), 404, "not_found");
    assertProblem(alice.post("/v1/payments/" + paymentId + "/refunds", refund(500), newKey()), 403, "forbidden");

    assertThat(alice.wallet(wallet)).isEqualTo(before);
    assertThat(shop.wallet(merchant)).isEqualTo(shopBefore);
  }

  /**
   * The scripts let the system's actor ("*") move money out of any wallet, and the system scopes its own
   * idempotency keys by name; a token naming either is refused before it reaches anything. Until
   * 2026-12-06 a token whose sub was "*" moved another customer's money (with a KYC tier that sends).
   */
  @Test
  @DisplayName("a token whose subject names the system (its actor, or the scope of its own keys) is refused: 401")
  void aSubjectNamingTheSystemIsRefused() {
    JsonObject before = alice.wallet(wallet);

    for (String system : new String[] {"*", "stripes", "sweeps", "edge.withdrawal", "gateway.sandbox"}) {
      ApiCaller impostor = edge.as(system, "user");
      assertProblem(impostor.post("/v1/transfers", transfer(wallet, loot, 500), newKey()), 401, "unauthorized");
      assertProblem(impostor.get("/v1/wallets/" + wallet), 401, "unauthorized");
    }
    assertThat(edge.as("gateway", "user").get("/v1/wallets/" + wallet).statusCode())
      .as("a name that merely resembles one is a customer's").isEqualTo(404);
    assertThat(alice.wallet(wallet)).isEqualTo(before);
  }

  @Test
  @DisplayName("/admin is for the admin and risk roles: a user or a merchant gets 403 on every path, existing or not")
  void adminRoles() {
    ApiCaller admin = edge.newUser("admin");
    ApiCaller risk = edge.newUser("risk");

    assertProblem(mallory.get("/admin/wallets/" + wallet), 403, "forbidden");
    assertProblem(alice.get("/admin/wallets/" + wallet), 403, "forbidden");
    assertProblem(alice.get("/admin/anything"), 403, "forbidden");
    assertProblem(alice.post("/admin/wallets/" + wallet + "/status", new JsonObject().put("status", "closed")
      .put("reason", "mine"), Optional.empty()), 403, "forbidden");
    assertThat(admin.get("/admin/wallets/" + wallet).bodyAsJsonObject().getString("ownerId")).isEqualTo(alice.id());
    assertThat(risk.get("/admin/wallets/" + wallet).statusCode()).isEqualTo(200);
    assertProblem(admin.get("/admin/wallets/w0001_" + "0".repeat(24)), 404, "not_found");
    assertThat(alice.wallet(wallet).getString("status")).isEqualTo("active");
  }

  @Test
  @DisplayName("the risk team freezes a wallet: its owner can no longer move money out of it (422 wallet_inactive), and unfreezes it")
  void riskFreezes() {
    ApiCaller risk = edge.newUser("risk");
    String suspect = alice.openWalletNear(wallet);
    alice.post("/v1/transfers", transfer(wallet, suspect, 300), newKey());

    HttpResponse<Buffer> frozen = risk.post("/admin/wallets/" + suspect + "/status", new JsonObject()
      .put("status", "frozen").put("reason", "review"), Optional.empty());
    HttpResponse<Buffer> blocked = alice.post("/v1/transfers", transfer(suspect, wallet, 100), newKey());
    HttpResponse<Buffer> unfrozen = risk.post("/admin/wallets/" + suspect + "/status", new JsonObject()
      .put("status", "active").put("reason", "cleared"), Optional.empty());

    assertThat(frozen.statusCode()).as(frozen.bodyAsString()).isEqualTo(200);
    assertThat(frozen.bodyAsJsonObject().getString("status")).isEqualTo("frozen");
    assertProblem(blocked, 422, "wallet_inactive");
    assertThat(unfrozen.bodyAsJsonObject().getString("status")).isEqualTo("active");
    assertThat(alice.available(suspect)).isEqualTo(300);
  }

  @Test
  @DisplayName("no one changes the status of a wallet of their own through /admin: a risk user's frozen wallet stays "
    + "frozen for them (403), and someone else lifts it")
  void noOneLiftsTheirOwnFreeze() {
    ApiCaller risk = edge.newUser("risk");
    ApiCaller admin = edge.newUser("admin");
    String own = risk.openWallet();
    HttpResponse<Buffer> frozen = admin.post("/admin/wallets/" + own + "/status", new JsonObject()
      .put("status", "frozen").put("reason", "review"), Optional.empty());
    assertThat(frozen.statusCode()).as(frozen.bodyAsString()).isEqualTo(200);

    HttpResponse<Buffer> byItsOwner = risk.post("/admin/wallets/" + own + "/status", new JsonObject()
      .put("status", "active").put("reason", "mine"), Optional.empty());
    HttpResponse<Buffer> bySomeoneElse = edge.newUser("risk").post("/admin/wallets/" + own + "/status",
      new JsonObject().put("status", "active").put("reason", "cleared"), Optional.empty());

    assertProblem(byItsOwner, 403, "forbidden");
    assertThat(bySomeoneElse.statusCode()).as(bySomeoneElse.bodyAsString()).isEqualTo(200);
    assertThat(risk.wallet(own).getString("status")).isEqualTo("active");
  }

  @Test
  @DisplayName("server-owned members (balance, status, owner, fee) in a body are refused, not applied")
  void serverOwnedMembers() {
    JsonObject personal = new JsonObject().put("currency", "USD").put("type", "personal");

    assertProblem(mallory.post("/v1/wallets", personal.copy().put("balance", new JsonObject().put("available", 1_000_000)),
      Optional.empty()), 400, "invalid_request");
    assertProblem(mallory.post("/v1/wallets", personal.copy().put("status", "active"), Optional.empty()), 400,
      "invalid_request");
    assertProblem(mallory.post("/v1/wallets", personal.copy().put("ownerId", alice.id()), Optional.empty()), 400,
      "invalid_request");
    assertProblem(mallory.post("/v1/wallets", personal.copy().put("kycTier", "full"), Optional.empty()), 400,
      "invalid_request");
    assertProblem(mallory.post("/v1/transfers", transfer(loot, wallet, 1).put("status", "completed"), newKey()), 400,
      "invalid_request");
    assertProblem(mallory.post("/v1/deposits", deposit(loot, 1, "sandbox").put("status", "completed"), newKey()), 400,
      "invalid_request");
    assertProblem(mallory.post("/v1/payments/" + paymentId + "/refunds", refund(1).put("currency", "USD"), newKey()),
      400, "invalid_request");
  }
}
