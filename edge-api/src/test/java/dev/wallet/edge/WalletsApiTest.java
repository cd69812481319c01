package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.shardOf;
import static org.assertj.core.api.Assertions.assertThat;

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

@ExtendWith(VertxExtension.class)
class WalletsApiTest {

  private static EdgeFixture edge;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
  }

  @AfterAll
  static void stop() {
    edge.close();
  }

  private static JsonObject personalUsd() {
    return new JsonObject().put("currency", "USD").put("type", "personal");
  }

  @Test
  @DisplayName("a user opens a personal wallet and reads it back, empty, active and unverified")
  void openAndRead() {
    ApiCaller alice = edge.newUser();

    HttpResponse<Buffer> opened = alice.post("/v1/wallets", personalUsd(), Optional.empty());

    assertThat(opened.statusCode()).isEqualTo(201);
    JsonObject wallet = opened.bodyAsJsonObject();
    assertThat(wallet.getString("id")).matches("w\\d{4}_[0-9a-f]{24}");
    assertThat(opened.getHeader("Location")).isEqualTo("/v1/wallets/" + wallet.getString("id"));
    assertThat(opened.getHeader("Idempotent-Replayed")).isNull();
    assertThat(wallet.copy().put("id", "-")).isEqualTo(new JsonObject().put("id", "-").put("ownerId", alice.id())
      .put("currency", "USD").put("type", "personal").put("status", "active").put("kycTier", "unverified")
      .put("balance", new JsonObject().put("available", 0).put("held", 0)).put("seq", 0));
    assertThat(alice.wallet(wallet.getString("id"))).isEqualTo(wallet);
  }

  @Test
  @DisplayName("opening twice with the same Idempotency-Key gives the same wallet, the second time marked as a replay")
  void idempotentOpen() {
    ApiCaller alice = edge.newUser();
    String key = newKey();

    HttpResponse<Buffer> first = alice.post("/v1/wallets", personalUsd(), key);
    HttpResponse<Buffer> again = alice.post("/v1/wallets", personalUsd(), key);

    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(again.statusCode()).isEqualTo(201);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.bodyAsJsonObject()).isEqualTo(first.bodyAsJsonObject());
  }

  @Test
  @DisplayName("the same Idempotency-Key with another body is refused with idempotency_key_reused")
  void openKeyReused() {
    ApiCaller alice = edge.newUser();
    String key = newKey();
    alice.post("/v1/wallets", personalUsd(), key);

    HttpResponse<Buffer> other = alice.post("/v1/wallets", personalUsd().put("currency", "EUR"), key);

    assertProblem(other, 422, "idempotency_key_reused");
  }

  @Test
  @DisplayName("a merchant wallet needs the merchant role")
  void merchantNeedsRole() {
    JsonObject merchantWallet = new JsonObject().put("currency", "EUR").put("type", "merchant");

    HttpResponse<Buffer> plainUser = edge.newUser().post("/v1/wallets", merchantWallet, Optional.empty());
    HttpResponse<Buffer> merchant = edge.newUser("user", "merchant").post("/v1/wallets", merchantWallet,
      Optional.empty());

    assertProblem(plainUser, 403, "forbidden");
    assertThat(merchant.statusCode()).isEqualTo(201);
    assertThat(merchant.bodyAsJsonObject().getString("type")).isEqualTo("merchant");
  }

  @Test
  @DisplayName("colocateWith puts the new wallet on the shard of a wallet the caller owns, and only of one it owns")
  void colocation() {
    ApiCaller alice = edge.newUser();
    ApiCaller mallory = edge.newUser();
    String family = alice.openWallet();

    String sibling = alice.openWalletNear(family);
    HttpResponse<Buffer> intruder = mallory.post("/v1/wallets", personalUsd().put("colocateWith", family),
      Optional.empty());

    assertThat(shardOf(sibling)).isEqualTo(shardOf(family));
    assertProblem(intruder, 404, "not_found");
  }

  @Test
  @DisplayName("another caller's wallet answers exactly like a wallet that does not exist")
  void noDataLeaks() {
    ApiCaller alice = edge.newUser();
    ApiCaller mallory = edge.newUser();
    String wallet = alice.openWallet();
    String missing = "w" + wallet.substring(1, 6) + "000000000000000000000000";

    HttpResponse<Buffer> foreign = mallory.get("/v1/wallets/" + wallet);
    HttpResponse<Buffer> absent = mallory.get("/v1/wallets/" + missing);
    HttpResponse<Buffer> malformed = mallory.get("/v1/wallets/not-a-wallet-id");

    assertProblem(foreign, 404, "not_found");
    assertThat(foreign.bodyAsJsonObject()).isEqualTo(absent.bodyAsJsonObject());
    assertThat(foreign.bodyAsString()).doesNotContain(wallet).doesNotContain(alice.id());
    assertProblem(malformed, 404, "not_found");
  }

  @Test
  @DisplayName("bodies with unknown members, unknown currencies or unknown types are refused")
  void invalidBodies() {
    ApiCaller alice = edge.newUser();

    assertProblem(alice.post("/v1/wallets", personalUsd().put("balance", 100), Optional.empty()), 400,
      "invalid_request");
    assertProblem(alice.post("/v1/wallets", personalUsd().put("currency", "usd"), Optional.empty()), 400,
      "invalid_request");
    assertProblem(alice.post("/v1/wallets", personalUsd().put("currency", "XYZ"), Optional.empty()), 400,
      "invalid_request");
    assertProblem(alice.post("/v1/wallets", personalUsd().put("type", "savings"), Optional.empty()), 400,
      "invalid_request");
    assertProblem(alice.post("/v1/wallets", personalUsd().put("colocateWith", "w12"), Optional.empty()), 400,
      "invalid_request");
  }

  static void assertProblem(HttpResponse<Buffer> response, int status, String code) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(status);
    assertThat(response.getHeader("Content-Type")).isEqualTo("application/problem+json");
    JsonObject problem = response.bodyAsJsonObject();
    assertThat(problem.getString("code")).isEqualTo(code);
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("type")).isEqualTo("urn:wallet:problem:" + code);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
  }
}
