package dev.wallet.edge;

import dev.wallet.ledger.LedgerDatabase;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Everything the edge API is configured with, read once from the environment by {@link Main}.
 * The defaults match scripts/env.sh (see edge-api/README.md for the table).
 *
 * @param httpPort       port the HTTP server listens on (0 picks a free one, for tests)
 * @param jwtSecret      HS256 secret that signs bearer tokens, at least 32 bytes
 * @param redisNodes     seed nodes of the Redis Cluster, e.g. redis://127.0.0.1:7101
 * @param shardCount     the money core's logical shard count; must match what the cluster holds
 * @param ledgerDatabase the ledger's PostgreSQL database, as the application role
 */
public record EdgeConfig(int httpPort, String jwtSecret, List<String> redisNodes, int shardCount,
                         LedgerDatabase ledgerDatabase) {

  /** For local development only: anyone who reads this file can mint tokens signed with it. */
  public static final String DEV_JWT_SECRET = "wallet-dev-only-jwt-secret-never-use-in-production";

  static final int MIN_SECRET_BYTES = 32;

  public EdgeConfig {
    if (httpPort < 0 || httpPort > 65_535) {
      throw new IllegalArgumentException("WALLET_HTTP_PORT must be between 0 and 65535");
    }
    if (jwtSecret == null || jwtSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("WALLET_JWT_SECRET must be at least " + MIN_SECRET_BYTES + " bytes");
    }
    redisNodes = List.copyOf(redisNodes);
    if (redisNodes.isEmpty()) {
      throw new IllegalArgumentException("WALLET_REDIS_NODES must name at least one node");
    }
  }

  public static EdgeConfig fromEnvironment(Map<String, String> env) {
    Settings settings = new Settings(env);
    LedgerDatabase database = new LedgerDatabase(
      settings.text("WALLET_PG_HOST", "127.0.0.1"),
      settings.number("WALLET_PG_PORT", 55432),
      settings.text("WALLET_PG_DATABASE", "wallet"),
      settings.text("WALLET_PG_USER", "wallet_app"),
      settings.text("WALLET_PG_PASSWORD", "wallet-dev-app"));
    return new EdgeConfig(settings.number("WALLET_HTTP_PORT", 8080),
      settings.text("WALLET_JWT_SECRET", DEV_JWT_SECRET), redisNodes(settings),
      settings.number("WALLET_SHARDS", 64), database);
  }

  public EdgeConfig withHttpPort(int port) {
    return new EdgeConfig(port, jwtSecret, redisNodes, shardCount, ledgerDatabase);
  }

  public boolean usesDevelopmentSecret() {
    return DEV_JWT_SECRET.equals(jwtSecret);
  }

  /** Never prints the secret or the database password (this record ends up in logs). */
  @Override
  public String toString() {
    LedgerDatabase db = ledgerDatabase;
    return "EdgeConfig[httpPort=" + httpPort + ", jwtSecret=" + (usesDevelopmentSecret() ? "<dev default>" : "<set>")
      + ", redisNodes=" + redisNodes + ", shardCount=" + shardCount + ", ledgerDatabase=" + db.user() + "@"
      + db.host() + ":" + db.port() + "/" + db.database() + "]";
  }

  /** Like scripts/env.sh: an explicit list, else WALLET_REDIS_NODE_COUNT ports from WALLET_REDIS_FIRST_PORT. */
  private static List<String> redisNodes(Settings settings) {
    String csv = settings.text("WALLET_REDIS_NODES", "");
    if (!csv.isEmpty()) {
      return Arrays.stream(csv.split(",")).map(String::trim).filter(node -> !node.isEmpty()).toList();
    }
    String host = settings.text("WALLET_REDIS_HOST", "127.0.0.1");
    int first = settings.number("WALLET_REDIS_FIRST_PORT", 7101);
    int count = settings.number("WALLET_REDIS_NODE_COUNT", 6);
    List<String> nodes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      nodes.add("redis://" + host + ":" + (first + i));
    }
    return nodes;
  }

  private record Settings(Map<String, String> env) {

    String text(String name, String fallback) {
      String value = env.get(name);
      return value == null || value.isBlank() ? fallback : value.trim();
    }

    int number(String name, int fallback) {
      String value = text(name, Integer.toString(fallback));
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(name + " must be a whole number, got '" + value + "'");
      }
    }
  }
}
