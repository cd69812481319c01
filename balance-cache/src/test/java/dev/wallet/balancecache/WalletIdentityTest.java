package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class WalletIdentityTest extends MoneyCoreTest {

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
