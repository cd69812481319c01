package dev.wallet.ledger;

import java.util.Map;

/**
 * What the writer shows about itself, for /metrics and alerts: how far the ledger is behind the
 * hot tier (outbox entries not yet committed), per shard and in total, and how its rounds go.
 *
 * @param lag              outbox entries waiting for the ledger, over all shards
 * @param backlogByShard   the same per shard (s0042 -> entries), as of the last count (every second)
 * @param committed        outbox entries this writer committed since it started
 * @param failedRounds     rounds that failed and were retried (PostgreSQL away, a replica behind...)
 * @param failingShards    shards whose last round failed, with the failure
 * @param lastCommitAtMs   when this writer last committed a batch (epoch ms; 0 before the first)
 * @param doorbellRinging  whether the outbox doorbell wakes the writer (otherwise idle shards are polled)
 */
public record LedgerWriterMetrics(long lag, Map<String, Long> backlogByShard, long committed, long failedRounds,
                                  Map<String, String> failingShards, long lastCommitAtMs, boolean doorbellRinging) {

  public LedgerWriterMetrics {
    backlogByShard = Map.copyOf(backlogByShard);
    failingShards = Map.copyOf(failingShards);
  }

  /** Prometheus text exposition, for a /metrics endpoint to append. */
  public String prometheus() {
    StringBuilder out = new StringBuilder()
      .append("# TYPE wallet_ledger_lag_entries gauge\nwallet_ledger_lag_entries ").append(lag).append('\n')
      .append("# TYPE wallet_ledger_backlog_entries gauge\n");
    backlogByShard.forEach((shard, count) -> out.append("wallet_ledger_backlog_entries{shard=\"").append(shard)
      .append("\"} ").append(count).append('\n'));
    return out.append("# TYPE wallet_ledger_committed_total counter\nwallet_ledger_committed_total ").append(committed)
      .append("\n# TYPE wallet_ledger_failed_rounds_total counter\nwallet_ledger_failed_rounds_total ")
      .append(failedRounds).append("\n# TYPE wallet_ledger_failing_shards gauge\nwallet_ledger_failing_shards ")
      .append(failingShards.size()).append("\n# TYPE wallet_ledger_doorbell_up gauge\nwallet_ledger_doorbell_up ")
      .append(doorbellRinging ? 1 : 0).append('\n').toString();
  }
}
