package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/** One authenticated client of the API, with shortcuts for what most tests need. */
record ApiCaller(String id, String token, WebClient http, BalanceCache cache) {

  HttpResponse<Buffer> get(String path) {
    return Await.result(request(HttpMethod.GET, path).send());
  }

  HttpResponse<Buffer> post(String path, JsonObject body, Optional<String> idempotencyKey) {
    return postRaw(path, body.encode(), idempotencyKey);
  }

  HttpResponse<Buffer> post(String path, JsonObject body, String idempotencyKey) {
    return post(path, body, Optional.of(idempotencyKey));
  }

  HttpResponse<Buffer> postRaw(String path, String body, Optional<String> idempotencyKey) {
    HttpRequest<Buffer> request = request(HttpMethod.POST, path).putHeader("Content-Type", "application/json");
    idempotencyKey.ifPresent(key -> request.putHeader("Idempotency-Key", key));
    return Await.result(request.sendBuffer(Buffer.buffer(body)));
  }

  /** A POST sent and not waited for: for requests that must be in flight at the same time. */
  Future<HttpResponse<Buffer>> send(String path, JsonObject body, String idempotencyKey) {
    return request(HttpMethod.POST, path).putHeader("Content-Type", "application/json")
      .putHeader("Idempotency-Key", idempotencyKey).sendBuffer(body.toBuffer());
  }

  /**
   * A POST sent again under the same key while it is answered 503, as the contract tells clients
   * to do when a dependency did not answer in time. For the steps that set a test up: a test of a
   * route asserts that route's first answer.
   */
  HttpResponse<Buffer> postAsClientsMust(String path, JsonObject body, String idempotencyKey) {
    AtomicReference<HttpResponse<Buffer>> last = new AtomicReference<>();
    Eventually.await("POST " + path + " to be answered other than 503", Duration.ofSeconds(20), () -> {
      last.set(post(path, body, idempotencyKey));
      return last.get().statusCode() != 503;
    });
    return last.get();
  }

  private HttpRequest<Buffer> request(HttpMethod method, String path) {
    return http.request(method, path).putHeader("Authorization", "Bearer " + token);
  }

  String openWallet() {
    return openWallet(new JsonObject().put("currency", "USD").put("type", "personal"));
  }

  /** A merchant wallet on this caller's home shard. */
  String openMerchantWallet() {
    return openWallet(new JsonObject().put("currency", "USD").put("type", "merchant"));
  }

  String openWalletNear(String neighbour) {
    return openWallet(new JsonObject().put("currency", "USD").put("type", "personal").put("colocateWith", neighbour));
  }

  /** A wallet on another shard than {@code other}'s (ids carry their shard: w0042_...). */
  String openWalletElsewhere(String other) {
    return openWalletElsewhere(other, "personal");
  }

  /**
   * Through the API when this caller's home shard (where the API puts all of its wallets) is not
   * {@code other}'s; otherwise only the money core can place it elsewhere.
   */
  String openWalletElsewhere(String other, String type) {
    WalletId neighbour = new WalletId(other);
    if (!ShardId.homeOf(id, cache.shardCount()).equals(neighbour.shard())) {
      return openWallet(new JsonObject().put("currency", "USD").put("type", type));
    }
    MoneyCore core = new MoneyCore(cache);
    WalletId placed = "merchant".equals(type) ? core.openMerchantElsewhere(id, neighbour)
      : core.openElsewhere(id, neighbour);
    return placed.value();
  }

  private String openWallet(JsonObject body) {
    HttpResponse<Buffer> opened = post("/v1/wallets", body, Optional.empty());
    assertThat(opened.statusCode()).as(opened.bodyAsString()).isEqualTo(201);
    return opened.bodyAsJsonObject().getString("id");
  }

  /** A sandbox deposit, waited for: the sandbox confirms it through its signed webhook. */
  JsonObject deposit(String walletId, long amount) {
    HttpResponse<Buffer> deposited = postAsClientsMust("/v1/deposits", deposit(walletId, amount, "sandbox"), newKey());
    assertThat(deposited.statusCode()).as(deposited.bodyAsString()).isEqualTo(202);
    return awaitStatus("/v1/deposits/" + deposited.bodyAsJsonObject().getString("id"), "completed");
  }

  /** Polls a deposit or withdrawal until it reaches {@code status}, and returns it then. */
  JsonObject awaitStatus(String path, String status) {
    JsonObject[] last = new JsonObject[1];
    Eventually.await(path + " to be " + status, Duration.ofSeconds(20), () -> {
      HttpResponse<Buffer> read = get(path);
      last[0] = read.statusCode() == 200 ? read.bodyAsJsonObject() : null;
      return last[0] != null && status.equals(last[0].getString("status"));
    });
    return last[0];
  }

  JsonObject wallet(String walletId) {
    HttpResponse<Buffer> wallet = get("/v1/wallets/" + walletId);
    assertThat(wallet.statusCode()).as(wallet.bodyAsString()).isEqualTo(200);
    return wallet.bodyAsJsonObject();
  }

  long available(String walletId) {
    return wallet(walletId).getJsonObject("balance").getLong("available");
  }

  static JsonObject deposit(String walletId, long amount, String sourceType) {
    return new JsonObject().put("walletId", walletId).put("amount", amount).put("currency", "USD")
      .put("source", new JsonObject().put("type", sourceType));
  }

  /** The sandbox reads the account as an instruction: "decline", "timeout", "reverse". */
  static JsonObject deposit(String walletId, long amount, String sourceType, String account) {
    JsonObject body = deposit(walletId, amount, sourceType);
    body.getJsonObject("source").put("account", account);
    return body;
  }

  static JsonObject withdrawal(String walletId, long amount, String account) {
    return new JsonObject().put("walletId", walletId).put("amount", amount).put("currency", "USD")
      .put("destination", new JsonObject().put("type", "bank").put("account", account));
  }

  static JsonObject transfer(String from, String to, long amount) {
    return new JsonObject().put("fromWalletId", from).put("toWalletId", to).put("amount", amount)
      .put("currency", "USD");
  }

  static String newKey() {
    return UUID.randomUUID().toString();
  }

  static String shardOf(String id) {
    return id.substring(1, 5);
  }
}
