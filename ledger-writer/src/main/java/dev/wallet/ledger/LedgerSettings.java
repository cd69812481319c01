package dev.wallet.ledger;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The ledger processes' settings from the environment; the defaults match scripts/env.sh. */
record LedgerSettings(LedgerDatabase app, LedgerDatabase owner, List<String> redisNodes, int shards) {

  /** The passwords scripts/env.sh publishes: accepted only in WALLET_MODE=development. */
  static final Map<String, String> DEVELOPMENT_PASSWORDS = Map.of("WALLET_PG_PASSWORD", "wallet-dev-app",
    "WALLET_PG_OWNER_PASSWORD", "wallet-dev-owner");

  static LedgerSettings fromEnvironment(Map<String, String> env) {
    boolean development = "development".equals(env.get("WALLET_MODE"));
    LedgerDatabase app = new LedgerDatabase(env.getOrDefault("WALLET_PG_HOST", "127.0.0.1"),
      Integer.parseInt(env.getOrDefault("WALLET_PG_PORT", "55432")), env.getOrDefault("WALLET_PG_DATABASE", "wallet"),
      env.getOrDefault("WALLET_PG_USER", "wallet_app"), password(env, "WALLET_PG_PASSWORD", development));
    LedgerDatabase owner = app.as(env.getOrDefault("WALLET_PG_OWNER", "wallet_owner"),
      password(env, "WALLET_PG_OWNER_PASSWORD", development));
    List<String> redis = Arrays.asList(env.getOrDefault("WALLET_REDIS_NODES", defaultRedisNodes(env)).split(","));
    return new LedgerSettings(app, owner, redis, Integer.parseInt(env.getOrDefault("WALLET_SHARDS", "64")));
  }

  /**
   * A password from the environment. Outside development mode a missing one, or the one this
   * repository publishes, is refused: anyone could read the ledger with it.
   */
  private static String password(Map<String, String> env, String name, boolean development) {
    String value = env.get(name);
    String published = DEVELOPMENT_PASSWORDS.get(name);
    if (value == null || value.isBlank()) {
      if (development) {
        return published;
      }
      throw new IllegalArgumentException(name + " is not set; outside WALLET_MODE=development the ledger "
        + "processes need the real PostgreSQL password");
    }
    if (!development && value.equals(published)) {
      throw new IllegalArgumentException(name + " is the development password published in this repository; set "
        + "the real one, or WALLET_MODE=development on a development machine");
    }
    return value;
  }

  private static String defaultRedisNodes(Map<String, String> env) {
    int first = Integer.parseInt(env.getOrDefault("WALLET_REDIS_FIRST_PORT", "7101"));
    int count = Integer.parseInt(env.getOrDefault("WALLET_REDIS_NODE_COUNT", "7"));
    String host = env.getOrDefault("WALLET_REDIS_HOST", "127.0.0.1");
    StringBuilder nodes = new StringBuilder();
    for (int port = first; port < first + count; port++) {
      nodes.append(nodes.isEmpty() ? "" : ",").append("redis://").append(host).append(':').append(port);
    }
    return nodes.toString();
  }
}
