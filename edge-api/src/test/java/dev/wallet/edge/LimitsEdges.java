package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.LedgerMigrations;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.limits.testing.LimitsTestSupport;
import dev.wallet.limits.testing.LimitsTestSupport.Member;
import io.vertx.core.Vertx;
import io.vertx.core.http.PoolOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.sqlclient.Pool;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Several edge instances as separate processes would run them: each with its own money core
 * client, ledger pool and embedded Hazelcast member, all members in one cluster (one ruleset),
 * optionally all watching the same rules file.
 */
final class LimitsEdges {

  /** One edge instance. */
  record Edge(BalanceCache cache, Pool pool, Member member, EdgeVerticle verticle, WebClient http) {

    ApiCaller as(String subject, String... roles) {
      return new ApiCaller(subject, Tokens.valid(subject, roles), http);
    }

    ApiCaller newUser() {
      return as("user-" + UUID.randomUUID());
    }
  }

  final String cluster = LimitsTestSupport.newClusterName();
  final List<Edge> edges = new ArrayList<>();
  private final Vertx vertx;

  LimitsEdges(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts an edge whose member joins this cluster; rules, when given, go through the API of the first. */
  Edge start(Optional<Path> rulesFile) {
    migrateLedgerOnce();
    BalanceCache cache = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    Pool pool = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    Member member = Member.start(vertx, cluster, rulesFile);
    EdgeVerticle verticle = new EdgeVerticle(new EdgeConfig(0, Tokens.SECRET, TestEnvironment.redisNodes(),
      cache.shardCount(), EdgeFixture.appDatabase()), cache, LedgerReader.create(pool), member.limits());
    Await.result(vertx.deployVerticle(verticle));
    WebClient http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(verticle.port()), new PoolOptions().setHttp1MaxSize(50));
    Edge edge = new Edge(cache, pool, member, verticle, http);
    edges.add(edge);
    return edge;
  }

  private static boolean migrated;

  /** The ledger's schema, which the ledger reader and the AML monitors read. */
  static synchronized void migrateLedgerOnce() {
    if (!migrated) {
      LedgerMigrations.migrate(EdgeFixture.ownerDatabase(), TestEnvironment.pgUser());
      migrated = true;
    }
  }

  void close() {
    for (Edge edge : edges) {
      edge.http().close();
      Await.result(vertx.undeploy(edge.verticle().deploymentID()));
      edge.member().close();
      Await.result(edge.pool().close());
      Await.result(edge.cache().close());
    }
  }
}
