package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class WalletIdentityTest {

  private RedisBalanceCache cache;
  private MoneyCore core;

  @BeforeEach
  void start(Vertx vertx) {
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0));
    Await.result(cache.start());
    core = new MoneyCore(cache);
  }

  @AfterEach
  void stop() {
    Await.result(cache.close());
  }

  @Test
  @DisplayName("a wallet's identity is its owner, currency and type, whatever its status or balance")
  void identityOfOpenedWallets() {
    String alice = owner();
    String shop = owner();
    WalletId personal = core.funded(alice, 500);
    WalletId merchant = core.openMerchant(shop, Optional.empty());
    Await.result(cache.setStatus(personal, WalletStatus.FROZEN, "test"));

    assertThat(Await.result(cache.identity(personal)))
      .contains(new WalletIdentity(personal, alice, USD, WalletType.PERSONAL));
    assertThat(Await.result(cache.identity(merchant)))
      .contains(new WalletIdentity(merchant, shop, USD, WalletType.MERCHANT));
    assertThat(Await.result(cache.identity(personal))).as("asked again")
      .contains(new WalletIdentity(personal, alice, USD, WalletType.PERSONAL));
  }

  @Test
  @DisplayName("a wallet that does not exist has no identity")
  void unknownWallet() {
    assertThat(Await.result(cache.identity(WalletId.random(new ShardId(3))))).isEmpty();
  }
}
