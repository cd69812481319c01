package dev.wallet.limits;

import dev.wallet.balancecache.config.Settings;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How the limits module runs in one process.
 *
 * @param ruleset          whose rules these are (one per Hazelcast cluster); versions count per ruleset
 * @param rulesFile        the risk team's file, watched; empty when rules only come through the API
 * @param rulesPollMs      how often the file is read for a change
 * @param reconcileMs      how often PostgreSQL is asked for a version this member may have missed
 * @param profileTimeoutMs how long a KYC profile lookup may take before the movement is answered 503
 * @param amlIntervalMs    how often the AML monitors read new postings; 0: this process runs none
 * @param amlSettleMs      postings younger than this are left for the next run (their transaction may still be open)
 */
public record LimitsOptions(String ruleset, Optional<Path> rulesFile, long rulesPollMs, long reconcileMs,
                            long profileTimeoutMs, long amlIntervalMs, long amlSettleMs) {

  /** The risk team's file in this repository, relative to where the edge runs (scripts/run.sh: the root). */
  public static final String DEFAULT_RULES_FILE = "config/risk-rules.yaml";
  /** WALLET_RISK_RULES_FILE=none: rules come only through PUT /admin/limits. */
  public static final String NO_FILE = "none";

  public LimitsOptions {
    if (rulesPollMs < 50 || reconcileMs < 50 || profileTimeoutMs < 1 || amlIntervalMs < 0 || amlSettleMs < 0) {
      throw new IllegalArgumentException("limits intervals out of range");
    }
  }

  public static LimitsOptions defaults(String ruleset, Optional<Path> rulesFile) {
    return new LimitsOptions(ruleset, rulesFile, 1_000, 2_000, 1_000, 5_000, 5_000);
  }

  /** From the environment, or the YAML's {@code limits} section. */
  public static LimitsOptions from(Settings s, String ruleset) {
    String file = s.text("WALLET_RISK_RULES_FILE", "limits.rulesFile", DEFAULT_RULES_FILE);
    return new LimitsOptions(ruleset, file.equals(NO_FILE) ? Optional.empty() : Optional.of(Path.of(file)),
      s.number("WALLET_RISK_RULES_POLL_MS", "limits.rulesPollMs", 1_000),
      s.number("WALLET_RISK_RECONCILE_MS", "limits.reconcileMs", 2_000),
      s.number("WALLET_KYC_TIMEOUT_MS", "limits.kycTimeoutMs", 1_000),
      s.number("WALLET_AML_INTERVAL_MS", "limits.amlIntervalMs", 5_000),
      s.number("WALLET_AML_SETTLE_MS", "limits.amlSettleMs", 5_000));
  }

  public LimitsOptions withAml(long intervalMs, long settleMs) {
    return new LimitsOptions(ruleset, rulesFile, rulesPollMs, reconcileMs, profileTimeoutMs, intervalMs, settleMs);
  }

  public LimitsOptions withPolling(long rulesPollMsValue, long reconcileMsValue) {
    return new LimitsOptions(ruleset, rulesFile, rulesPollMsValue, reconcileMsValue, profileTimeoutMs, amlIntervalMs,
      amlSettleMs);
  }
}
