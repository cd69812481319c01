package dev.wallet.limits.impl;

import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Sha256;
import dev.wallet.limits.model.Decision;
import dev.wallet.limits.model.Decision.Allowed;
import dev.wallet.limits.model.Decision.Refusal;
import dev.wallet.limits.model.Decision.Refused;
import dev.wallet.limits.model.KycProfile;
import dev.wallet.limits.model.MerchantOverride;
import dev.wallet.limits.model.Movement;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.RiskRules;
import dev.wallet.limits.model.RulesInForce;
import dev.wallet.limits.model.TierRules;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Decides, from the rules in force and the owner's KYC profile alone, whether a movement is refused
 * now (tier, country, per-transaction maximum: stateless) or which windows the money core must
 * check and count atomically with the debit (daily, monthly, velocity). Pure: no I/O, no clock
 * other than the movement's time, so it runs on the event loop.
 *
 * <p>Windows are UTC calendar days, months and minutes; a counter's id names its window, so a
 * new window starts from zero and a lowered limit applies at once to what the window already holds.
 */
public final class LimitsEngine {

  private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");
  private static final DateTimeFormatter MONTH = DateTimeFormatter.ofPattern("yyyy-MM");
  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm");
  private static final long NO_CAP = -1;

  private LimitsEngine() {
  }

  public static Decision decide(RulesInForce inForce, Optional<KycProfile> profile, Movement movement) {
    RiskRules rules = inForce.rules();
    long version = inForce.published().version();
    String tierName = profile.filter(KycProfile::known).map(KycProfile::tier).orElse(rules.defaultTier());
    Optional<TierRules> tier = rules.tier(tierName);
    Optional<String> country = profile.flatMap(KycProfile::countryCode);
    if (tier.isEmpty()) {
      return refused(Refusal.KYC_REQUIRED, "KYC tier '" + tierName + "' is not defined by rules version " + version,
        version);
    }
    if (country.isPresent() && rules.blockedCountries().contains(country.get())) {
      return refused(Refusal.KYC_REQUIRED, "country " + country.get() + " is blocked", version);
    }
    if (!tier.get().allows(movement.operation())) {
      return refused(Refusal.KYC_REQUIRED, movement.operation().wire() + " is not allowed for KYC tier " + tierName,
        version);
    }
    return withinTier(rules, tier.get(), movement, version);
  }

  private static Decision withinTier(RiskRules rules, TierRules tier, Movement movement, long version) {
    String currency = movement.amount().currencyCode();
    if (!rules.currencies().contains(currency)) {
      return refused(Refusal.LIMIT_EXCEEDED, "no limits are defined for " + currency, version);
    }
    Optional<MerchantOverride> override = movement.merchant().map(rules.merchants()::get);
    long perTransaction = limit(override.map(MerchantOverride::perTransaction), tier.perTransaction(), movement);
    if (movement.amount().minor() > perTransaction) {
      return refused(Refusal.LIMIT_EXCEEDED, "per-transaction " + movement.operation().wire() + " maximum of tier "
        + tier.name() + overrideName(override, MerchantOverride::perTransaction, currency) + ": " + perTransaction
        + " " + currency, version);
    }
    return new Allowed(movement.operation().outgoing() ? windows(tier, override, movement) : List.of(), tier.name(),
      version);
  }

  private static List<LimitCheck> windows(TierRules tier, Optional<MerchantOverride> override, Movement movement) {
    ZonedDateTime now = movement.at().atZone(ZoneOffset.UTC);
    List<LimitCheck> checks = new ArrayList<>();
    checks.addAll(window(new Window("daily", MerchantOverride::daily, tier.daily(), ":d:" + DAY.format(now),
      untilMs(now, now.toLocalDate().plusDays(1).atStartOfDay(ZoneOffset.UTC))), tier, override, movement));
    checks.addAll(window(new Window("monthly", MerchantOverride::monthly, tier.monthly(), ":m:" + MONTH.format(now),
      untilMs(now, LocalDate.from(now).withDayOfMonth(1).plusMonths(1).atStartOfDay(ZoneOffset.UTC))), tier,
      override, movement));
    checks.add(new LimitCheck("velocity of tier " + tier.name() + ": " + tier.velocityPerMinute()
      + " outgoing movements per minute", "out:v:" + MINUTE.format(now), NO_CAP, tier.velocityPerMinute(),
      untilMs(now, now.truncatedTo(ChronoUnit.MINUTES).plusMinutes(1))));
    return checks;
  }

