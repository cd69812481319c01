package dev.wallet.edge.http;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.OutcomeCode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;

/**
 * The edge's own meters, next to what Vert.x reports by itself (HTTP latency histograms per route,
 * Redis and PostgreSQL pool figures, when the process runs with metrics enabled, as {@link Main}
 * does). Names follow Prometheus conventions; labels are bounded sets (operations and codes).
 */
public final class EdgeMetrics {

  private final MeterRegistry registry;

  public EdgeMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** wallet_money_outcomes_total{operation="transfer",code="insufficient_funds"} */
  public void outcome(String operation, OutcomeCode code, boolean replayed) {
    registry.counter("wallet_money_outcomes_total", "operation", operation, "code",
      code.name().toLowerCase(Locale.ROOT), "replayed", Boolean.toString(replayed)).increment();
  }

  public void rateLimited() {
    registry.counter("wallet_rate_limited_total").increment();
  }

  /** wallet_webhook_events_total{result="applied"|"duplicate"|"refused"|"bad_signature"|...} */
  public void webhook(String result) {
    registry.counter("wallet_webhook_events_total", "result", result).increment();
  }

  /** wallet_saga_total{event="started"|...}: the money core's cross-shard sagas and sweeper in this process. */
  public void sagas(BalanceCache cache) {
    gauge("started", cache, c -> c.sagaCounts().started());
    gauge("completed", cache, c -> c.sagaCounts().completed());
    gauge("reversed", cache, c -> c.sagaCounts().reversed());
    gauge("left_pending", cache, c -> c.sagaCounts().leftPending());
    gauge("swept", cache, c -> c.sagaCounts().swept());
    gauge("sweep_failures", cache, c -> c.sagaCounts().sweepFailures());
  }

  /**
   * wallet_limits_off_home_debits_total: debits this process sent with limits from a wallet off its
   * owner's home shard, whose limits are counted per shard (wallets opened before owners had homes).
   */
  public void limitsOffHome(BalanceCache cache) {
    io.micrometer.core.instrument.FunctionCounter.builder("wallet_limits_off_home_debits", cache,
      BalanceCache::offHomeLimitedDebits).register(registry);
  }

  /**
   * wallet_aml_monitors_ran_seconds: when this process's AML monitors last ran to the end of the ledger;
   * none from a process that does not run them (a fresh value would hide the others' for a while).
   */
  public void amlMonitors(dev.wallet.limits.Compliance compliance) {
    if (!compliance.monitorsRunHere()) {
      return;
    }
    io.micrometer.core.instrument.Gauge.builder("wallet_aml_monitors_ran_seconds", compliance,
      c -> c.monitorsRanAt().getEpochSecond()).register(registry);
  }

  private void gauge(String event, BalanceCache cache, java.util.function.ToDoubleFunction<BalanceCache> value) {
    io.micrometer.core.instrument.FunctionCounter.builder("wallet_saga", cache, value).tag("event", event)
      .register(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /**
   * The process's registry. Vert.x Web labels a request with every route it passed through
   * ("/v1/>/v1/transfers" for the guard route, then the endpoint); the label keeps the endpoint.
   */
  public static PrometheusMeterRegistry newRegistry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(MeterFilter.replaceTagValues("route", EdgeMetrics::endpointOnly));
    return registry;
  }

  static String endpointOnly(String route) {
    int last = route.lastIndexOf('>');
    return last < 0 ? route : route.substring(last + 1);
  }
}
