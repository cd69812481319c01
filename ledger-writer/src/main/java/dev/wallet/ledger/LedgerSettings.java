package dev.wallet.ledger;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The ledger processes' settings from the environment; the defaults match scripts/env.sh. */
record LedgerSettings(LedgerDatabase app, LedgerDatabase owner, List<String> redisNodes, int shards) {

  static LedgerSettings fromEnvironment(Map<String, String> env) {
    LedgerDatabase app = new LedgerDatabase(env.getOrDefault("WALLET_PG_HOST", "127.0.0.1"),
      Integer.parseInt(env.getOrDefault("WALLET_PG_PORT", "55432")), env.getOrDefault("WALLET_PG_DATABASE", "wallet"),
      env.getOrDefault("WALLET_PG_USER", "wallet_app"), env.getOrDefault("WALLET_PG_PASSWORD", "wallet-dev-app"));
    LedgerDatabase owner = app.as(env.getOrDefault("WALLET_PG_OWNER", "wallet_owner"),
      env.getOrDefault("WALLET_PG_OWNER_PASSWORD", "wallet-dev-owner"));
    List<String> redis = Arrays.asList(env.getOrDefault("WALLET_REDIS_NODES", defaultRedisNodes(env)).split(","));
    return new LedgerSettings(app, owner, redis, Integer.parseInt(env.getOrDefault("WALLET_SHARDS", "64")));
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
