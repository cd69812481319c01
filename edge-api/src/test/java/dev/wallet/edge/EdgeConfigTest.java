package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.edge.config.ConfigLoader;
import dev.wallet.edge.config.Settings;
import dev.wallet.ledger.LedgerDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class EdgeConfigTest {

  @Test
  @DisplayName("with nothing configured the edge uses the documented defaults and the development secrets")
  void defaults() {
    EdgeConfig config = EdgeConfig.fromEnvironment(Map.of());

    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.http().bodyLimitBytes()).isEqualTo(16 * 1024);
    assertThat(config.http().jsonMaxDepth()).isEqualTo(16);
    assertThat(config.usesDevelopmentSecrets()).isTrue();
    assertThat(config.auth().algorithm()).isEqualTo("HS256");
    assertThat(config.redis().nodes()).containsExactly("redis://127.0.0.1:7101", "redis://127.0.0.1:7102",
      "redis://127.0.0.1:7103", "redis://127.0.0.1:7104", "redis://127.0.0.1:7105", "redis://127.0.0.1:7106",
      "redis://127.0.0.1:7107");
    assertThat(config.redis().shardCount()).isEqualTo(64);
    assertThat(config.redis().operationTimeoutMs()).isEqualTo(800);
    assertThat(config.postgres().app())
      .isEqualTo(new LedgerDatabase("127.0.0.1", 55432, "wallet", "wallet_app", "wallet-dev-app"));
    assertThat(config.postgres().owner().user()).isEqualTo("wallet_owner");
    assertThat(config.rateLimit()).isEqualTo(new EdgeConfig.RateLimit(50, 100));
    assertThat(config.fees().bpsFor("any-merchant")).isZero();
    assertThat(config.gateway().url()).isEqualTo("http://127.0.0.1:8090");
    assertThat(config.gateway().sandbox().webhookUrls())
      .containsExactly("http://127.0.0.1:8080/v1/webhooks/gateway/sandbox");
  }

  @Test
  @DisplayName("every setting comes from its environment variable, and the log line never shows secrets")
  void fromEnvironment() {
    EdgeConfig config = EdgeConfig.fromEnvironment(Map.of("WALLET_HTTP_PORT", "9090",
      "WALLET_JWT_SECRET", "a-production-secret-of-at-least-32-bytes", "WALLET_REDIS_NODES",
      "redis://10.0.0.1:6379, redis://10.0.0.2:6379", "WALLET_SHARDS", "128", "WALLET_PG_HOST", "db",
      "WALLET_PG_PORT", "5432", "WALLET_PG_DATABASE", "ledger", "WALLET_PG_USER", "app", "WALLET_PG_PASSWORD",
      "pg-password"));

    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.redis().nodes()).containsExactly("redis://10.0.0.1:6379", "redis://10.0.0.2:6379");
    assertThat(config.redis().shardCount()).isEqualTo(128);
    assertThat(config.postgres().app()).isEqualTo(new LedgerDatabase("db", 5432, "ledger", "app", "pg-password"));
    assertThat(config.toString()).doesNotContain("a-production-secret").doesNotContain("pg-password");
  }

  @Test
  @DisplayName("the YAML file configures what the environment does not, the environment wins, maps come from the file")
  void yamlAndEnvironment() {
    JsonObject yaml = new JsonObject()
      .put("http", new JsonObject().put("port", 9191).put("jsonMaxDepth", 8))
      .put("rateLimit", new JsonObject().put("perSecond", 5).put("burst", 10))
      .put("fees", new JsonObject().put("defaultBps", 250).put("merchants", new JsonObject().put("shop-1", 120)));

    EdgeConfig config = EdgeConfig.from(Settings.of(Map.of("WALLET_HTTP_PORT", "9292"), yaml));

    assertThat(config.http().port()).isEqualTo(9292);
    assertThat(config.http().jsonMaxDepth()).isEqualTo(8);
    assertThat(config.rateLimit()).isEqualTo(new EdgeConfig.RateLimit(5, 10));
    assertThat(config.fees().bpsFor("shop-1")).isEqualTo(120);
    assertThat(config.fees().bpsFor("another-shop")).isEqualTo(250);
  }

  @Test
  @DisplayName("vertx-config reads the YAML file; a file named explicitly must exist")
  void readsTheFile(Vertx vertx, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("edge.yaml");
    Files.writeString(file, """
      http:
        port: 9393
      fees:
        defaultBps: 175
        merchants:
          shop-9: 90
      """);

    EdgeConfig config = EdgeConfig.from(Await.result(ConfigLoader.load(vertx, file.toString(), false)));

    assertThat(config.http().port()).isEqualTo(9393);
    assertThat(config.fees().bpsFor("shop-9")).isEqualTo(90);
    assertThat(config.fees().bpsFor("shop-1")).isEqualTo(175);
    boolean missingRefused = Await.result(ConfigLoader.load(vertx, dir.resolve("missing.yaml").toString(), false)
      .transform(loaded -> io.vertx.core.Future.succeededFuture(loaded.failed())));
    assertThat(missingRefused).isTrue();
  }

  @Test
  @DisplayName("a short secret, a port that is not a number or a fee beyond 100% stops the edge at startup")
  void refusesBadSettings() {
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(Map.of("WALLET_JWT_SECRET", "short")))
      .hasMessageContaining("WALLET_JWT_SECRET");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(Map.of("WALLET_HTTP_PORT", "eighty")))
      .hasMessageContaining("WALLET_HTTP_PORT");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(Map.of("WALLET_FEE_DEFAULT_BPS", "10001")))
      .hasMessageContaining("WALLET_FEE_DEFAULT_BPS");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(Map.of("WALLET_JWT_ALGORITHM", "RS256")))
      .hasMessageContaining("WALLET_JWT_PUBLIC_KEY");
  }

  @Test
  @DisplayName("scripts/dev-token.sh mints a token the edge accepts with its development secret")
  void devTokenScript() throws IOException, InterruptedException {
    Process script = new ProcessBuilder("bash", "scripts/dev-token.sh", "bob", "user", "merchant")
      .directory(TestEnvironment.projectRoot().toFile())
      .redirectError(ProcessBuilder.Redirect.INHERIT)
      .start();
    String token = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(script.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(script.exitValue()).isZero();

    Caller caller = new JwtVerifier(EdgeConfig.DEV_JWT_SECRET, Clock.systemUTC()).verify(token);

    assertThat(caller).isEqualTo(new Caller("bob", Set.of("user", "merchant")));
    assertThat(List.of(token.split("\\."))).hasSize(3);
  }
}
