package dev.wallet.edge.money;

import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.http.Reply;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Other regions' answers about their merchants, remembered for {@code lifetimeMs}: without them,
 * every payment to another region's merchant waited for a round trip between regions before its
 * debit, and could not be taken while that region was away. A wallet's owner and type never
 * change; its fee is its region's configuration, so a changed fee reaches payments from here within
 * the lifetime (the fee is what the settlement carries and the merchant's region credits). A refusal
 * ("not a merchant") is remembered as well; a region that did not answer is not. At most
 * {@code capacity} merchants are remembered; past that, the oldest answers go first.
 */
public final class RememberedMerchants implements MerchantRegions {

  private record Answer(Optional<Merchants.Merchant> merchant, long atMs) {
  }

  private final MerchantRegions regions;
  private final long lifetimeMs;
  private final int capacity;
  private final Clock clock;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();

  public RememberedMerchants(MerchantRegions regions, long lifetimeMs, int capacity, Clock clock) {
    this.regions = regions;
    this.lifetimeMs = lifetimeMs;
    this.capacity = capacity;
    this.clock = clock;
  }

  @Override
  public Future<Optional<Merchants.Merchant>> merchant(String region, WalletId wallet) {
    String key = region + "/" + wallet.value();
    long now = clock.millis();
    Answer known = answers.get(key);
    if (known != null && now - known.atMs() < lifetimeMs) {
      return Future.succeededFuture(known.merchant());
    }
    return regions.merchant(region, wallet).onSuccess(merchant -> remember(key, new Answer(merchant, now)));
  }

  @Override
  public Future<Reply> refund(String region, Refund refund, WalletId merchant) {
    return regions.refund(region, refund, merchant);
  }

  private void remember(String key, Answer answer) {
    if (lifetimeMs == 0) {
      return;
    }
    if (answers.size() >= capacity) {
      forgetOldest();
    }
    answers.put(key, answer);
  }

  /** A tenth of the answers, the oldest: rare (only past the capacity), and never on every payment. */
  private void forgetOldest() {
    long[] ages = answers.values().stream().mapToLong(Answer::atMs).sorted().toArray();
    if (ages.length == 0) {
      return;
    }
    long cut = ages[Math.min(ages.length - 1, Math.max(0, ages.length / 10))];
    answers.values().removeIf(a -> a.atMs() <= cut);
  }
}
