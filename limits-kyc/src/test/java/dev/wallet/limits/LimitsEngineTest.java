package dev.wallet.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.limits.impl.LimitsEngine;
import dev.wallet.limits.impl.RulesParser;
import dev.wallet.limits.model.Decision;
import dev.wallet.limits.model.Decision.Allowed;
import dev.wallet.limits.model.Decision.Refusal;
import dev.wallet.limits.model.Decision.Refused;
import dev.wallet.limits.model.KycProfile;
import dev.wallet.limits.model.Movement;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.PublishedRules;
import dev.wallet.limits.model.RulesInForce;
import dev.wallet.limits.testing.TestRules;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LimitsEngineTest {

  private static final Instant NOON = Instant.parse("2026-11-25T12:00:30Z");
  private static final RulesInForce RULES = rules(TestRules.rules("unverified", 50_000, 100_000, 5));

  @ParameterizedTest(name = "[{index}] {0} may not {1}")
  @CsvSource({
    "unverified, p2p_send", "unverified, merchant_payment", "unverified, withdrawal",
    "basic, receive", "basic, merchant_payment", "basic, withdrawal",
    "full, withdrawal"
  })
  @DisplayName("each tier's forbidden operation is refused with kyc_required, naming the operation and the tier")
  void forbiddenOperations(String tier, String operation) {
    Operation op = Operation.fromWire(operation);
    Decision decision = LimitsEngine.decide(RULES, profile(tier, null), movement(op, 100));

    assertThat(decision).isEqualTo(new Refused(Refusal.KYC_REQUIRED, operation + " is not allowed for KYC tier "
      + tier, 1));
  }

  @Test
  @DisplayName("an owner without a profile has the default tier")
  void defaultTier() {
    assertThat(LimitsEngine.decide(RULES, Optional.empty(), movement(Operation.P2P_SEND, 100)))
      .isEqualTo(new Refused(Refusal.KYC_REQUIRED, "p2p_send is not allowed for KYC tier unverified", 1));
    assertThat(LimitsEngine.decide(RULES, Optional.empty(), movement(Operation.DEPOSIT, 100)))
      .isInstanceOf(Allowed.class);
  }

  @Test
  @DisplayName("an owner living in a blocked country may neither send nor receive")
  void blockedCountry() {
    Decision send = LimitsEngine.decide(RULES, profile("full", "KP"), movement(Operation.P2P_SEND, 100));
    Decision receive = LimitsEngine.decide(RULES, profile("full", "KP"), movement(Operation.RECEIVE, 100));

    assertThat(send).isEqualTo(new Refused(Refusal.KYC_REQUIRED, "country KP is blocked", 1));
    assertThat(receive).isEqualTo(new Refused(Refusal.KYC_REQUIRED, "country KP is blocked", 1));
  }

  @Test
  @DisplayName("an owner's standing, what a paid merchant is judged for, is refused for a blocked country or a tier "
    + "the rules do not define, and allowed whatever the tier's operations and maxima")
  void standing() {
    assertThat(LimitsEngine.standing(RULES, profile("full", "KP")))
      .isEqualTo(new Refused(Refusal.KYC_REQUIRED, "country KP is blocked", 1));
    assertThat(LimitsEngine.standing(RULES, profile("gold", "DE")))
      .isEqualTo(new Refused(Refusal.KYC_REQUIRED, "KYC tier 'gold' is not defined by rules version 1", 1));
    assertThat(LimitsEngine.standing(RULES, Optional.empty())).isEqualTo(new Allowed(List.of(), "unverified", 1));
  }

  @Test
  @DisplayName("a movement above the per-transaction maximum is refused with limit_exceeded; at the maximum it passes")
  void perTransaction() {
    assertThat(LimitsEngine.decide(RULES, profile("full", "DE"), movement(Operation.P2P_SEND, 50_001)))
      .isEqualTo(new Refused(Refusal.LIMIT_EXCEEDED, "per-transaction p2p_send maximum of tier full: 50000 USD", 1));
    assertThat(LimitsEngine.decide(RULES, profile("full", "DE"), movement(Operation.P2P_SEND, 50_000)))
      .isInstanceOf(Allowed.class);
  }

  @Test
  @DisplayName("a currency the rules do not cover is refused: no limit, no permission")
  void uncoveredCurrency() {
    Movement euros = Movement.of("owner", Operation.P2P_SEND, Money.of(100, "EUR"), NOON);

    assertThat(LimitsEngine.decide(RULES, profile("full", null), euros))
      .isEqualTo(new Refused(Refusal.LIMIT_EXCEEDED, "no limits are defined for EUR", 1));
  }

  @Test
  @DisplayName("an outgoing movement carries its daily, monthly and velocity checks, named by UTC window and counted "
    + "until it ends and then an hour (a minute for the velocity's minute)")
  void windows() {
    Allowed allowed = (Allowed) LimitsEngine.decide(RULES, profile("full", null), movement(Operation.P2P_SEND, 100));

    assertThat(allowed.tier()).isEqualTo("full");
    assertThat(allowed.checks()).containsExactly(
      new LimitCheck("daily p2p_send limit of tier full: 100000 USD", "p2p_send:USD:d:2026-11-25", 100_000, -1,
        11 * 3_600_000L + 59 * 60_000 + 30_000 + 3_600_000),
      new LimitCheck("monthly p2p_send limit of tier full: 100000 USD", "p2p_send:USD:m:2026-11", 100_000, -1,
        5 * 86_400_000L + 11 * 3_600_000L + 59 * 60_000 + 30_000 + 3_600_000),
      new LimitCheck("velocity of tier full: 5 outgoing movements per minute", "out:v:2026-11-25T12-00", -1, 5,
        30_000 + 60_000));
  }

  @Test
  @DisplayName("incoming movements carry no window checks: only their stateless maximum applies")
  void incomingHasNoWindows() {
    assertThat(((Allowed) LimitsEngine.decide(RULES, profile("full", null), movement(Operation.RECEIVE, 100)))
      .checks()).isEmpty();
  }

  @Test
  @DisplayName("a merchant override at or below the tier's window is a cap on top of it: payments to that merchant are "
    + "checked and counted in the merchant's own counter and in the tier's general one")
  void restrictiveMerchantOverride() {
    Movement toOverride = new Movement("payer", Operation.MERCHANT_PAYMENT, Money.of(6_000, "USD"),
      Optional.of("override-merchant"), NOON);
    Movement elsewhere = new Movement("payer", Operation.MERCHANT_PAYMENT, Money.of(6_000, "USD"),
      Optional.of("another-merchant"), NOON);

    Decision refused = LimitsEngine.decide(RULES, profile("full", null), toOverride);
    Allowed general = (Allowed) LimitsEngine.decide(RULES, profile("full", null), elsewhere);
    Allowed withinOverride = (Allowed) LimitsEngine.decide(RULES, profile("full", null),
      new Movement("payer", Operation.MERCHANT_PAYMENT, Money.of(4_000, "USD"), Optional.of("override-merchant"),
        NOON));

    assertThat(refused).isEqualTo(new Refused(Refusal.LIMIT_EXCEEDED, "per-transaction merchant_payment maximum of "
      + "tier full (the merchant's override): 5000 USD", 1));
    assertThat(general.checks()).extracting(LimitCheck::counter).containsExactly("merchant_payment:USD:d:2026-11-25",
      "merchant_payment:USD:m:2026-11", "out:v:2026-11-25T12-00");
    assertThat(withinOverride.checks().get(0).counter()).matches("merchant_payment\\.m[0-9a-f]{16}:USD:d:2026-11-25");
    assertThat(withinOverride.checks()).extracting(LimitCheck::rule).containsExactly(
      "daily merchant_payment limit of tier full (the merchant's override): 7000 USD",
      "daily merchant_payment limit of tier full: 100000 USD", "monthly merchant_payment limit of tier full: 100000 USD",
      "velocity of tier full: 5 outgoing movements per minute");
    assertThat(withinOverride.checks().subList(1, 4)).isEqualTo(general.checks());
  }

  @Test
  @DisplayName("a merchant override above the tier's window (a trusted merchant) counts that window apart, under the "
    + "merchant's own counter alone; a window it does not raise stays the tier's")
  void raisingMerchantOverride() {
    RulesInForce raised = rules(TestRules.rules("unverified", 5_000, 6_000, 100_000, 5));
    Movement toOverride = new Movement("payer", Operation.MERCHANT_PAYMENT, Money.of(4_000, "USD"),
      Optional.of("override-merchant"), NOON);

    Allowed allowed = (Allowed) LimitsEngine.decide(raised, profile("full", null), toOverride);

    assertThat(allowed.checks()).extracting(LimitCheck::rule).containsExactly(
      "daily merchant_payment limit of tier full (the merchant's override): 7000 USD",
      "monthly merchant_payment limit of tier full: 100000 USD",
      "velocity of tier full: 5 outgoing movements per minute");
    assertThat(allowed.checks().get(0).counter()).matches("merchant_payment\\.m[0-9a-f]{16}:USD:d:2026-11-25");
    assertThat(allowed.checks().get(1).counter()).isEqualTo("merchant_payment:USD:m:2026-11");
  }

  @Test
  @DisplayName("a profile whose tier the rules no longer define may not move money")
  void unknownTier() {
    assertThat(LimitsEngine.decide(RULES, profile("platinum", null), movement(Operation.DEPOSIT, 1)))
      .isEqualTo(new Refused(Refusal.KYC_REQUIRED, "KYC tier 'platinum' is not defined by rules version 1", 1));
  }

  static RulesInForce rules(String yaml) {
    return new RulesInForce(new PublishedRules(1, yaml, "0".repeat(64), "api", "test", 0), RulesParser.parseValid(yaml));
  }

  private static Optional<KycProfile> profile(String tier, String country) {
    return Optional.of(new KycProfile("owner", tier, country, 0, "test", "api"));
  }

  private static Movement movement(Operation operation, long minor) {
    return operation == Operation.MERCHANT_PAYMENT
      ? new Movement("owner", operation, Money.of(minor, "USD"), Optional.of("some-merchant"), NOON)
      : Movement.of("owner", operation, Money.of(minor, "USD"), NOON);
  }
}
