package dev.wallet.limits.model;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The risk team's rules, validated: every tier, which tier an owner without a KYC profile has,
 * the currencies the limits cover (a movement in any other currency is refused), per-merchant
 * overrides, blocked countries, and the AML thresholds.
 */
public record RiskRules(Set<String> currencies, String defaultTier, Map<String, TierRules> tiers,
                        Map<String, MerchantOverride> merchants, Set<String> blockedCountries, AmlRules aml) {

  public RiskRules {
    currencies = Set.copyOf(currencies);
    tiers = Map.copyOf(tiers);
    merchants = Map.copyOf(merchants);
    blockedCountries = Set.copyOf(blockedCountries);
  }

  public Optional<TierRules> tier(String name) {
    return Optional.ofNullable(tiers.get(name));
  }
}
