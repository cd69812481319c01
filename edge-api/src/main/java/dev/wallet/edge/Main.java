package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.limits.HazelcastOptions;
import dev.wallet.limits.Limits;
import dev.wallet.limits.LimitsHazelcast;
import dev.wallet.limits.LimitsMigrations;
import dev.wallet.limits.LimitsOptions;
import dev.wallet.limits.SchemaOwner;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the edge API: reads {@link EdgeConfig} from the environment (defaults in
 * edge-api/README.md), starts one money core and one ledger pool for the whole process, and
 * deploys one {@link EdgeVerticle} per core on the same port.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  /** A pending cross-shard transfer older than this is driven to its end by this process's sweeper. */
  static final long SWEEP_AGE_MS = 5_000;
  static final long SWEEP_INTERVAL_MS = 1_000;
  static final int LEDGER_POOL_SIZE = 8;

  private Main() {
  }

  public static void main(String[] args) {
    EdgeConfig config = EdgeConfig.fromEnvironment(System.getenv());
    if (config.usesDevelopmentSecret()) {
      LOG.warn("WALLET_JWT_SECRET is not set: using the DEVELOPMENT-ONLY default secret; never run like this in production");
    }
    Vertx vertx = Vertx.vertx();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(vertx), "edge-api-shutdown"));
    start(vertx, config, LimitsSetup.fromEnvironment(System.getenv()))
      .onSuccess(deployment -> LOG.info("edge API listening on http://localhost:{}/ with {}", config.httpPort(), config))
      .onFailure(failure -> {
        LOG.error("edge API failed to start with {}", config, failure);
        vertx.close().onComplete(closed -> System.exit(1));
      });
  }

  /** One money core (the only sweeper of this process) and one ledger pool, shared by every verticle instance. */
  static Future<String> start(Vertx vertx, EdgeConfig config, LimitsSetup limitsSetup) {
    BalanceCache cache = BalanceCache.create(vertx, BalanceCacheOptions.defaults(config.redisNodes())
      .withShardCount(config.shardCount())
      .withSweep(SWEEP_AGE_MS, SWEEP_INTERVAL_MS));
    Pool pool = ledgerPool(vertx, config.ledgerDatabase());
    LedgerReader ledger = LedgerReader.create(pool);
    DeploymentOptions onePerCore = new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors());
    return cache.start()
      .compose(started -> limitsSetup.start(vertx, config.ledgerDatabase(), pool))
      .compose(limits -> vertx.deployVerticle(() -> new EdgeVerticle(config, cache, ledger, limits), onePerCore));
  }

  /** The limits module of this process: its schema migrated, its Hazelcast member joined, its rules loaded. */
  record LimitsSetup(HazelcastOptions hazelcast, LimitsOptions options, SchemaOwner owner) {

    static LimitsSetup fromEnvironment(Map<String, String> env) {
      HazelcastOptions hazelcast = HazelcastOptions.fromEnvironment(env);
      return new LimitsSetup(hazelcast, LimitsOptions.fromEnvironment(env, hazelcast.clusterName()),
        SchemaOwner.fromEnvironment(env));
    }

    Future<Limits> start(Vertx vertx, LedgerDatabase database, Pool appPool) {
      return vertx.executeBlocking(() -> {
        LimitsMigrations.migrate(database.jdbcUrl(), owner.user(), owner.password(), database.user());
        return LimitsHazelcast.newMember(hazelcast, appPool);
      }).compose(member -> {
        Limits limits = Limits.create(vertx, member, appPool, options);
        return limits.start().map(limits);
      });
    }
  }

  private static Pool ledgerPool(Vertx vertx, LedgerDatabase database) {
    return PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(LEDGER_POOL_SIZE))
      .connectingTo(new PgConnectOptions()
        .setHost(database.host())
        .setPort(database.port())
        .setDatabase(database.database())
        .setUser(database.user())
        .setPassword(database.password()))
      .using(vertx)
      .build();
  }

  private static void closeQuietly(Vertx vertx) {
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      LOG.warn("Vert.x did not close within 10 s");
    }
  }
}
