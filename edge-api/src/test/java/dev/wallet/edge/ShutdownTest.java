package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ShutdownTest {

  @Test
  @DisplayName("a shutdown lets an in-flight withdrawal finish (202, funds held) and then accepts no new connection")
  void inFlightRequestsFinish(Vertx vertx) {
    HttpServer silentGateway = Await.result(vertx.createHttpServer().requestHandler(request -> { }).listen(0));
    EdgeFixture edge = EdgeFixture.start(vertx, Map.of("WALLET_SANDBOX_URL", "http://127.0.0.1:"
      + silentGateway.actualPort(), "WALLET_GATEWAY_TIMEOUT_MS", "1500"));
    try {
      ApiCaller alice = edge.newUser();
      String wallet = alice.openWallet();
      MoneyCore core = new MoneyCore(edge.cache);
      core.fund(new WalletId(wallet), 1_000);

      Future<HttpResponse<Buffer>> inFlight = edge.http.post("/v1/withdrawals")
        .putHeader("Authorization", "Bearer " + alice.token()).putHeader("Idempotency-Key", ApiCaller.newKey())
        .putHeader("Content-Type", "application/json")
        .sendBuffer(ApiCaller.withdrawal(wallet, 400, "acct").toBuffer());
      Eventually.await("the hold, then the wait for the gateway", Duration.ofSeconds(10),
        () -> core.wallet(new WalletId(wallet)).held() == 400);
      Future<Void> closing = edge.app.close();

      HttpResponse<Buffer> answered = Await.result(inFlight);
      Await.result(closing);

      assertThat(answered.statusCode()).as(answered.bodyAsString()).isEqualTo(202);
      assertThat(answered.bodyAsJsonObject().getString("status")).isEqualTo("pending");
      HttpClient client = vertx.createHttpClient();
      boolean refused = Await.result(client.request(io.vertx.core.http.HttpMethod.GET, edge.port(),
        "127.0.0.1", "/health/live").transform(connected -> Future.succeededFuture(connected.failed())));
      Await.result(client.close());
      assertThat(refused).as("no new connection once shut down").isTrue();
    } finally {
      Await.result(silentGateway.close());
    }
  }
}
