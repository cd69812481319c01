package dev.wallet.edge;

import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.LedgerDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class HealthApiTest {

  @Test
  @DisplayName("with Redis and PostgreSQL answering, the edge is live and ready")
  void ready(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.start(vertx);
    try {
      HttpResponse<Buffer> live = Await.result(edge.http.get("/health/live").send());
      HttpResponse<Buffer> ready = Await.result(edge.http.get("/health/ready").send());

      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.bodyAsJsonObject()).isEqualTo(new JsonObject().put("status", "ready")
        .put("checks", new JsonObject().put("redis", "up").put("postgres", "up")));
    } finally {
      edge.close();
    }
  }

  @Test
  @DisplayName("with Redis and PostgreSQL unreachable, the edge is live but not ready, and money does not move: 503 with Retry-After")
  void failClosed(Vertx vertx) throws IOException {
    int deadPort = freePort();
    BalanceCacheOptions deadRedis = BalanceCacheOptions.defaults(List.of("redis://127.0.0.1:" + deadPort))
      .withShardCount(TestEnvironment.balanceCacheOptions().shardCount())
      .withOperationTimeoutMs(300)
      .withSweep(5_000, 0);
    EdgeFixture edge = EdgeFixture.startUnchecked(vertx, deadRedis,
      new LedgerDatabase("127.0.0.1", deadPort, "wallet", "nobody", "nothing"));
    try {
      HttpResponse<Buffer> live = Await.result(edge.http.get("/health/live").send());
      HttpResponse<Buffer> ready = Await.result(edge.http.get("/health/ready").send());
      ApiCaller alice = edge.newUser();
      HttpResponse<Buffer> opened = alice.post("/v1/wallets", new JsonObject().put("currency", "USD")
        .put("type", "personal"), ApiCaller.newKey());

      assertThat(live.statusCode()).isEqualTo(200);
      assertProblem(ready, 503, "unavailable");
      assertThat(ready.bodyAsJsonObject().getJsonObject("checks"))
        .isEqualTo(new JsonObject().put("redis", "down").put("postgres", "down"));
      assertProblem(opened, 503, "unavailable");
      assertThat(opened.getHeader("Retry-After")).isEqualTo("1");
    } finally {
      edge.close();
    }
  }

  /** A port nothing listens on: bound once by the OS, then released. */
  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
