package dev.wallet.edge;

import dev.wallet.edge.config.ConfigLoader;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.http.EdgeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.logging.log4j.LogManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the edge API: Vert.x with Micrometer metrics (Prometheus registry, HTTP latency
 * histograms per route, pool figures), the configuration from the environment and the YAML file
 * (vertx-config, see {@link ConfigLoader}), then {@link EdgeApplication}. On SIGTERM the
 * application closes gracefully before Vert.x does.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  public static void main(String[] args) {
    PrometheusMeterRegistry registry = EdgeMetrics.newRegistry();
    Vertx vertx = Vertx.builder().with(new VertxOptions().setMetricsOptions(metricsOptions()))
      .withMetrics(new MicrometerMetricsFactory(registry)).build();
    ConfigLoader.load(vertx)
      .map(EdgeConfig::from)
      .onSuccess(config -> warnAboutDevelopmentSecrets(config))
      .compose(config -> EdgeApplication.start(vertx, config, registry)
        .onSuccess(app -> {
          Runtime.getRuntime().addShutdownHook(new Thread(() -> shutDown(vertx, app, config), "edge-api-shutdown"));
          LOG.info("edge API listening on http://localhost:{}/ with {}", app.port(), config);
        }))
      .onFailure(failure -> {
        LOG.error("edge API failed to start", failure);
        vertx.close().onComplete(closed -> {
          LogManager.shutdown();
          System.exit(1);
        });
      });
  }

  /** HTTP server metrics labelled by route (the route template, a bounded set), histograms for latency. */
  static MicrometerMetricsOptions metricsOptions() {
    return new MicrometerMetricsOptions()
      .setEnabled(true)
      .setJvmMetricsEnabled(true)
      .addLabels(Label.HTTP_ROUTE)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true));
  }

  private static void warnAboutDevelopmentSecrets(EdgeConfig config) {
    if (!config.developmentSecrets().isEmpty()) {
      LOG.warn("WALLET_MODE=development: running with the values published in the repository for {}; anyone can "
        + "mint tokens or forge webhooks with them, never run like this in production", config.developmentSecrets());
    }
  }

  private static void shutDown(Vertx vertx, EdgeApplication app, EdgeConfig config) {
    long budgetMs = config.http().shutdownTimeoutMs() + 5_000;
    try {
      LOG.info("shutting down: finishing in-flight requests (up to {} ms)", config.http().shutdownTimeoutMs());
      app.close().await(budgetMs, TimeUnit.MILLISECONDS);
      vertx.close().await(5, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      LOG.warn("the edge did not close within {} ms", budgetMs);
    } finally {
      LogManager.shutdown();
    }
  }
}
