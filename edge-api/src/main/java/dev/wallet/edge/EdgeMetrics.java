package dev.wallet.edge;

import dev.wallet.balancecache.model.OutcomeCode;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;

/**
 * The edge's own meters, next to what Vert.x reports by itself (HTTP latency histograms per route,
 * Redis and PostgreSQL pool figures, when the process runs with metrics enabled, as {@link Main}
 * does). Names follow Prometheus conventions; labels are bounded sets (operations and codes).
 */
final class EdgeMetrics {

  private final MeterRegistry registry;

  EdgeMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** wallet_money_outcomes_total{operation="transfer",code="insufficient_funds"} */
  void outcome(String operation, OutcomeCode code, boolean replayed) {
    registry.counter("wallet_money_outcomes_total", "operation", operation, "code",
      code.name().toLowerCase(Locale.ROOT), "replayed", Boolean.toString(replayed)).increment();
  }

  void rateLimited() {
    registry.counter("wallet_rate_limited_total").increment();
  }

  /** wallet_webhook_events_total{result="applied"|"duplicate"|"refused"|"bad_signature"|...} */
  void webhook(String result) {
    registry.counter("wallet_webhook_events_total", "result", result).increment();
  }

  MeterRegistry registry() {
    return registry;
  }
}
