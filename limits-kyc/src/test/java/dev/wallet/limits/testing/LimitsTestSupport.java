package dev.wallet.limits.testing;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.limits.HazelcastOptions;
import dev.wallet.limits.Limits;
import dev.wallet.limits.impl.LimitsHazelcast;
import dev.wallet.limits.LimitsMigrations;
import dev.wallet.limits.LimitsOptions;
import dev.wallet.limits.model.PublishOutcome;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Real Hazelcast members for tests: TCP-IP join on 127.0.0.1, ports 5901-5920 ({@link SplitBrain}'s
 * 5931-5934; never multicast; other suites on this machine use 5701+). Each test cluster has its own
 * name, hence its own ruleset.
 */
public final class LimitsTestSupport {

  public static final int FIRST_PORT = 5901;
  public static final int PORT_COUNT = 20;
  private static boolean migrated;

  private LimitsTestSupport() {
  }

  public static String newClusterName() {
    return "limits-test-" + UUID.randomUUID().toString().substring(0, 8);
  }

  public static HazelcastOptions hazelcastOptions(String clusterName) {
    return new HazelcastOptions(clusterName, "127.0.0.1", FIRST_PORT, PORT_COUNT,
      List.of("127.0.0.1:" + FIRST_PORT + "-" + (FIRST_PORT + PORT_COUNT - 1)));
  }

  /** Blocking: on the test thread. Joins without the default 5 s pause (members start one after another here). */
  public static HazelcastInstance newMember(String clusterName, Pool appPool) {
    return Hazelcast.newHazelcastInstance(joiningAtOnce(LimitsHazelcast.config(hazelcastOptions(clusterName), appPool)));
  }

  private static Config joiningAtOnce(Config config) {
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    return config;
  }

  /**
   * Blocking. A member on {@code port} alone that knows only the members at {@code knows}: it joins
   * them if they are up when it starts, and otherwise forms a cluster of its own and looks for them
   * again every second, as the side of a split brain looks for the other (Hazelcast's default waits
   * 300 s, then 120 s between looks).
   */
  public static HazelcastInstance newMemberKnowing(String clusterName, Pool appPool, int port, List<Integer> knows) {
    HazelcastOptions options = new HazelcastOptions(clusterName, "127.0.0.1", port, 1,
      knows.stream().map(known -> "127.0.0.1:" + known).toList());
    Config config = joiningAtOnce(LimitsHazelcast.config(options, appPool));
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "1");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "1");
    return Hazelcast.newHazelcastInstance(config);
  }

  public static synchronized void migrateOnce() {
    if (!migrated) {
      String url = "jdbc:postgresql://" + TestEnvironment.pgHost() + ":" + TestEnvironment.pgPort() + "/"
        + TestEnvironment.pgDatabase();
      LimitsMigrations.migrate(url, TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword(),
        TestEnvironment.pgUser());
      migrated = true;
    }
  }

  public static Pool appPool(Vertx vertx) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(8))
      .connectingTo(new PgConnectOptions().setHost(TestEnvironment.pgHost()).setPort(TestEnvironment.pgPort())
        .setDatabase(TestEnvironment.pgDatabase()).setUser(TestEnvironment.pgUser())
        .setPassword(TestEnvironment.pgPassword()))
      .using(vertx).build();
  }

  /** Fast polling so that tests of the 5 s promise measure the design, not the defaults. */
  public static LimitsOptions options(String clusterName, Optional<Path> rulesFile) {
    return LimitsOptions.defaults(clusterName, rulesFile).withPolling(250, 1_000).withAml(0, 500);
  }

  /**
   * An edge's limits settings for tests, as environment variables: a cluster of its own on the test
   * ports, the permissive rules from a file, fast polling, no background AML runs.
   */
  public static Map<String, String> edgeEnvironment() {
    System.setProperty("hazelcast.wait.seconds.before.join", "0");
    System.setProperty("hazelcast.max.wait.seconds.before.join", "0");
    return Map.of("WALLET_HZ_CLUSTER", newClusterName(), "WALLET_HZ_HOST", "127.0.0.1",
      "WALLET_HZ_PORT", Integer.toString(FIRST_PORT), "WALLET_HZ_PORT_COUNT", Integer.toString(PORT_COUNT),
      "WALLET_HZ_MEMBERS", "127.0.0.1:" + FIRST_PORT + "-" + (FIRST_PORT + PORT_COUNT - 1),
      "WALLET_RISK_RULES_FILE", permissiveFile().toString(), "WALLET_RISK_RULES_POLL_MS", "250",
      "WALLET_RISK_RECONCILE_MS", "1000", "WALLET_AML_INTERVAL_MS", "0", "WALLET_AML_SETTLE_MS", "500");
  }

  private static Path permissiveFile;

  /** The permissive rules, once per test JVM, in a file that lives as long as the JVM. */
  public static synchronized Path permissiveFile() {
    if (permissiveFile == null) {
      try {
        permissiveFile = Files.createTempFile("permissive-risk-rules", ".yaml");
        permissiveFile.toFile().deleteOnExit();
        Files.writeString(permissiveFile, TestRules.permissive());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return permissiveFile;
  }

  /** One member with its pool and its Limits, started. */
  public record Member(HazelcastInstance hazelcast, Pool pool, Limits limits) {

    public static Member start(Vertx vertx, String clusterName, Optional<Path> rulesFile) {
      return start(vertx, clusterName, rulesFile, pool -> newMember(clusterName, pool));
    }

    /** A member on {@code port} that knows only the members at {@code knows} (see newMemberKnowing). */
    public static Member knowing(Vertx vertx, String clusterName, int port, List<Integer> knows) {
      return start(vertx, clusterName, Optional.empty(), pool -> newMemberKnowing(clusterName, pool, port, knows));
    }

    private static Member start(Vertx vertx, String clusterName, Optional<Path> rulesFile,
                                Function<Pool, HazelcastInstance> newMember) {
      migrateOnce();
      Pool pool = appPool(vertx);
      HazelcastInstance hazelcast = newMember.apply(pool);
      Limits limits = Limits.create(vertx, hazelcast, pool, options(clusterName, rulesFile));
      Await.result(limits.start());
      return new Member(hazelcast, pool, limits);
    }

    /** A member whose rules come through the API, as the risk team's PUT would bring them. */
    public static Member withRules(Vertx vertx, String clusterName, String yaml) {
      Member member = start(vertx, clusterName, Optional.empty());
      PublishOutcome outcome = Await.result(member.limits().publish(yaml, "test", "api"));
      if (outcome instanceof PublishOutcome.Refused refused) {
        throw new IllegalArgumentException("test rules refused: " + refused.problems());
      }
      return member;
    }

    public void close() {
      Await.result(limits.close());
      hazelcast.shutdown();
      Await.result(pool.close());
    }
  }
}
