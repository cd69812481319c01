package dev.wallet.ledger.bench;

import dev.wallet.ledger.InsertMode;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerMigrations;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.Flyway;

/**
 * scripts/bench-ledger.sh: the writer's insert modes against each other (rows per second, median
 * of several interleaved runs, ratio to one-by-one measured in the same run), then the ledger's
 * lag at a steady transfer load with the mode the writer uses. Prints Markdown tables.
 */
public final class LedgerBench {

  private LedgerBench() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> env = System.getenv();
    int runs = Integer.parseInt(env.getOrDefault("BENCH_RUNS", "5"));
    int shards = Integer.parseInt(env.getOrDefault("BENCH_SHARDS", "4"));
    int batches = Integer.parseInt(env.getOrDefault("BENCH_BATCHES", "4"));
    int batchSize = Integer.parseInt(env.getOrDefault("BENCH_BATCH_SIZE", "500"));
    int rate = Integer.parseInt(env.getOrDefault("BENCH_RATE", "300"));
    int seconds = Integer.parseInt(env.getOrDefault("BENCH_SECONDS", "20"));
    int lagRuns = Integer.parseInt(env.getOrDefault("BENCH_LAG_RUNS", "3"));
    LedgerDatabase app = database(env, "WALLET_PG_USER", "wallet_app", "WALLET_PG_PASSWORD", "wallet-dev-app");
    LedgerDatabase owner = database(env, "WALLET_PG_OWNER", "wallet_owner", "WALLET_PG_OWNER_PASSWORD",
      "wallet-dev-owner");
    List<String> redis = Arrays.asList(env.get("WALLET_REDIS_NODES").split(","));

    Vertx vertx = Vertx.vertx();
    try {
      System.out.printf("%n### Insert modes: %d runs, %d shards in parallel x %d batches x %d postings (3 rows each)%n%n",
        runs, shards, batches, batchSize);
      if (runs > 0) {
        printModes(insertModes(vertx, app, owner, runs, shards, batches, batchSize));
      }
      LedgerMigrations.migrate(owner, app.user());
      System.out.printf("%n### Lag at a steady load: %d transfers/s offered for %d s, %d runs, writer in %s mode%n%n",
        rate, seconds, lagRuns, InsertMode.UNNEST);
      List<LagBench.Result> lags = new ArrayList<>();
      for (int r = 0; r < lagRuns; r++) {
        lags.add(LagBench.run(vertx, redis, Integer.parseInt(env.getOrDefault("WALLET_SHARDS", "64")), app, rate,
          seconds));
      }
      printLags(lags);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static Map<InsertMode, List<Double>> insertModes(Vertx vertx, LedgerDatabase app, LedgerDatabase owner,
                                                           int runs, int shards, int batches, int batchSize)
    throws Exception {
    String schema = "ledger_bench_" + System.currentTimeMillis();
    Flyway.configure().dataSource(owner.jdbcUrl(), owner.user(), owner.password())
      .locations("classpath:db/migration").schemas(schema).placeholders(Map.of("app_role", app.user()))
      .load().migrate();
    sql(owner, "GRANT USAGE ON SCHEMA " + schema + " TO " + app.user());
    Map<InsertMode, List<Double>> rates = new EnumMap<>(InsertMode.class);
    try {
      StoreBench bench = new StoreBench(vertx, app, schema);
      List<InsertMode> order = new ArrayList<>(List.of(InsertMode.values()));
      for (int r = 0; r < runs; r++) {
        Collections.rotate(order, 1);
        for (InsertMode mode : order) {
          double rowsPerSecond = bench.rowsPerSecond(mode, shards, batches, batchSize, "r" + r + mode.ordinal());
          rates.computeIfAbsent(mode, m -> new ArrayList<>()).add(rowsPerSecond);
          System.err.printf("run %d %s: %.0f rows/s%n", r + 1, mode, rowsPerSecond);
        }
      }
    } finally {
      sql(owner, "DROP SCHEMA " + schema + " CASCADE");
    }
    return rates;
  }

  private static void printModes(Map<InsertMode, List<Double>> rates) {
    double baseline = median(rates.get(InsertMode.ONE_BY_ONE));
    System.out.println("| insert mode | rows/s (median) | min | max | vs one-by-one |");
    System.out.println("|---|---:|---:|---:|---:|");
    rates.forEach((mode, values) -> System.out.printf("| %s | %.0f | %.0f | %.0f | %.2fx |%n", mode, median(values),
      Collections.min(values), Collections.max(values), median(values) / baseline));
  }

  private static void printLags(List<LagBench.Result> lags) {
    System.out.println("| run | transfers/s answered | unanswered (timed out) | backlog p50 (entries) | backlog max | commit delay p50 (ms)"
      + " | p99 (ms) | max (ms) | drained after stop (ms) |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (int i = 0; i < lags.size(); i++) {
      LagBench.Result r = lags.get(i);
      System.out.printf("| %d | %.0f | %d | %d | %d | %.0f | %.0f | %.0f | %d |%n", i + 1, r.transfersPerSecond(),
        r.unanswered(), r.lagP50(), r.lagMax(), r.delayP50Ms(), r.delayP99Ms(), r.delayMaxMs(), r.drainMs());
    }
    System.out.printf("| median | %.0f | %d | %d | %d | %.0f | %.0f | %.0f | %d |%n",
      median(lags.stream().map(LagBench.Result::transfersPerSecond).toList()),
      (long) median(lags.stream().map(r -> (double) r.unanswered()).toList()),
      (long) median(lags.stream().map(r -> (double) r.lagP50()).toList()),
      (long) median(lags.stream().map(r -> (double) r.lagMax()).toList()),
      median(lags.stream().map(LagBench.Result::delayP50Ms).toList()),
      median(lags.stream().map(LagBench.Result::delayP99Ms).toList()),
      median(lags.stream().map(LagBench.Result::delayMaxMs).toList()),
      (long) median(lags.stream().map(r -> (double) r.drainMs()).toList()));
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static LedgerDatabase database(Map<String, String> env, String user, String defaultUser, String password,
                                         String defaultPassword) {
    return new LedgerDatabase(env.getOrDefault("WALLET_PG_HOST", "127.0.0.1"),
      Integer.parseInt(env.getOrDefault("WALLET_PG_PORT", "25432")), env.getOrDefault("WALLET_PG_DATABASE", "wallet"),
      env.getOrDefault(user, defaultUser), env.getOrDefault(password, defaultPassword));
  }

  private static void sql(LedgerDatabase db, String statement) throws Exception {
    try (Connection conn = DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password());
         Statement st = conn.createStatement()) {
      st.execute(statement);
    }
  }
}
