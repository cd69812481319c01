package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.edge.http.EdgeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.micrometer.MicrometerMetricsFactory;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** /metrics from a Vert.x built the way {@link Main} builds it: with Micrometer metrics on. */
class MetricsApiTest {

  private static Vertx vertx;
  private static EdgeFixture edge;

  @BeforeAll
  static void start() {
    PrometheusMeterRegistry registry = EdgeMetrics.newRegistry();
    vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(Main.metricsOptions()))
      .withMetrics(new MicrometerMetricsFactory(registry)).build();
    edge = EdgeFixture.start(vertx, Map.of(), registry);
  }

  @AfterAll
  static void stop() {
    edge.close();
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("/metrics is Prometheus text: latency histograms per route, outcomes by code, Redis and PostgreSQL pools")
  void prometheus() {
    ApiCaller alice = edge.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 1_000);
    String other = alice.openWalletNear(wallet);
    alice.post("/v1/transfers", ApiCaller.transfer(wallet, other, 100), newKey());
    alice.post("/v1/transfers", ApiCaller.transfer(wallet, other, 10_000), newKey());
    alice.get("/v1/wallets/" + wallet + "/entries");
    String elsewhere = alice.openWalletElsewhere(wallet);
    alice.post("/v1/transfers", ApiCaller.transfer(wallet, elsewhere, 50), newKey());

    HttpResponse<Buffer> scraped = Await.result(edge.http.get("/metrics").send());
    String text = scraped.bodyAsString();

    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(scraped.getHeader("Content-Type")).startsWith("text/plain");
    assertThat(text).containsPattern("vertx_http_server_response_time_seconds_bucket\\{[^}]*route=\"/v1/transfers\"");
    assertThat(text).containsPattern("vertx_http_server_response_time_seconds_bucket\\{[^}]*route=\"/v1/wallets/:id/entries\"");
    assertThat(text).containsPattern(
      "wallet_money_outcomes_total\\{code=\"ok\",operation=\"transfer\",replayed=\"false\"} [1-9]");
    assertThat(text).containsPattern(
      "wallet_money_outcomes_total\\{code=\"insufficient_funds\",operation=\"transfer\",replayed=\"false\"} [1-9]");
    assertThat(text).containsPattern("wallet_deposits_total\\{status=\"completed\"} [1-9]");
    assertThat(text).as("a Redis pool is named by its node, and a group commit link by its node and number")
      .containsPattern("vertx_pool_in_use\\{pool_name=\"redis://[0-9.]+:[0-9]+\",pool_type=\"redis\"}")
      .containsPattern("vertx_pool_in_use\\{pool_name=\"redis://[0-9.]+:[0-9]+ group commit [1-9]\",pool_type=\"redis\"}");
    assertThat(text).containsPattern("vertx_pool_[a-z_]+\\{[^}]*pool_name=\"wallet-pg\"");
    assertThat(text).contains("wallet_websockets_open");
    assertThat(text).containsPattern("wallet_saga_total\\{event=\"started\"} [1-9]");
    assertThat(text).containsPattern("wallet_saga_total\\{event=\"completed\"} [1-9]");
    assertThat(text).as("what the alert on gateway rounds that keep failing reads: a round has succeeded")
      .containsPattern("wallet_gateway_reconciled_seconds\\{gateway=\"sandbox\"} 1\\.[0-9]+E9");
    assertThat(text).as("an edge that runs no AML monitors (the fixture's WALLET_AML_INTERVAL_MS 0) says nothing of them")
      .doesNotContain("wallet_aml_monitors_ran_seconds");
  }
}
