package dev.wallet.balancecache.testing;

import dev.wallet.balancecache.BalanceCacheOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where the infrastructure that scripts/infra-up.sh started lives, from the variables of scripts/env.sh.
 * The defaults are the development infrastructure's; scripts/test.sh exports those of the suite's own
 * (.data/test, its ports: WALLET_TEST_* override them).
 */
public final class TestEnvironment {

  private TestEnvironment() {
  }

  public static String env(String name, String fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : value;
  }

  public static String redisHost() {
    return env("WALLET_REDIS_HOST", "127.0.0.1");
  }

  public static List<Integer> redisPorts() {
    int first = Integer.parseInt(env("WALLET_REDIS_FIRST_PORT", "7101"));
    int count = Integer.parseInt(env("WALLET_REDIS_NODE_COUNT", "7"));
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ports.add(first + i);
    }
    return ports;
  }

  public static List<String> redisNodes() {
    String csv = System.getenv("WALLET_REDIS_NODES");
    if (csv != null && !csv.isBlank()) {
      return Arrays.asList(csv.split(","));
    }
    return redisPorts().stream().map(port -> "redis://" + redisHost() + ":" + port).toList();
  }

  /**
   * Region b's Redis Cluster (docs/architecture.md, "Regions"): scripts/test.sh brings it up beside
   * region a's (scripts/env.sh, WALLET_REGION_B_*), for the tests that need two regions.
   */
  public static List<String> regionBRedisNodes() {
    String csv = System.getenv("WALLET_REGION_B_REDIS_NODES");
    if (csv != null && !csv.isBlank()) {
      return Arrays.asList(csv.split(","));
    }
    int first = Integer.parseInt(env("WALLET_REGION_B_REDIS_FIRST_PORT", "7121"));
    return redisPorts().stream().map(port -> "redis://" + redisHost() + ":" + (first + port - redisPorts().get(0)))
      .toList();
  }

  /** Region b's PostgreSQL: another server, with the same roles and passwords as region a's. */
  public static int regionBPgPort() {
    return Integer.parseInt(env("WALLET_REGION_B_PG_PORT", "25442"));
  }

  /** The second database beside the ledger's (scripts/env.sh, WALLET_PG_DATABASE_2), on both regions' servers. */
  public static String pgDatabase2() {
    return env("WALLET_PG_DATABASE_2", pgDatabase() + "_2");
  }

  /**
   * Where region b's ledger is (scripts/env.sh, WALLET_REGION_B_LEDGER_PLACEMENT): the second half of
   * its 64 shards in {@link #pgDatabase2()}. Every test that writes or reads region b's ledger places
   * it so, and its books stay whole.
   */
  public static String regionBLedgerPlacement() {
    return env("WALLET_REGION_B_LEDGER_PLACEMENT", "1032-1063=" + pgHost() + ":" + regionBPgPort() + "/"
      + pgDatabase2());
  }

  /** Options for tests: no background sweeper unless a test asks for one. */
  public static BalanceCacheOptions balanceCacheOptions() {
    return BalanceCacheOptions.defaults(redisNodes())
      .withShardCount(Integer.parseInt(env("WALLET_SHARDS", "64")))
      .withSweep(2_000, 0);
  }

  public static Path dataDir() {
    String configured = System.getenv("WALLET_DATA_DIR");
    return configured != null ? Path.of(configured) : projectRoot().resolve(".data");
  }

  public static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("scripts/env.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("cannot find the project root (scripts/env.sh) above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }

  public static String pgHost() {
    return env("WALLET_PG_HOST", "127.0.0.1");
  }

  public static int pgPort() {
    return Integer.parseInt(env("WALLET_PG_PORT", "25432"));
  }

  public static String pgDatabase() {
    return env("WALLET_PG_DATABASE", "wallet");
  }

  public static String pgUser() {
    return env("WALLET_PG_USER", "wallet_app");
  }

  public static String pgPassword() {
    return env("WALLET_PG_PASSWORD", "wallet-dev-app");
  }

  public static String pgOwner() {
    return env("WALLET_PG_OWNER", "wallet_owner");
  }

  public static String pgOwnerPassword() {
    return env("WALLET_PG_OWNER_PASSWORD", "wallet-dev-owner");
  }

  public static String pgSuperuserPassword() {
    return env("WALLET_PG_SUPERUSER_PASSWORD", "wallet-dev-superuser");
  }
}
