package dev.wallet.ledger;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.async.UntilStarted;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the ledger writer as its own process: migrates the schema (as the owner role), then moves
 * every shard's outbox into the ledger (as the application role) and reconciles the hot tier
 * with the ledger continuously, until stopped. Configuration comes from the environment; the
 * defaults match scripts/env.sh. WALLET_RECONCILE_INTERVAL_MS=0 turns reconciliation off;
 * WALLET_RECONCILE_STALL_AFTER_MS (default 5 minutes) bounds how long the ledger may stay behind an account;
 * WALLET_LEDGER_METRICS_PORT (default 9181, 0 for none) serves GET /metrics; WALLET_LEDGER_PLACEMENT
 * places shard ranges of the ledger on other databases ({@link LedgerPlacement}).
 */
public final class LedgerWriterMain {

  private static final Logger LOG = LoggerFactory.getLogger(LedgerWriterMain.class);
  private static final long METRICS_LOG_MS = 10_000;

  private LedgerWriterMain() {
  }

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    LedgerSettings settings = LedgerSettings.fromEnvironment(env);
    String consumer = env.getOrDefault("WALLET_LEDGER_CONSUMER", "writer-" + ManagementFactory.getRuntimeMXBean().getName());
    long reconcileMs = Long.parseLong(env.getOrDefault("WALLET_RECONCILE_INTERVAL_MS", "10000"));
    long stallAfterMs = Long.parseLong(env.getOrDefault("WALLET_RECONCILE_STALL_AFTER_MS",
      Long.toString(ReconciliationOptions.DEFAULT_STALL_AFTER_MS)));
    int metricsPort = Integer.parseInt(env.getOrDefault("WALLET_LEDGER_METRICS_PORT", "9181"));
    Vertx vertx = Vertx.vertx();
    UntilStarted.retry(vertx, "ledger writer", () -> startOnce(vertx, settings, consumer, reconcileMs,
        stallAfterMs))
      .compose(running -> serveMetrics(vertx, metricsPort, running.writer(), running.reconciliation(), reconcileMs > 0)
        .map(running))
      .onSuccess(running -> {
        LOG.info("ledger writer {} running over {} shards, reconciling every {} ms; ledger in {}{}", consumer,
          settings.shards(), reconcileMs, settings.app(), settings.placement().placed().isEmpty() ? ""
            : ", shards placed elsewhere: " + settings.placement().placed());
        vertx.setPeriodic(METRICS_LOG_MS, tick -> LOG.info("ledger lag: {} outbox entries; {}", running.writer().lag(),
          running.writer().metrics().failingShards().isEmpty() ? "every shard healthy"
            : "failing: " + running.writer().metrics().failingShards()));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(vertx, running)));
      })
      .onFailure(failure -> {
        LOG.error("ledger writer could not start", failure);
        vertx.close().onComplete(closed -> System.exit(1));
      });
  }

  /** The writer, and the money core and reconciliation it checks Redis with, all started. */
  record Running(LedgerWriter writer, Reconciliation reconciliation, BalanceCache cache) {

    Future<Void> stop() {
      return reconciliation.stop().transform(done -> writer.stop()).transform(done -> cache.close());
    }
  }

  /** Migrates the schema and starts everything, or stops what it started and fails: the caller tries again. */
  static Future<Running> startOnce(Vertx vertx, LedgerSettings settings, String consumer, long reconcileMs,
                                           long stallAfterMs) {
    BalanceCache cache = BalanceCache.create(vertx, settings.cacheOptions().withSweep(5_000, 0));
    LedgerWriter writer = LedgerWriter.create(vertx, LedgerWriterOptions.defaults(settings.redisNodes(),
      settings.shards(), settings.placement(), consumer), cache);
    Reconciliation reconciliation = Reconciliation.create(vertx, new ReconciliationOptions(settings.placement(), consumer,
      reconcileMs, stallAfterMs), cache);
    Running running = new Running(writer, reconciliation, cache);
    return UntilStarted.waitingFor("PostgreSQL (the ledger's schema)", vertx.executeBlocking(() -> {
        LedgerMigrations.migrate(settings.ownerPlacement(), settings.app().user());
        return null;
      }))
      .compose(migrated -> UntilStarted.waitingFor("the Redis Cluster (the money core's client)", cache.start()))
      .compose(cacheReady -> UntilStarted.waitingFor("the Redis Cluster and PostgreSQL (the writer)", writer.start()))
      .compose(started -> reconcileMs > 0
        ? UntilStarted.waitingFor("PostgreSQL (reconciliation)", reconciliation.start())
        : Future.succeededFuture())
      .map(running)
      .recover(failure -> running.stop().transform(stopped -> Future.failedFuture(failure)));
  }

  /** GET /metrics in Prometheus text: the writer's lag per shard and the last reconciliation's verdict. Port 0: off. */
  private static Future<Void> serveMetrics(Vertx vertx, int port, LedgerWriter writer, Reconciliation reconciliation,
                                           boolean reconciling) {
    if (port == 0) {
      return Future.succeededFuture();
    }
    // a writer that does not reconcile says nothing of it: its figures would stand for the others'
    return vertx.createHttpServer()
      .requestHandler(request -> request.response().putHeader("Content-Type", "text/plain; version=0.0.4")
        .end(writer.metrics().prometheus() + (reconciling ? reconciliationMetrics(reconciliation) : "")))
      .listen(port)
      .onSuccess(server -> LOG.info("ledger metrics on http://localhost:{}/metrics", server.actualPort()))
      .mapEmpty();
  }

  private static String reconciliationMetrics(Reconciliation reconciliation) {
    return lastRunMetrics(reconciliation) + progressMetrics(reconciliation.progress());
  }

  /**
   * What the runs add up to: when a cycle last completed (the writer's start until one did), failed
   * runs and discrepancies found, as counters an alert reads over a window, and when the in-transit
   * check last concluded ({@link ReconciliationProgress}).
   */
  static String progressMetrics(ReconciliationProgress progress) {
    StringBuilder out = new StringBuilder("# TYPE wallet_reconciliation_last_complete_cycle_seconds gauge\n")
      .append("wallet_reconciliation_last_complete_cycle_seconds ").append(progress.lastCompleteCycle().getEpochSecond())
      .append("\n# TYPE wallet_reconciliation_runs_failed_total counter\nwallet_reconciliation_runs_failed_total ")
      .append(progress.failedRuns())
      .append("\n# TYPE wallet_reconciliation_in_transit_last_concluded_seconds gauge\n")
      .append("wallet_reconciliation_in_transit_last_concluded_seconds ")
      .append(progress.inTransitLastConcluded().getEpochSecond())
      .append("\n# TYPE wallet_reconciliation_discrepancies_found_total counter\n");
    progress.found().forEach((kind, count) -> out.append("wallet_reconciliation_discrepancies_found_total{kind=\"")
      .append(kind).append("\"} ").append(count).append('\n'));
    return out.toString();
  }

  private static String lastRunMetrics(Reconciliation reconciliation) {
    return reconciliation.last().map(report -> "# TYPE wallet_reconciliation_ok gauge\nwallet_reconciliation_ok "
        + (report.ok() ? 1 : 0) + "\n# TYPE wallet_reconciliation_discrepancies gauge\nwallet_reconciliation_discrepancies "
        + report.discrepancies().size() + "\n# TYPE wallet_reconciliation_wallets_behind gauge\n"
        + "wallet_reconciliation_wallets_behind " + report.walletsBehind() + "\n"
        + "# TYPE wallet_reconciliation_last_run_seconds gauge\nwallet_reconciliation_last_run_seconds "
        + report.finishedAt().getEpochSecond() + "\n# TYPE wallet_reconciliation_failed gauge\nwallet_reconciliation_failed "
        + (report.failure() == null ? 0 : 1) + "\n" + discrepanciesByKind(report))
      .orElse("# TYPE wallet_reconciliation_ok gauge\nwallet_reconciliation_ok 0\n");
  }

  /** wallet_reconciliation_discrepancies_by_kind{kind="LEDGER_TOTAL"} for every kind (zeros too), and the halts the last run raised. */
  private static String discrepanciesByKind(ReconciliationReport report) {
    StringBuilder out = new StringBuilder("# TYPE wallet_reconciliation_discrepancies_by_kind gauge\n");
    for (ReconciliationReport.Kind kind : ReconciliationReport.Kind.values()) {
      long count = report.discrepancies().stream().filter(d -> d.kind() == kind).count();
      out.append("wallet_reconciliation_discrepancies_by_kind{kind=\"").append(kind).append("\"} ").append(count)
        .append('\n');
    }
    return out.append("# TYPE wallet_reconciliation_halts_raised gauge\nwallet_reconciliation_halts_raised ")
      .append(report.haltsRaised().size()).append('\n').toString();
  }

  private static void stop(Vertx vertx, Running running) {
    try {
      running.stop().await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      LOG.warn("ledger writer did not stop within 10 s");
    }
    // closed last and awaited on its own: a continuation chained to it would run on the loops it terminates
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      LOG.warn("Vert.x did not close within 10 s");
    }
  }
}
