package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerMigrations;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.limits.testing.LimitsTestSupport;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.util.UUID;

/**
 * The edge API on a free port, over the real Redis Cluster and PostgreSQL that
 * scripts/infra-up.sh started (addresses from the same environment variables).
 */
final class EdgeFixture {

  private static boolean migrated;

  final BalanceCache cache;
  final Pool appPool;
  final EdgeVerticle verticle;
  final WebClient http;
  final LimitsTestSupport.Member limits;

  private EdgeFixture(BalanceCache cache, Pool appPool, EdgeVerticle verticle, WebClient http,
                      LimitsTestSupport.Member limits) {
    this.cache = cache;
    this.appPool = appPool;
    this.verticle = verticle;
    this.http = http;
    this.limits = limits;
  }

  static EdgeFixture start(Vertx vertx) {
    migrateOnce();
    BalanceCache cache = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    return deploy(vertx, cache, TestEnvironment.balanceCacheOptions(), appDatabase());
  }

  /** An edge wired to dependencies that may be down: its money core is created but never started. */
  static EdgeFixture startUnchecked(Vertx vertx, BalanceCacheOptions cacheOptions, LedgerDatabase database) {
    return deploy(vertx, BalanceCache.create(vertx, cacheOptions), cacheOptions, database);
  }

  private static EdgeFixture deploy(Vertx vertx, BalanceCache cache, BalanceCacheOptions cacheOptions,
                                    LedgerDatabase database) {
    Pool pool = pool(vertx, database);
    LimitsTestSupport.Member limits = LimitsTestSupport.Member.withRules(vertx, LimitsTestSupport.newClusterName(),
      TestRules.permissive());
    EdgeVerticle verticle = new EdgeVerticle(config(cacheOptions, database), cache, LedgerReader.create(pool),
      limits.limits());
    Await.result(vertx.deployVerticle(verticle));
    WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(verticle.port()));
    return new EdgeFixture(cache, pool, verticle, http, limits);
  }

  ApiCaller newUser(String... roles) {
    return as("user-" + UUID.randomUUID(), roles);
  }

  ApiCaller as(String subject, String... roles) {
    return new ApiCaller(subject, Tokens.valid(subject, roles), http);
  }

  void close() {
    http.close();
    limits.close();
    Await.result(appPool.close());
    Await.result(cache.close());
  }

  static LedgerDatabase appDatabase() {
    return new LedgerDatabase(TestEnvironment.pgHost(), TestEnvironment.pgPort(), TestEnvironment.pgDatabase(),
      TestEnvironment.pgUser(), TestEnvironment.pgPassword());
  }

  static LedgerDatabase ownerDatabase() {
    return appDatabase().as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword());
  }

  static Pool pool(Vertx vertx, LedgerDatabase database) {
    return PgBuilder.pool()
      .connectingTo(new PgConnectOptions().setHost(database.host()).setPort(database.port())
        .setDatabase(database.database()).setUser(database.user()).setPassword(database.password()))
      .using(vertx)
      .build();
  }

  private static EdgeConfig config(BalanceCacheOptions cacheOptions, LedgerDatabase database) {
    return new EdgeConfig(0, Tokens.SECRET, cacheOptions.redisEndpoints(), cacheOptions.shardCount(), database);
  }

  /** Blocking JDBC, on the test thread, once per test JVM: the schema the ledger reader expects. */
  private static synchronized void migrateOnce() {
    if (!migrated) {
      LedgerMigrations.migrate(ownerDatabase(), TestEnvironment.pgUser());
      migrated = true;
    }
  }
}
