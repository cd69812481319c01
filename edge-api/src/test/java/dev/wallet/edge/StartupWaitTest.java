package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.LateDependency;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.http.EdgeMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An edge started before what it depends on keeps trying, and serves once the dependency is there. */
@ExtendWith(VertxExtension.class)
class StartupWaitTest {

  @Test
  @DisplayName("started while PostgreSQL is down, the edge waits, and is ready once PostgreSQL comes up, without a restart")
  void waitsForPostgres(Vertx vertx) {
    try (LateDependency postgres = LateDependency.of(vertx, TestEnvironment.pgHost(), TestEnvironment.pgPort())) {
      assertStartsOnceUp(vertx, postgres, Map.of("WALLET_PG_PORT", Integer.toString(postgres.port())));
    }
  }

  @Test
  @DisplayName("started while Redis is down, the edge waits, and is ready once Redis comes up, without a restart")
  void waitsForRedis(Vertx vertx) {
    URI seed = URI.create(TestEnvironment.redisNodes().get(0));
    try (LateDependency redis = LateDependency.of(vertx, seed.getHost(), seed.getPort())) {
      assertStartsOnceUp(vertx, redis, Map.of("WALLET_REDIS_NODES", "redis://127.0.0.1:" + redis.port()));
    }
  }

  private static void assertStartsOnceUp(Vertx vertx, LateDependency dependency, Map<String, String> overrides) {
    EdgeConfig config = EdgeFixture.config(overrides);
    Future<EdgeApplication> starting = EdgeApplication.start(vertx, config, EdgeMetrics.newRegistry());

    Eventually.await("the edge to try its dependency at least twice", Duration.ofSeconds(30),
      () -> dependency.refused() >= 2);
    assertThat(starting.isComplete()).as("the edge waits instead of giving up").isFalse();
    dependency.comeUp();
    EdgeApplication app = Await.result(starting, 60);
    try {
      WebClient http = WebClient.create(vertx);
      // the rules a new member takes from the cluster may arrive a moment after the start completes
      Eventually.await("the edge to be ready", Duration.ofSeconds(15),
        () -> Await.result(http.get(app.port(), "127.0.0.1", "/health/ready").send()).statusCode() == 200);
    } finally {
      Await.result(app.close());
    }
  }
}
