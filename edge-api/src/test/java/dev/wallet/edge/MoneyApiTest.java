package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.deposit;
import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.shardOf;
import static dev.wallet.edge.ApiCaller.transfer;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class MoneyApiTest {

  private static EdgeFixture edge;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
  }

  @AfterAll
  static void stop() {
    edge.close();
  }

  // ------------------------------------------------------------------ transfers

  @Test
  @DisplayName("a transfer between two wallets of one shard completes at once (201) and both parties can read it")
  void sameShardTransfer() {
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 10_000);
    String to = walletOnShardOf(bob, from);

    HttpResponse<Buffer> moved = alice.post("/v1/transfers", transfer(from, to, 2_500), newKey());

    assertThat(shardOf(to)).isEqualTo(shardOf(from));
    assertThat(moved.statusCode()).as(moved.bodyAsString()).isEqualTo(201);
    JsonObject body = moved.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("completed");
    assertThat(body.getString("id")).startsWith("t" + shardOf(from) + "_");
    assertThat(moved.getHeader("Location")).isEqualTo("/v1/transfers/" + body.getString("id"));
    assertThat(body.getString("createdAt")).isNotBlank();
    assertThat(body.copy().put("id", "-").put("createdAt", "-")).isEqualTo(new JsonObject().put("id", "-")
      .put("status", "completed").put("fromWalletId", from).put("toWalletId", to).put("amount", 2_500)
      .put("currency", "USD").put("createdAt", "-"));
    assertThat(alice.available(from)).isEqualTo(7_500);
    assertThat(bob.available(to)).isEqualTo(2_500);
    String path = "/v1/transfers/" + body.getString("id");
    assertThat(alice.get(path).bodyAsJsonObject()).isEqualTo(body);
    assertThat(bob.get(path).bodyAsJsonObject()).isEqualTo(body);
    assertProblem(edge.newUser().get(path), 404, "not_found");
  }

  /**
   * A wallet of {@code owner} on {@code neighbour}'s shard. The API only colocates with the
   * caller's own wallets, so the test asks the money core directly.
   */
  private static String walletOnShardOf(ApiCaller owner, String neighbour) {
    return new MoneyCore(edge.cache).openNear(owner.id(), new WalletId(neighbour)).value();
  }

  @Test
  @DisplayName("a transfer between wallets on two shards arrives, through the saga, and completes")
  void crossShardTransfer() {
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 10_000);
    String to = bob.openWalletElsewhere(from);

    HttpResponse<Buffer> moved = alice.post("/v1/transfers", transfer(from, to, 4_000), newKey());

    assertThat(shardOf(to)).isNotEqualTo(shardOf(from));
    assertThat(moved.statusCode()).as(moved.bodyAsString()).isIn(201, 202);
    String path = "/v1/transfers/" + moved.bodyAsJsonObject().getString("id");
    Eventually.await("the transfer to complete", Duration.ofSeconds(10),
      () -> "completed".equals(bob.get(path).bodyAsJsonObject().getString("status")));
    assertThat(alice.available(from)).isEqualTo(6_000);
    assertThat(bob.available(to)).isEqualTo(4_000);
  }

  @Test
  @DisplayName("a cross-shard transfer the destination refuses is reversed: 422 with the refusal's code and the transfer's id")
  void reversedTransfer() {
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 10_000);
    String to = bob.openWalletElsewhere(from);
    assertThat(Await.result(edge.cache.setStatus(new WalletId(to), WalletStatus.FROZEN, "test")).code())
      .isEqualTo(OutcomeCode.OK);

    HttpResponse<Buffer> refused = alice.post("/v1/transfers", transfer(from, to, 4_000), newKey());

    assertProblem(refused, 422, "wallet_inactive");
    String transferId = refused.bodyAsJsonObject().getString("transferId");
    assertThat(refused.bodyAsJsonObject().getString("transferStatus")).isEqualTo("reversed");
    JsonObject reversed = alice.get("/v1/transfers/" + transferId).bodyAsJsonObject();
    assertThat(reversed.getString("status")).isEqualTo("reversed");
    assertThat(reversed.getString("reversalCode")).isEqualTo("wallet_inactive");
    assertThat(alice.available(from)).isEqualTo(10_000);
  }

  @Test
  @DisplayName("a transfer to a merchant wallet is refused, 422 merchant_wallet, on its shard or another (reversed "
    + "there): a merchant is paid with a payment, its fee and the rules on paying it applied")
  void noTransferToAMerchant() {
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 10_000);
    ShardId alicesShard = new WalletId(from).shard();
    ApiCaller shop = edge.as(Stream.generate(() -> "shop-" + UUID.randomUUID())
      .filter(owner -> ShardId.homeOf(owner, edge.cache.shardCount()).equals(alicesShard)).findFirst().orElseThrow(),
      "user", "merchant");
    String near = shop.openMerchantWallet();
    String far = shop.openWalletElsewhere(from, "merchant");

    HttpResponse<Buffer> toNear = alice.post("/v1/transfers", transfer(from, near, 4_000), newKey());
    HttpResponse<Buffer> toFar = alice.post("/v1/transfers", transfer(from, far, 4_000), newKey());

    assertProblem(toNear, 422, "merchant_wallet");
    assertProblem(toFar, 422, "merchant_wallet");
    assertThat(alice.get("/v1/transfers/" + toFar.bodyAsJsonObject().getString("transferId")).bodyAsJsonObject()
      .getString("reversalCode")).isEqualTo("merchant_wallet");
    assertThat(alice.available(from)).isEqualTo(10_000);
    assertThat(shop.available(near)).isZero();
    assertThat(shop.available(far)).isZero();
  }

  @Test
  @DisplayName("a cross-shard transfer to a wallet that does not exist is reversed and answered 404 with the transfer's id")
  void reversedToMissingWallet() {
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000);
    int otherShard = (Integer.parseInt(shardOf(from)) + 1) % edge.cache.shardCount();
    String missing = String.format("w%04d_%s", otherShard, "0".repeat(24));

    HttpResponse<Buffer> refused = alice.post("/v1/transfers", transfer(from, missing, 400), newKey());

    assertProblem(refused, 404, "not_found");
    assertThat(refused.bodyAsJsonObject().getString("transferStatus")).isEqualTo("reversed");
    assertThat(refused.bodyAsJsonObject().getString("transferId")).startsWith("t" + shardOf(from) + "_");
    assertThat(alice.available(from)).isEqualTo(1_000);
  }

  @Test
  @DisplayName("a retry while the first request is in flight gets 409 naming the transfer; once the sweeper ends it, the retry replays 201")
  void inFlight() {
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000);
    String to = bob.openWalletElsewhere(from);
    String key = newKey();
    TransferId id = debitOnly(alice, from, to, 300, key);

    HttpResponse<Buffer> retry = alice.post("/v1/transfers", transfer(from, to, 300), key);

    assertProblem(retry, 409, "idempotency_in_flight");
    assertThat(retry.bodyAsJsonObject().getString("transferId")).isEqualTo(id.value());
    assertThat(retry.bodyAsJsonObject().getString("transferStatus")).isEqualTo("pending");
    assertThat(alice.get("/v1/transfers/" + id).bodyAsJsonObject().getString("status")).isEqualTo("pending");
    Eventually.await("the sweeper to complete the transfer", Duration.ofSeconds(15), () ->
      Await.result(edge.cache.sweepPendingTransfers()) >= 0
        && "completed".equals(alice.get("/v1/transfers/" + id).bodyAsJsonObject().getString("status")));
    HttpResponse<Buffer> replay = alice.post("/v1/transfers", transfer(from, to, 300), key);
    assertThat(replay.statusCode()).as(replay.bodyAsString()).isEqualTo(201);
    assertThat(replay.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(replay.bodyAsJsonObject().getString("id")).isEqualTo(id.value());
    assertThat(bob.available(to)).isEqualTo(300);
  }

  @Test
  @DisplayName("closing a wallet whose money is on its way to another shard answers 409 money_in_flight and closes nothing; once the transfer completed, it closes")
  void closingWithTransferInFlight() {
    ApiCaller alice = edge.newUser();
    ApiCaller admin = edge.newUser("admin");
    String from = alice.openWallet();
    alice.deposit(from, 1_000);
    String to = edge.newUser().openWalletElsewhere(from);
    TransferId id = debitOnly(alice, from, to, 1_000, newKey());
    JsonObject close = new JsonObject().put("status", "closed").put("reason", "the customer left");

    HttpResponse<Buffer> refused = admin.post("/admin/wallets/" + from + "/status", close, Optional.empty());

    assertProblem(refused, 409, "money_in_flight");
    assertThat(alice.wallet(from).getString("status")).isEqualTo("active");
    Eventually.await("the sweeper to complete the transfer", Duration.ofSeconds(15), () ->
      Await.result(edge.cache.sweepPendingTransfers()) >= 0
        && "completed".equals(alice.get("/v1/transfers/" + id).bodyAsJsonObject().getString("status")));
    HttpResponse<Buffer> closed = admin.post("/admin/wallets/" + from + "/status", close, Optional.empty());
    assertThat(closed.statusCode()).as(closed.bodyAsString()).isEqualTo(200);
    assertThat(closed.bodyAsJsonObject().getString("status")).isEqualTo("closed");
  }

  /**
   * Step 1 of the saga only, as if the edge that started the transfer had crashed right after it:
   * the same command the edge would build for this caller and key.
   */
  private static TransferId debitOnly(ApiCaller caller, String from, String to, long amount, String key) {
    Transfer command = new Transfer(new WalletId(from), new WalletId(to), Money.of(amount, "USD"), caller.id(),
      new IdempotencyKey(caller.id(), key));
    TransferId id = TransferId.random(command.from().shard());
    Outcome<TransferView> debited = Await.result(((RedisBalanceCache) edge.cache).saga()
      .debit(command, id));
    assertThat(debited.code()).isEqualTo(OutcomeCode.PENDING);
    return id;
  }



  @Test
  @DisplayName("a transfer beyond the available balance is refused with insufficient_funds and moves nothing")
  void insufficientFunds() {
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000);
    String to = alice.openWalletNear(from);

    HttpResponse<Buffer> refused = alice.post("/v1/transfers", transfer(from, to, 1_001), newKey());

    assertProblem(refused, 422, "insufficient_funds");
    assertThat(alice.available(from)).isEqualTo(1_000);
    assertThat(alice.wallet(to).getLong("seq")).isZero();
  }

  @Test
  @DisplayName("a retried transfer replays the first answer, marked Idempotent-Replayed, and moves the money once")
  void replay() {
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000);
    String to = alice.openWalletNear(from);
    String key = newKey();

    HttpResponse<Buffer> first = alice.post("/v1/transfers", transfer(from, to, 300), key);
    HttpResponse<Buffer> again = alice.post("/v1/transfers", transfer(from, to, 300), key);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(first.getHeader("Idempotent-Replayed")).isNull();
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
    assertThat(alice.available(from)).isEqualTo(700);
  }

  @Test
  @DisplayName("a refused transfer stays refused when retried under its key, and says it is a replay")
  void refusalReplay() {
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    String to = alice.openWalletNear(from);
    String key = newKey();

    HttpResponse<Buffer> first = alice.post("/v1/transfers", transfer(from, to, 300), key);
    alice.deposit(from, 1_000);
    HttpResponse<Buffer> again = alice.post("/v1/transfers", transfer(from, to, 300), key);

    assertProblem(first, 422, "insufficient_funds");
    assertProblem(again, 422, "insufficient_funds");
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(alice.available(from)).isEqualTo(1_000);
  }

  @Test
  @DisplayName("the same Idempotency-Key with another transfer is refused with idempotency_key_reused")
  void keyReused() {
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000);
    String to = alice.openWalletNear(from);
    String key = newKey();
    alice.post("/v1/transfers", transfer(from, to, 300), key);

    HttpResponse<Buffer> reused = alice.post("/v1/transfers", transfer(from, to, 400), key);

    assertProblem(reused, 422, "idempotency_key_reused");
    assertThat(alice.available(from)).isEqualTo(700);
  }

  @Test
  @DisplayName("a transfer's description is part of its request: the same key with another description is "
    + "idempotency_key_reused, with the same one a replay")
  void descriptionIsPartOfTheRequest() {
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000);
    String to = alice.openWalletNear(from);
    String key = newKey();
    HttpResponse<Buffer> first = alice.post("/v1/transfers", transfer(from, to, 300).put("description", "rent"), key);

    HttpResponse<Buffer> again = alice.post("/v1/transfers", transfer(from, to, 300).put("description", "rent"), key);
    HttpResponse<Buffer> other = alice.post("/v1/transfers", transfer(from, to, 300).put("description", "gift"), key);

    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertProblem(other, 422, "idempotency_key_reused");
    assertThat(alice.available(from)).isEqualTo(700);
  }

  @Test
  @DisplayName("money moves only with an Idempotency-Key of 1 to 255 printable ASCII characters")
  void keyRequired() {
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000);
    String to = alice.openWalletNear(from);

    assertProblem(alice.post("/v1/transfers", transfer(from, to, 300), Optional.empty()), 400,
      "idempotency_key_missing");
    assertProblem(alice.post("/v1/deposits", deposit(from, 300, "sandbox"), Optional.empty()), 400,
      "idempotency_key_missing");
    assertProblem(alice.post("/v1/transfers", transfer(from, to, 300), "x".repeat(256)), 400,
      "idempotency_key_missing");
    assertProblem(alice.post("/v1/transfers", transfer(from, to, 300), "with space"), 400,
      "idempotency_key_missing");
    assertThat(alice.available(from)).isEqualTo(1_000);
  }

  @Test
  @DisplayName("a caller cannot move money out of a wallet it does not own: 404, nothing moves")
  void cannotMoveForeignMoney() {
    ApiCaller alice = edge.newUser();
    ApiCaller mallory = edge.newUser();
    String victim = alice.openWallet();
    alice.deposit(victim, 1_000);
    String loot = walletOnShardOf(mallory, victim);
    String lootElsewhere = mallory.openWalletElsewhere(victim);

    assertProblem(mallory.post("/v1/transfers", transfer(victim, loot, 300), newKey()), 404, "not_found");
    assertProblem(mallory.post("/v1/transfers", transfer(victim, lootElsewhere, 300), newKey()), 404,
      "not_found");
    assertThat(alice.available(victim)).isEqualTo(1_000);
    assertThat(alice.wallet(victim).getLong("seq")).isEqualTo(1);
  }

  @Test
  @DisplayName("a transfer from a wallet to itself is an invalid request")
  void sameWallet() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 1_000);

    assertProblem(alice.post("/v1/transfers", transfer(wallet, wallet, 300), newKey()), 400, "invalid_request");
    assertThat(alice.wallet(wallet).getLong("seq")).isEqualTo(1);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":300,",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":300,\"currency\":\"USD\",\"memo\":\"x\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":300.5,\"currency\":\"USD\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":300.0,\"currency\":\"USD\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":3e2,\"currency\":\"USD\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":-300,\"currency\":\"USD\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":0,\"currency\":\"USD\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":\"300\",\"currency\":\"USD\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":9007199254740992,\"currency\":\"USD\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":300,\"amount\":1,\"currency\":\"USD\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":300,\"currency\":\"US\"}",
    "{\"fromWalletId\":\"FROM\",\"toWalletId\":\"nope\",\"amount\":300,\"currency\":\"USD\"}",
    "[{\"fromWalletId\":\"FROM\",\"toWalletId\":\"TO\",\"amount\":300,\"currency\":\"USD\"}]",
    "{\"fromWalletId\":\"FROM\",/* comment */\"toWalletId\":\"TO\",\"amount\":300,\"currency\":\"USD\"}",
    ""
  })
  @DisplayName("a malformed transfer body is refused with 400, moves nothing and leaves its key unused")
  void malformedBodies(String template) {
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 1_000);
    String to = alice.openWalletNear(from);
    String key = newKey();

    HttpResponse<Buffer> refused = alice.postRaw("/v1/transfers",
      template.replace("FROM", from).replace("TO", to), Optional.of(key));

    assertProblem(refused, 400, "invalid_request");
    assertThat(alice.wallet(from).getLong("seq")).isEqualTo(1);
    assertThat(alice.wallet(to).getLong("seq")).isZero();
    assertThat(alice.post("/v1/transfers", transfer(from, to, 300), key).statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("a body beyond the 16 KB limit is refused with 413 before it is read to the end")
  void bodyLimit() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();

    HttpResponse<Buffer> refused = alice.postRaw("/v1/transfers",
      transfer(wallet, wallet, 1).put("description", "x".repeat(20_000)).encode(), Optional.of(newKey()));

    assertProblem(refused, 413, "payload_too_large");
  }

  @Test
  @DisplayName("a transfer id that does not exist, or is malformed, answers 404")
  void unknownTransfer() {
    ApiCaller alice = edge.newUser();

    assertProblem(alice.get("/v1/transfers/t0001_000000000000000000000000"), 404, "not_found");
    assertProblem(alice.get("/v1/transfers/nonsense"), 404, "not_found");
  }
}