  /** A daily or monthly window: its name, a merchant override's maxima for it, the tier's, its counters' suffix. */
  private record Window(String name, Function<MerchantOverride, Map<String, Long>> overridden,
                        Map<Operation, Map<String, Long>> tierMaxima, String suffix, long untilMs) {
  }

  /**
   * The checks of one window. A payment to a merchant is counted under that merchant's own counter
   * whatever the rules in force, and that counter is checked: against the merchant's override when it
   * has one for the window (which replaces the tier's maximum and is counted apart from the tier's
   * general counter), against the tier's maximum besides the general counter when it has none. So an
   * override added during a window counts what the payer paid that merchant before it, and one taken
   * away counts what was paid under it: until 2026-12-06 the counter's id depended on whether an
   * override was in force, and publishing either change started the payer's use of the window from zero
   * (a merchant's override removed at 11:00 let a payer pay it the tier's maximum again that day).
   */
  private static List<LimitCheck> window(Window window, TierRules tier, Optional<MerchantOverride> override,
                                         Movement movement) {
    String currency = movement.amount().currencyCode();
    String op = movement.operation().wire();
    Optional<Long> overridden = override.flatMap(o -> Optional.ofNullable(window.overridden().apply(o).get(currency)));
    long tierMax = TierRules.limit(window.tierMaxima(), movement.operation(), currency)
      .orElseThrow(() -> new IllegalStateException("validated rules lack a " + op + " limit for " + currency));
    Optional<String> merchantCounter = movement.merchant()
      .map(merchant -> op + ".m" + Sha256.hexPrefix(merchant, 8) + ":" + currency + window.suffix());
    String rule = window.name() + " " + op + " limit of tier " + tier.name();
    if (overridden.isPresent() && merchantCounter.isPresent()) {
      return List.of(new LimitCheck(rule + " (override for merchant " + movement.merchant().get() + "): "
        + overridden.get() + " " + currency, merchantCounter.get(), overridden.get(), NO_CAP, window.untilMs()));
    }
    List<LimitCheck> checks = new ArrayList<>();
    checks.add(new LimitCheck(rule + ": " + tierMax + " " + currency, op + ":" + currency + window.suffix(), tierMax,
      NO_CAP, window.untilMs()));
    merchantCounter.ifPresent(counter -> checks.add(new LimitCheck(rule + " to merchant " + movement.merchant().get()
      + ": " + tierMax + " " + currency, counter, tierMax, NO_CAP, window.untilMs())));
    return checks;
  }

  /** The merchant's own maximum for this currency when it has one, else the tier's. */
  private static long limit(Optional<Map<String, Long>> merchant, Map<Operation, Map<String, Long>> tier,
                            Movement movement) {
    String currency = movement.amount().currencyCode();
    return merchant.map(m -> m.get(currency))
      .or(() -> TierRules.limit(tier, movement.operation(), currency))
      .orElseThrow(() -> new IllegalStateException("validated rules lack a " + movement.operation().wire()
        + " limit for " + currency));
  }

  private static String overrideName(Optional<MerchantOverride> override,
                                     java.util.function.Function<MerchantOverride, Map<String, Long>> window,
                                     String currency) {
    return override.filter(o -> window.apply(o).containsKey(currency))
      .map(o -> " (override for merchant " + o.merchant() + ")").orElse("");
  }

  private static long untilMs(ZonedDateTime now, ZonedDateTime end) {
    return Math.max(1, ChronoUnit.MILLIS.between(now, end));
  }

  private static Refused refused(Refusal refusal, String rule, long version) {
    return new Refused(refusal, rule, version);
  }
}
