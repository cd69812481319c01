package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.LedgerDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class EdgeConfigTest {

  @Test
  @DisplayName("with an empty environment the edge uses the defaults of scripts/env.sh and the development secret")
  void defaults() {
    EdgeConfig config = EdgeConfig.fromEnvironment(Map.of());

    assertThat(config.httpPort()).isEqualTo(8080);
    assertThat(config.usesDevelopmentSecret()).isTrue();
    assertThat(config.redisNodes()).containsExactly("redis://127.0.0.1:7101", "redis://127.0.0.1:7102",
      "redis://127.0.0.1:7103", "redis://127.0.0.1:7104", "redis://127.0.0.1:7105", "redis://127.0.0.1:7106");
    assertThat(config.shardCount()).isEqualTo(64);
    assertThat(config.ledgerDatabase())
      .isEqualTo(new LedgerDatabase("127.0.0.1", 55432, "wallet", "wallet_app", "wallet-dev-app"));
  }

  @Test
  @DisplayName("every setting comes from its environment variable, and the log line never shows secrets")
  void fromEnvironment() {
    EdgeConfig config = EdgeConfig.fromEnvironment(Map.of("WALLET_HTTP_PORT", "9090",
      "WALLET_JWT_SECRET", "a-production-secret-of-at-least-32-bytes", "WALLET_REDIS_NODES",
      "redis://10.0.0.1:6379, redis://10.0.0.2:6379", "WALLET_SHARDS", "128", "WALLET_PG_HOST", "db",
      "WALLET_PG_PORT", "5432", "WALLET_PG_DATABASE", "ledger", "WALLET_PG_USER", "app", "WALLET_PG_PASSWORD",
      "pg-password"));

    assertThat(config.httpPort()).isEqualTo(9090);
    assertThat(config.redisNodes()).containsExactly("redis://10.0.0.1:6379", "redis://10.0.0.2:6379");
    assertThat(config.shardCount()).isEqualTo(128);
    assertThat(config.ledgerDatabase()).isEqualTo(new LedgerDatabase("db", 5432, "ledger", "app", "pg-password"));
    assertThat(config.toString()).doesNotContain("a-production-secret").doesNotContain("pg-password");
  }

  @Test
  @DisplayName("a short secret or a port that is not a number stops the edge at startup")
  void refusesBadSettings() {
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(Map.of("WALLET_JWT_SECRET", "short")))
      .hasMessageContaining("WALLET_JWT_SECRET");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(Map.of("WALLET_HTTP_PORT", "eighty")))
      .hasMessageContaining("WALLET_HTTP_PORT");
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
