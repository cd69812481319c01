package dev.wallet.edge.money;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.edge.http.Reply;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What another region said about its merchants, remembered for a while: the rules of the memory alone. */
class RememberedMerchantsTest {

  private static final WalletId SHOP = WalletId.random(new ShardId(1040));
  private static final WalletId PERSONAL = WalletId.random(new ShardId(1041));

  /** The other region as this edge's channel sees it: answers, or does not, and counts the questions. */
  private static final class OtherRegion implements MerchantRegions {
    final List<WalletId> asked = new ArrayList<>();
    int feeBps = 250;
    boolean away;

    @Override
    public Future<Optional<Merchants.Merchant>> merchant(String region, WalletId wallet) {
      asked.add(wallet);
      if (away) {
        return Future.failedFuture(new IllegalStateException("region " + region + " did not answer"));
      }
      return Future.succeededFuture(wallet.equals(SHOP) ? Optional.of(new Merchants.Merchant(new WalletIdentity(SHOP,
        "shop-owner", Currency.getInstance("USD"), WalletType.MERCHANT), feeBps)) : Optional.empty());
    }

    @Override
    public Future<Reply> refund(String region, Refund refund, WalletId merchant) {
      throw new UnsupportedOperationException("not asked here");
    }
  }

  private final OtherRegion b = new OtherRegion();
  private Instant now = Instant.parse("2026-12-01T00:00:00Z");
  private final Clock clock = new Clock() {
    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  };

  @Test
  @DisplayName("an answer serves every payment for its lifetime, then the region is asked again and a changed fee is taken")
  void rememberedForItsLifetime() {
    RememberedMerchants merchants = new RememberedMerchants(b, 60_000, 100, clock);

    assertThat(fee(merchants)).isEqualTo(250);
    b.feeBps = 300;
    now = now.plusSeconds(59);
    assertThat(fee(merchants)).as("within the lifetime").isEqualTo(250);
    now = now.plusSeconds(2);
    assertThat(fee(merchants)).as("past it").isEqualTo(300);
    assertThat(b.asked).hasSize(2);
  }

  @Test
  @DisplayName("a region that is away is remembered as it last answered; one never answered is not made up")
  void awayRegion() {
    RememberedMerchants merchants = new RememberedMerchants(b, 60_000, 100, clock);
    fee(merchants);
    b.away = true;

    assertThat(fee(merchants)).isEqualTo(250);
    assertThat(merchants.merchant("b", PERSONAL).failed()).as("never answered about").isTrue();
    assertThat(merchants.merchant("b", PERSONAL).failed()).as("and a failure is not remembered").isTrue();
    assertThat(b.asked).containsExactly(SHOP, PERSONAL, PERSONAL);
  }

  @Test
  @DisplayName("'not a merchant' is remembered too; with a lifetime of 0 every payment asks")
  void refusalsAndNoMemory() {
    RememberedMerchants merchants = new RememberedMerchants(b, 60_000, 100, clock);
    assertThat(merchants.merchant("b", PERSONAL).result()).isEmpty();
    assertThat(merchants.merchant("b", PERSONAL).result()).isEmpty();
    assertThat(b.asked).hasSize(1);

    RememberedMerchants none = new RememberedMerchants(b, 0, 100, clock);
    fee(none);
    fee(none);
    assertThat(b.asked).hasSize(3);
  }

  @Test
  @DisplayName("past its capacity the memory forgets its oldest answers, and keeps the newest")
  void capacity() {
    RememberedMerchants merchants = new RememberedMerchants(b, 60_000, 10, clock);
    List<WalletId> wallets = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      WalletId wallet = WalletId.random(new ShardId(1040));
      wallets.add(wallet);
      merchants.merchant("b", wallet);
      now = now.plusMillis(1);
    }
    int asked = b.asked.size();

    merchants.merchant("b", wallets.get(29));
    assertThat(b.asked).as("the newest is remembered").hasSize(asked);
    merchants.merchant("b", wallets.get(0));
    assertThat(b.asked).as("the oldest is not").hasSize(asked + 1);
  }

  private int fee(RememberedMerchants merchants) {
    return merchants.merchant("b", SHOP).result().orElseThrow().feeBps();
  }
}
