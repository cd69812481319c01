package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The money core of region b (shards 1000 to 1063) on region b's own Redis Cluster: it places
 * wallets in its range, never sends a command for another region's shard, and moves no money to
 * another region's wallet (docs/architecture.md, "Regions").
 */
@ExtendWith(VertxExtension.class)
class RegionShardsTest {

  private static final ShardRange REGION_B = new ShardRange(1000, 64);
  private static RedisBalanceCache regionB;
  private static MoneyCore core;

  @BeforeAll
  static void start(Vertx vertx) {
    regionB = new RedisBalanceCache(vertx, BalanceCacheOptions.defaults(TestEnvironment.regionBRedisNodes())
      .withShards(REGION_B).withSweep(0, 0));
    Await.result(regionB.start());
    core = new MoneyCore(regionB);
  }

  @AfterAll
  static void stop() {
    Await.result(regionB.close());
  }

  @Test
  @DisplayName("a wallet opens on its owner's home shard within the region's range")
  void opensInTheRange() {
    String alice = owner();

    WalletId wallet = core.open(alice);

    assertThat(wallet.shard()).isEqualTo(REGION_B.homeOf(alice));
    assertThat(wallet.shard().number()).isBetween(1000, 1063);
  }

  @Test
  @DisplayName("a read of another region's wallet fails before any command is sent")
  void readsStayHome() {
    WalletId abroad = WalletId.random(new ShardId(42));

    assertThatThrownBy(() -> Await.result(regionB.identity(abroad)))
      .isInstanceOf(OtherRegionException.class);
  }

  @Test
  @DisplayName("money for another region's wallet is refused before anything is debited or left pending")
  void noMoneyLeavesForAnotherRegion() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId abroad = WalletId.random(new ShardId(42));

    assertThatThrownBy(() -> Await.result(core.transfer(from, abroad, 400, alice)))
      .isInstanceOf(OtherRegionException.class);
    assertThat(core.available(from)).isEqualTo(1_000);
    assertThat(Await.result(regionB.pendingMovements(from.shard()))).isEmpty();
  }

  @Test
  @DisplayName("a process configured for region a refuses to start on region b's cluster")
  void oneRegionPerCluster(Vertx vertx) {
    RedisBalanceCache misplaced = new RedisBalanceCache(vertx,
      BalanceCacheOptions.defaults(TestEnvironment.regionBRedisNodes()).withShards(ShardRange.of(64)).withSweep(0, 0));
    try {
      assertThatThrownBy(() -> Await.result(misplaced.start())).hasMessageContaining("1000 as its first shard");
    } finally {
      Await.result(misplaced.close());
    }
  }
}
