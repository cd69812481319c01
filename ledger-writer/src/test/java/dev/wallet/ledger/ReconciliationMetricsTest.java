package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the writer's /metrics says of the runs as a whole, which the reconciliation alerts read (ops/prometheus). */
class ReconciliationMetricsTest {

  @Test
  @DisplayName("the last complete cycle, failed runs, discrepancies found by kind (every kind, zeros too), and when the "
    + "in-transit check last concluded")
  void progress() {
    Map<ReconciliationReport.Kind, Long> found = new EnumMap<>(ReconciliationReport.Kind.class);
    for (ReconciliationReport.Kind kind : ReconciliationReport.Kind.values()) {
      found.put(kind, kind == ReconciliationReport.Kind.BROKEN_SEQUENCE ? 2L : 0L);
    }

    String text = LedgerWriterMain.progressMetrics(new ReconciliationProgress(Instant.ofEpochSecond(1_765_000_000), 3,
      found, Instant.ofEpochSecond(1_764_990_000)));

    assertThat(text).contains("# TYPE wallet_reconciliation_last_complete_cycle_seconds gauge\n"
        + "wallet_reconciliation_last_complete_cycle_seconds 1765000000\n")
      .contains("# TYPE wallet_reconciliation_runs_failed_total counter\nwallet_reconciliation_runs_failed_total 3\n")
      .contains("wallet_reconciliation_discrepancies_found_total{kind=\"BROKEN_SEQUENCE\"} 2\n")
      .contains("wallet_reconciliation_discrepancies_found_total{kind=\"WALLET_BALANCE\"} 0\n")
      .contains("# TYPE wallet_reconciliation_in_transit_last_concluded_seconds gauge\n"
        + "wallet_reconciliation_in_transit_last_concluded_seconds 1764990000\n");
    assertThat(text.lines().filter(line -> line.startsWith("wallet_reconciliation_discrepancies_found_total{")))
      .hasSize(ReconciliationReport.Kind.values().length);
  }
}
