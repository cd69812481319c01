package dev.wallet.limits.model;

import dev.wallet.balancecache.model.LimitCheck;
import java.util.List;
import java.util.Objects;

/**
 * The limits module's answer for one movement: refused now (the rule named), or allowed provided
 * the money core's atomic checks pass ({@link Allowed#checks()} travel with the command).
 */
public sealed interface Decision {

  /** The rules version the decision was made under. */
  long rulesVersion();

  record Allowed(List<LimitCheck> checks, String tier, long rulesVersion) implements Decision {
    public Allowed {
      checks = List.copyOf(checks);
      Objects.requireNonNull(tier, "tier");
    }
  }

  record Refused(Refusal refusal, String rule, long rulesVersion) implements Decision {
    public Refused {
      Objects.requireNonNull(refusal, "refusal");
      Objects.requireNonNull(rule, "rule");
    }
  }

  /** The contract's codes: kyc_required and limit_exceeded (both 422). */
  enum Refusal {
    /** The owner's tier does not allow the operation, or a country involved is blocked. */
    KYC_REQUIRED,
    /** A stateless maximum (per transaction, or no limit defined for the currency) is exceeded. */
    LIMIT_EXCEEDED
  }
}
