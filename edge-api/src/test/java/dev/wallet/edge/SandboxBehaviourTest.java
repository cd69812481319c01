package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.deposit;
import static dev.wallet.edge.ApiCaller.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The sandbox's failure rates come from configuration, like an operator would set them for a chaos run. */
@ExtendWith(VertxExtension.class)
class SandboxBehaviourTest {

  @Test
  @DisplayName("with a decline rate of 1 every deposit fails and every withdrawal gives its hold back")
  void declineRate(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.start(vertx, Map.of("WALLET_SANDBOX_DECLINE_RATE", "1"));
    try {
      ApiCaller alice = edge.newUser();
      String wallet = alice.openWallet();
      String id = alice.post("/v1/deposits", deposit(wallet, 500, "bank"), newKey()).bodyAsJsonObject().getString("id");

      assertThat(alice.awaitStatus("/v1/deposits/" + id, "failed").getString("failureReason"))
        .isEqualTo("declined by the issuer");
      assertThat(alice.wallet(wallet).getLong("seq")).isZero();
    } finally {
      edge.close();
    }
  }

  @Test
  @DisplayName("with a timeout rate of 1 no answer and no webhook ever comes, and every deposit is still credited once, by asking")
  void timeoutRate(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.start(vertx, Map.of("WALLET_SANDBOX_TIMEOUT_RATE", "1"));
    try {
      ApiCaller alice = edge.newUser();
      String wallet = alice.openWallet();
      String first = alice.post("/v1/deposits", deposit(wallet, 500, "bank"), newKey()).bodyAsJsonObject()
        .getString("id");
      String second = alice.post("/v1/deposits", deposit(wallet, 700, "card"), newKey()).bodyAsJsonObject()
        .getString("id");

      alice.awaitStatus("/v1/deposits/" + first, "completed");
      alice.awaitStatus("/v1/deposits/" + second, "completed");
      assertThat(alice.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 1_200).put("held", 0));
      assertThat(alice.wallet(wallet).getLong("seq")).isEqualTo(2);
    } finally {
      edge.close();
    }
  }
}
