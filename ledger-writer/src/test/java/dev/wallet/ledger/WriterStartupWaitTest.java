package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.async.UntilStarted;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.LateDependency;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ledger writer process started before what it depends on keeps trying, and runs once it is there. */
@ExtendWith(VertxExtension.class)
class WriterStartupWaitTest {

  @Test
  @DisplayName("started while PostgreSQL is down, the writer waits, and runs once PostgreSQL comes up, without a restart")
  void waitsForPostgres(Vertx vertx) {
    try (LateDependency postgres = LateDependency.of(vertx, TestEnvironment.pgHost(), TestEnvironment.pgPort())) {
      assertStartsOnceUp(vertx, postgres, Map.of("WALLET_PG_PORT", Integer.toString(postgres.port())));
    }
  }

  @Test
  @DisplayName("started while Redis is down, the writer waits, and runs once Redis comes up, without a restart")
  void waitsForRedis(Vertx vertx) {
    URI seed = URI.create(TestEnvironment.redisNodes().get(0));
    try (LateDependency redis = LateDependency.of(vertx, seed.getHost(), seed.getPort())) {
      assertStartsOnceUp(vertx, redis, Map.of("WALLET_REDIS_NODES", "redis://127.0.0.1:" + redis.port()));
    }
  }

  private static void assertStartsOnceUp(Vertx vertx, LateDependency dependency, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(testEnvironment());
    env.putAll(overrides);
    LedgerSettings settings = LedgerSettings.fromEnvironment(env);
    Future<LedgerWriterMain.Running> starting = UntilStarted.retry(vertx, "ledger writer",
      () -> LedgerWriterMain.startOnce(vertx, settings, "startup-wait-" + System.nanoTime(), 0, 60_000));
    // reconciliation off (interval 0): a run would judge the whole shared test ledger

    Eventually.await("the writer to try its dependency at least twice", Duration.ofSeconds(30),
      () -> dependency.refused() >= 2);
    assertThat(starting.isComplete()).as("the writer waits instead of giving up").isFalse();
    dependency.comeUp();
    LedgerWriterMain.Running running = Await.result(starting, 60);
    BalanceCache cache = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
    try (LedgerFixture ledger = new LedgerFixture(vertx)) {
      Await.result(cache.start());
      MoneyCore core = new MoneyCore(cache);
      WalletId wallet = core.funded(MoneyCore.owner(), 1_234);
      Eventually.await("the funding in the ledger", Duration.ofSeconds(30),
        () -> ledger.ledgerBalance(wallet)[0] == 1_234);
    } finally {
      Await.result(cache.close());
      Await.result(running.stop());
    }
  }

  private static Map<String, String> testEnvironment() {
    LedgerDatabase app = LedgerFixture.appDatabase();
    LedgerDatabase owner = LedgerFixture.ownerDatabase();
    return Map.of("WALLET_MODE", "development", "WALLET_PG_HOST", app.host(),
      "WALLET_PG_PORT", Integer.toString(app.port()), "WALLET_PG_DATABASE", app.database(),
      "WALLET_PG_USER", app.user(), "WALLET_PG_PASSWORD", app.password(), "WALLET_PG_OWNER", owner.user(),
      "WALLET_PG_OWNER_PASSWORD", owner.password(), "WALLET_REDIS_NODES", String.join(",", TestEnvironment.redisNodes()),
      "WALLET_SHARDS", Integer.toString(TestEnvironment.balanceCacheOptions().shardCount()));
  }
}
