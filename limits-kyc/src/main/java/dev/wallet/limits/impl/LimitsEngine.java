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
import java.util.function.UnaryOperator;

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

  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm");
  private static final long NO_CAP = -1;
  /** How long a counter outlives its window at most ({@link #lifetimeMs}). */
  private static final long COUNTER_GRACE_MS = 3_600_000;

  private LimitsEngine() {
  }

  public static Decision decide(RulesInForce inForce, Optional<KycProfile> profile, Movement movement) {
    Decision standing = standing(inForce, profile);
    if (standing instanceof Refused refused) {
      return refused;
    }
    RiskRules rules = inForce.rules();
    long version = inForce.published().version();
    String tierName = ((Allowed) standing).tier();
    Optional<TierRules> tier = rules.tier(tierName);
    if (!tier.get().allows(movement.operation())) {
      return refused(Refusal.KYC_REQUIRED, movement.operation().wire() + " is not allowed for KYC tier " + tierName,
        version);
    }
    return withinTier(rules, tier.get(), movement, version);
  }

  /**
   * Whether money may move for the owner at all, whatever the movement: a tier the rules define and a
   * country of residence they do not block. Allowed with no checks, or refused (kyc_required).
   */
  public static Decision standing(RulesInForce inForce, Optional<KycProfile> profile) {
    RiskRules rules = inForce.rules();
    long version = inForce.published().version();
    String tierName = profile.filter(KycProfile::known).map(KycProfile::tier).orElse(rules.defaultTier());
    Optional<String> country = profile.flatMap(KycProfile::countryCode);
    if (rules.tier(tierName).isEmpty()) {
      return refused(Refusal.KYC_REQUIRED, "KYC tier '" + tierName + "' is not defined by rules version " + version,
        version);
    }
    if (country.isPresent() && rules.blockedCountries().contains(country.get())) {
      return refused(Refusal.KYC_REQUIRED, "country " + country.get() + " is blocked", version);
    }
    return new Allowed(List.of(), tierName, version);
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
    for (Window window : Window.values()) {
      checks.addAll(windowChecks(window, tier, override, movement, now));
    }
    checks.add(new LimitCheck("velocity of tier " + tier.name() + ": " + tier.velocityPerMinute()
      + " outgoing movements per minute", "out:v:" + MINUTE.format(now), NO_CAP, tier.velocityPerMinute(),
      lifetimeMs(now, now.truncatedTo(ChronoUnit.MINUTES), ChronoUnit.MINUTES)));
    return checks;
  }

  /**
   * One window's checks: the merchant's own where its override names this window, and the tier's
   * general one unless the override raises it. An override at or below the tier's limit restricts
   * that merchant: counted in both, it adds no room (until 2026-12-07 it was counted only apart, and
   * each such override gave its own amount on top of a payer's spent tier). One above it is a
   * trusted merchant's room of its own (utilities): counted apart, paying it neither uses the
   * general window nor is bounded by it.
   */
  private static List<LimitCheck> windowChecks(Window window, TierRules tier, Optional<MerchantOverride> override,
                                               Movement movement, ZonedDateTime now) {
    String currency = movement.amount().currencyCode();
    long tierMax = tierLimit(window.tierMaxima.apply(tier), movement);
    Optional<Long> merchantMax = override.map(o -> window.merchantMaxima.apply(o).get(currency));
    List<LimitCheck> checks = new ArrayList<>();
    merchantMax.ifPresent(max -> checks.add(windowCheck(window, tier, movement, now,
      merchantCounterBase(override.get(), movement), max, " (the merchant's override)")));
    if (merchantMax.filter(max -> max > tierMax).isEmpty()) {
      checks.add(windowCheck(window, tier, movement, now, movement.operation().wire(), tierMax, ""));
    }
    return checks;
  }

  private static LimitCheck windowCheck(Window window, TierRules tier, Movement movement, ZonedDateTime now,
                                        String counterBase, long maxMinor, String whose) {
    String currency = movement.amount().currencyCode();
    return new LimitCheck(window.adjective + " " + movement.operation().wire() + " limit of tier " + tier.name()
      + whose + ": " + maxMinor + " " + currency, counterBase + ":" + currency + ":" + window.counterId(now), maxMinor,
      NO_CAP, lifetimeMs(now, window.start.apply(now), window.length));
  }

  /** The merchant's own maximum for this currency when it has one, else the tier's. */
  private static long limit(Optional<Map<String, Long>> merchant, Map<Operation, Map<String, Long>> tier,
                            Movement movement) {
    String currency = movement.amount().currencyCode();
    return merchant.map(m -> m.get(currency)).orElseGet(() -> tierLimit(tier, movement));
  }

  private static long tierLimit(Map<Operation, Map<String, Long>> tier, Movement movement) {
    String currency = movement.amount().currencyCode();
    return TierRules.limit(tier, movement.operation(), currency)
      .orElseThrow(() -> new IllegalStateException("validated rules lack a " + movement.operation().wire()
        + " limit for " + currency));
  }

  /** The merchant's own counter, apart from the tier's general one (e.g. merchant_payment.m0a1b2c3d4e5f6a7b8). */
  private static String merchantCounterBase(MerchantOverride override, Movement movement) {
    return movement.operation().wire() + ".m" + Sha256.hexPrefix(override.merchant(), 8);
  }

  /**
   * Told to the payer: that the merchant's own limit applied, not who owns the merchant wallet (until
   * 2026-12-07 the owner's id, an identity provider's subject, was named to every payer over it).
   */
  private static String overrideName(Optional<MerchantOverride> override,
                                     Function<MerchantOverride, Map<String, Long>> window,
                                     String currency) {
    return override.filter(o -> window.apply(o).containsKey(currency))
      .map(o -> " (the merchant's override)").orElse("");
  }

  /**
   * How long the counter of the window that began at {@code start} must live: to the window's end,
   * and then a while (a minute's, or an hour for longer windows). A movement is decided by this
   * process's clock and counted later, by Redis's; until 2026-12-07 its counter expired when the
   * window ended by the deciding clock, and a movement decided in the last milliseconds of a window
   * and counted after them (a database round trip in between, another edge's clock behind) found it
   * gone, was admitted against an empty window and made a counter living those few milliseconds:
   * a daily limit passed several times over at midnight. The counter's id names its window, so a
   * counter outliving it is never counted into a later one.
   */
  private static long lifetimeMs(ZonedDateTime now, ZonedDateTime start, ChronoUnit window) {
    ZonedDateTime end = start.plus(1, window);
    long grace = Math.min(ChronoUnit.MILLIS.between(start, end), COUNTER_GRACE_MS);
    return Math.max(1, ChronoUnit.MILLIS.between(now, end)) + grace;
  }

  /** A counted window: how rules name it, how its counter's id names it, where it starts and how long it lasts. */
  private enum Window {
    DAY("daily", "d", DateTimeFormatter.ofPattern("yyyy-MM-dd"), ChronoUnit.DAYS, TierRules::daily,
      MerchantOverride::daily, now -> now.truncatedTo(ChronoUnit.DAYS)),
    MONTH("monthly", "m", DateTimeFormatter.ofPattern("yyyy-MM"), ChronoUnit.MONTHS, TierRules::monthly,
      MerchantOverride::monthly, now -> LocalDate.from(now).withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC));

    private final String adjective;
    private final String id;
    private final DateTimeFormatter format;
    private final ChronoUnit length;
    private final Function<TierRules, Map<Operation, Map<String, Long>>> tierMaxima;
    private final Function<MerchantOverride, Map<String, Long>> merchantMaxima;
    private final UnaryOperator<ZonedDateTime> start;

    Window(String adjective, String id, DateTimeFormatter format, ChronoUnit length,
           Function<TierRules, Map<Operation, Map<String, Long>>> tierMaxima,
           Function<MerchantOverride, Map<String, Long>> merchantMaxima, UnaryOperator<ZonedDateTime> start) {
      this.adjective = adjective;
      this.id = id;
      this.format = format;
      this.length = length;
      this.tierMaxima = tierMaxima;
      this.merchantMaxima = merchantMaxima;
      this.start = start;
    }

    String counterId(ZonedDateTime now) {
      return id + ":" + format.format(now);
    }
  }

  private static Refused refused(Refusal refusal, String rule, long version) {
    return new Refused(refusal, rule, version);
  }
}
