package dev.wallet.limits.impl;

import dev.wallet.limits.model.MerchantOverride;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.RiskRules;
import dev.wallet.limits.model.TierRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * What a merchant override means is not written in it: at or below a payer's tier's limit it
 * restricts payments to its merchant, above it it is room of its own, counted apart from the tier's
 * window ({@link LimitsEngine}). So a version that lowers a tier's limit below an override that
 * restricts it, the override left as it was, would turn that restriction into room, and nothing in
 * the change would say so (until 2026-12-07 such a version was published: a payer could pay the
 * merchant on top of a spent day, and a risk officer owning the merchant could give it room without
 * touching its override, which no one may change for their own merchant). Such a version is refused;
 * changed with the override, it says what is meant.
 */
final class OverrideMeanings {

  /** A limit an override sets beside the tier's: how rules name it, and where each side keeps it. */
  private enum Limit {
    PER_TRANSACTION("perTransaction", MerchantOverride::perTransaction, TierRules::perTransaction),
    DAILY("daily", MerchantOverride::daily, TierRules::daily),
    MONTHLY("monthly", MerchantOverride::monthly, TierRules::monthly);

    private final String name;
    private final Function<MerchantOverride, Map<String, Long>> ofOverride;
    private final Function<TierRules, Map<Operation, Map<String, Long>>> ofTier;

    Limit(String name, Function<MerchantOverride, Map<String, Long>> ofOverride,
          Function<TierRules, Map<Operation, Map<String, Long>>> ofTier) {
      this.name = name;
      this.ofOverride = ofOverride;
      this.ofTier = ofTier;
    }

    Optional<Long> of(TierRules tier, String currency) {
      return TierRules.limit(ofTier.apply(tier), Operation.MERCHANT_PAYMENT, currency);
    }
  }

  private OverrideMeanings() {
  }

  /** One problem per override left as it was and tier lowered below it that it restricted. */
  static List<String> restrictionsTurnedIntoRoom(RiskRules before, RiskRules after) {
    List<String> problems = new ArrayList<>();
    new TreeMap<>(after.merchants()).forEach((merchant, override) -> {
      MerchantOverride earlier = before.merchants().get(merchant);
      if (earlier == null) {
        return;
      }
      for (Limit limit : Limit.values()) {
        new TreeMap<>(limit.ofOverride.apply(override)).forEach((currency, max) -> {
          if (max.equals(limit.ofOverride.apply(earlier).get(currency))) {
            problems.addAll(turnedIntoRoom(before, after, merchant, limit, currency, max));
          }
        });
      }
    });
    return problems;
  }

  private static List<String> turnedIntoRoom(RiskRules before, RiskRules after, String merchant, Limit limit,
                                             String currency, long max) {
    List<String> problems = new ArrayList<>();
    new TreeMap<>(after.tiers()).forEach((name, tier) -> {
      Optional<Long> was = Optional.ofNullable(before.tiers().get(name)).flatMap(earlier -> limit.of(earlier, currency));
      Optional<Long> now = limit.of(tier, currency);
      if (was.isPresent() && now.isPresent() && max <= was.get() && max > now.get()) {
        problems.add("merchants." + merchant + "." + limit.name + "." + currency + ": " + max
          + " restricts payments of tier " + name + " (" + was.get() + "); lowered to " + now.get()
          + ", the tier would make it room above its own, counted apart: change the override in the same version "
          + "(at most " + now.get() + " to keep restricting)");
      }
    });
    return problems;
  }
}
