package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class HoldsAndScriptCacheTest {

  private Vertx vertx;
  private BalanceCache cache;
  private MoneyCore core;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    cache = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    core = new MoneyCore(cache);
  }

  @AfterEach
  void stop() {
    Await.result(cache.close());
  }

  @Test
  @DisplayName("a wallet whose whole balance is held cannot be closed (MONEY_IN_FLIGHT): a release would return money to a closed wallet")
  void closingWaitsForHolds() {
    String alice = owner();
    WalletId wallet = core.funded(alice, 300);
    HoldView hold = Await.result(cache.placeHold(new PlaceHold(wallet, new Money(300, USD), alice, "wd-all", key(alice))))
      .value();

    Outcome<WalletStatus> refused = Await.result(cache.setStatus(wallet, WalletStatus.CLOSED, "test"));

    assertThat(refused.code()).isEqualTo(OutcomeCode.MONEY_IN_FLIGHT);
    assertThat(core.wallet(wallet).status()).isEqualTo(WalletStatus.ACTIVE);
    assertThat(Await.result(cache.settleHold(hold.id(), SystemAccount.clearing("bank", USD))).code())
      .isEqualTo(OutcomeCode.OK);
    assertThat(Await.result(cache.setStatus(wallet, WalletStatus.CLOSED, "test")).code()).isEqualTo(OutcomeCode.OK);
  }

  @Test
  @DisplayName("a hold moves money from available to held; settling pays it out once, a later release changes nothing")
  void holdThenSettle() {
    String alice = owner();
    WalletId wallet = core.funded(alice, 300);
    HoldView hold = Await.result(cache.placeHold(new PlaceHold(wallet, new Money(120, USD), alice, "wd-1", key(alice))))
      .value();
    assertThat(core.wallet(wallet)).extracting(Wallet::available, Wallet::held).containsExactly(180L, 120L);

    Outcome<HoldView> settled = Await.result(cache.settleHold(hold.id(), SystemAccount.clearing("bank", USD)));
    assertThat(settled.code()).isEqualTo(OutcomeCode.OK);
    assertThat(settled.value().status()).isEqualTo(HoldView.HoldStatus.SETTLED);
    assertThat(core.wallet(wallet)).extracting(Wallet::available, Wallet::held).containsExactly(180L, 0L);

    Outcome<HoldView> lateRelease = Await.result(cache.releaseHold(hold.id()));
    assertThat(lateRelease.replayed()).isTrue();
    assertThat(lateRelease.value().status()).isEqualTo(HoldView.HoldStatus.SETTLED);
    assertThat(core.wallet(wallet)).extracting(Wallet::available, Wallet::held).containsExactly(180L, 0L);
  }

  @Test
  @DisplayName("a released hold returns the money to available, even on a frozen wallet")
  void holdThenRelease() {
    String alice = owner();
    WalletId wallet = core.funded(alice, 300);
    HoldView hold = Await.result(cache.placeHold(new PlaceHold(wallet, new Money(120, USD), alice, "wd-2", key(alice))))
      .value();
    Await.result(cache.setStatus(wallet, dev.wallet.balancecache.model.WalletStatus.FROZEN, "test"));

    assertThat(Await.result(cache.releaseHold(hold.id())).value().status()).isEqualTo(HoldView.HoldStatus.RELEASED);
    assertThat(core.wallet(wallet)).extracting(Wallet::available, Wallet::held).containsExactly(300L, 0L);
    assertThat(Await.result(cache.settleHold(hold.id(), SystemAccount.clearing("bank", USD))).value().status())
      .as("a released hold cannot be settled afterwards").isEqualTo(HoldView.HoldStatus.RELEASED);
    assertThat(core.wallet(wallet).held()).isZero();
  }

  @Test
  @DisplayName("after every master lost its script cache (as after a restart), requests still succeed")
  void recoversFromNoScript() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId to = core.openNear(owner(), from);
    for (int port : TestEnvironment.redisPorts()) {
      RedisNodes.cli(port, "script", "flush");
    }
    assertThat(Await.result(core.transfer(from, to, 30, alice)).code()).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(to)).isEqualTo(30);
  }

  @Test
  @DisplayName("a write that cannot reach the required replicas is not acknowledged, and a retry applies it once")
  void unreplicatedWritesAreNotAcknowledged() {
    String alice = owner();
    WalletId from = core.funded(alice, 100);
    WalletId to = core.openNear(owner(), from);
    // more replicas than any master has (one each, and the spare makes two on one master)
    BalanceCache strict = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions()
      .withMinReplicaAcks(3).withOperationTimeoutMs(700));
    Await.result(strict.start());
    var transfer = new dev.wallet.balancecache.command.Transfer(from, to, new Money(30, USD), alice, key(alice));
    try {
      assertThatThrownBy(() -> Await.result(strict.transfer(transfer)))
        .isInstanceOf(BalanceCacheUnavailableException.class);
    } finally {
      Await.result(strict.close());
    }
    Outcome<?> retried = Await.result(cache.transfer(transfer));
    assertThat(retried.code()).isEqualTo(OutcomeCode.OK);
    assertThat(retried.replayed()).as("the first attempt's outcome, not a second transfer").isTrue();
    assertThat(core.available(from)).isEqualTo(70);
  }
}
