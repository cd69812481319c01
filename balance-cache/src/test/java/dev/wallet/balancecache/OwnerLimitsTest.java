package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.OpenWallet;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Sha256;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Limits hold per owner, not per shard: every wallet of an owner is on the owner's home shard, so
 * the script that debits any of them checks and counts the same counters.
 */
class OwnerLimitsTest extends MoneyCoreTest {

  private static final long FUNDING_MINOR = 1_000_000;
  private static final long NO_CAP = -1;

  @Test
  @DisplayName("an owner's two wallets, once placed on two shards, share one daily window: 60 concurrent debits of "
    + "10,000 (same-shard transfers, cross-shard transfers, holds) against 200,000 pass exactly 20 times")
  void dailyLimitHoldsPerOwner() {
    List<LimitCheck> checks = List.of(new LimitCheck("daily p2p", counter("d"), 200_000, NO_CAP, 60_000));

    assertThat(acceptedFromTwoWallets(checks, 10_000, 60)).isEqualTo(20);
  }

  @Test
  @DisplayName("the monthly window is the owner's too: 40 concurrent debits of 10,000 against 150,000 pass exactly 15 times")
  void monthlyLimitHoldsPerOwner() {
    List<LimitCheck> checks = List.of(new LimitCheck("daily p2p", counter("d"), 1_000_000, NO_CAP, 60_000),
      new LimitCheck("monthly p2p", counter("m"), 150_000, NO_CAP, 60_000));

    assertThat(acceptedFromTwoWallets(checks, 10_000, 40)).isEqualTo(15);
  }

  @Test
  @DisplayName("the velocity window is the owner's too: 30 concurrent debits against 7 a minute pass exactly 7 times")
  void velocityHoldsPerOwner() {
    List<LimitCheck> checks = List.of(new LimitCheck("velocity", counter("v"), NO_CAP, 7, 60_000));

    assertThat(acceptedFromTwoWallets(checks, 10, 30)).isEqualTo(7);
  }

  @Test
  @DisplayName("a limited debit from a wallet off its owner's home shard (placed beside another owner's) is counted "
    + "as such; one from home is not")
  void offHomeDebitsAreVisible() {
    String alice = owner();
    WalletId home = core.funded(alice, FUNDING_MINOR);
    String bob = ownerAwayFrom(home.shard());
    WalletId bobsAtAlices = core.openNear(bob, home);
    core.fund(bobsAtAlices, FUNDING_MINOR);
    List<LimitCheck> checks = List.of(new LimitCheck("daily p2p", counter("d"), 1_000_000, NO_CAP, 60_000));
    long before = cache.offHomeLimitedDebits();

    assertThat(transfer(home, bobsAtAlices, 10, alice, checks)).isEqualTo(OutcomeCode.OK);
    assertThat(cache.offHomeLimitedDebits()).isEqualTo(before);
    assertThat(transfer(bobsAtAlices, home, 10, bob, checks)).isEqualTo(OutcomeCode.OK);
    assertThat(cache.offHomeLimitedDebits()).isEqualTo(before + 1);
  }

  /**
   * Opens two funded wallets of one owner under opening keys that would have put them on two shards
   * before owners had homes, sends {@code attempts} concurrent debits of {@code amount} spread over
   * both wallets and all three debiting scripts (move, saga_debit, hold), and returns how many passed.
   */
  private long acceptedFromTwoWallets(List<LimitCheck> checks, long amount, int attempts) {
    String alice = owner();
    IdempotencyKey firstKey = MoneyCore.key(alice);
    IdempotencyKey secondKey = keyPlacedAwayFrom(alice, shardBeforeOwnerHomes(firstKey));
    WalletId first = openFunded(alice, firstKey);
    WalletId second = openFunded(alice, secondKey);
    assertThat(second.shard()).as("both on the owner's home").isEqualTo(first.shard())
      .isEqualTo(ShardId.homeOf(alice, cache.shardCount()));
    WalletId near = core.openNear(owner(), first);
    WalletId far = core.openElsewhere(owner(), first);

    List<Future<? extends Outcome<?>>> debits = new ArrayList<>();
    for (int i = 0; i < attempts; i++) {
      WalletId from = i % 2 == 0 ? first : second;
      debits.add(switch (i % 3) {
        case 0 -> cache.transfer(new Transfer(from, near, new Money(amount, USD), alice, MoneyCore.key(alice), checks));
        case 1 -> cache.transfer(new Transfer(from, far, new Money(amount, USD), alice, MoneyCore.key(alice), checks));
        default -> cache.placeHold(new PlaceHold(from, new Money(amount, USD), alice, "wd", MoneyCore.key(alice),
          checks));
      });
    }
    Await.result(Future.join(new ArrayList<>(debits)), 60);

    long accepted = debits.stream().filter(f -> f.result().code().accepted()).count();
    assertThat(debits).allSatisfy(f -> assertThat(f.result().code()).isIn(OutcomeCode.OK, OutcomeCode.PENDING,
      OutcomeCode.LIMIT_EXCEEDED));
    assertThat(core.available(first) + core.available(second))
      .as("what left the owner's wallets").isEqualTo(2 * FUNDING_MINOR - accepted * amount);
    return accepted;
  }

  private WalletId openFunded(String owner, IdempotencyKey key) {
    Outcome<Wallet> opened = Await.result(cache.openWallet(new OpenWallet(owner, USD, WalletType.PERSONAL,
      Optional.empty(), key)));
    assertThat(opened.code()).isEqualTo(OutcomeCode.OK);
    WalletId id = opened.value().id();
    core.fund(id, FUNDING_MINOR);
    return id;
  }

  private IdempotencyKey keyPlacedAwayFrom(String owner, int shard) {
    while (true) {
      IdempotencyKey key = MoneyCore.key(owner);
      if (shardBeforeOwnerHomes(key) != shard) {
        return key;
      }
    }
  }

  /** Where the money core put a wallet before owners had home shards: a hash of its opening key. */
  private int shardBeforeOwnerHomes(IdempotencyKey key) {
    return Math.floorMod(Sha256.hex("open_wallet|" + key.digest()).hashCode(), cache.shardCount());
  }

  private String ownerAwayFrom(ShardId shard) {
    while (true) {
      String owner = owner();
      if (!ShardId.homeOf(owner, cache.shardCount()).equals(shard)) {
        return owner;
      }
    }
  }

  private OutcomeCode transfer(WalletId from, WalletId to, long amount, String actor, List<LimitCheck> limits) {
    return Await.result(cache.transfer(new Transfer(from, to, new Money(amount, USD), actor, MoneyCore.key(actor),
      limits))).code();
  }

  private static String counter(String window) {
    return "p2p_send:USD:" + window + ":" + UUID.randomUUID();
  }

}
