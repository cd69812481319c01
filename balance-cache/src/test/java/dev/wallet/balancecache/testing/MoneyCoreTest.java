package dev.wallet.balancecache.testing;

import dev.wallet.balancecache.impl.RedisBalanceCache;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test of the money core against the real cluster: a started cache without a sweeper (a test
 * drives every movement itself) and its {@link MoneyCore} helpers, new for each test.
 */
@ExtendWith(VertxExtension.class)
public abstract class MoneyCoreTest {

  protected RedisBalanceCache cache;
  protected MoneyCore core;

  @BeforeEach
  void startMoneyCore(Vertx vertx) {
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0));
    Await.result(cache.start());
    core = new MoneyCore(cache);
  }

  @AfterEach
  void stopMoneyCore() {
    Await.result(cache.close());
  }
}
