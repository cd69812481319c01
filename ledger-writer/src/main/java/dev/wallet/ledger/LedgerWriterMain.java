package dev.wallet.ledger;

import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the ledger writer as its own process: migrates the schema (as the owner role), then moves
 * every shard's outbox into the ledger (as the application role) until stopped.
 * Configuration comes from the environment; the defaults match scripts/env.sh.
 */
public final class LedgerWriterMain {

  private static final Logger LOG = LoggerFactory.getLogger(LedgerWriterMain.class);

  private LedgerWriterMain() {
  }

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    LedgerDatabase app = new LedgerDatabase(env.getOrDefault("WALLET_PG_HOST", "127.0.0.1"),
      Integer.parseInt(env.getOrDefault("WALLET_PG_PORT", "55432")), env.getOrDefault("WALLET_PG_DATABASE", "wallet"),
      env.getOrDefault("WALLET_PG_USER", "wallet_app"), env.getOrDefault("WALLET_PG_PASSWORD", "wallet-dev-app"));
    LedgerDatabase owner = app.as(env.getOrDefault("WALLET_PG_OWNER", "wallet_owner"),
      env.getOrDefault("WALLET_PG_OWNER_PASSWORD", "wallet-dev-owner"));
    LedgerMigrations.migrate(owner, app.user());

    List<String> redis = Arrays.asList(env.getOrDefault("WALLET_REDIS_NODES", defaultRedisNodes()).split(","));
    int shards = Integer.parseInt(env.getOrDefault("WALLET_SHARDS", "64"));
    String consumer = env.getOrDefault("WALLET_LEDGER_CONSUMER", "writer-" + ManagementFactory.getRuntimeMXBean().getName());
    Vertx vertx = Vertx.vertx();
    LedgerWriter writer = LedgerWriter.create(vertx, LedgerWriterOptions.defaults(redis, shards, app, consumer));
    writer.start()
      .onSuccess(started -> LOG.info("ledger writer {} running over {} shards", consumer, shards))
      .onFailure(failure -> {
        LOG.error("ledger writer could not start", failure);
        vertx.close().onComplete(closed -> System.exit(1));
      });
    vertx.setPeriodic(10_000, tick -> LOG.info("ledger lag: {} outbox entries", writer.lag()));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        writer.stop().compose(stopped -> vertx.close()).await(10, java.util.concurrent.TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        LOG.warn("ledger writer did not stop within 10 s");
      }
    }));
  }

  private static String defaultRedisNodes() {
    StringBuilder nodes = new StringBuilder();
    for (int port = 7101; port <= 7106; port++) {
      nodes.append(nodes.isEmpty() ? "" : ",").append("redis://127.0.0.1:").append(port);
    }
    return nodes.toString();
  }
}
