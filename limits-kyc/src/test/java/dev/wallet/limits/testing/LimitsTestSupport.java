package dev.wallet.limits.testing;

import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.limits.HazelcastOptions;
import dev.wallet.limits.Limits;
import dev.wallet.limits.LimitsHazelcast;
import dev.wallet.limits.LimitsMigrations;
import dev.wallet.limits.LimitsOptions;
import dev.wallet.limits.model.PublishOutcome;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Real Hazelcast members for tests: TCP-IP join on 127.0.0.1, ports 5901-5920 (never multicast;
 * other suites on this machine use 5701+). Each test cluster has its own name, hence its own ruleset.
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
    Config config = LimitsHazelcast.config(hazelcastOptions(clusterName), appPool);
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.wait.seconds.before.join", "0");
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

  /** One member with its pool and its Limits, started. */
  public record Member(HazelcastInstance hazelcast, Pool pool, Limits limits) {

    public static Member start(Vertx vertx, String clusterName, Optional<Path> rulesFile) {
      migrateOnce();
      Pool pool = appPool(vertx);
      HazelcastInstance hazelcast = newMember(clusterName, pool);
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
