package dev.wallet.edge.bench;

import dev.wallet.balancecache.async.Sequential;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long money takes from the money core to the ledger: for every posting the money core
 * stamped within a run, its commit in PostgreSQL minus that stamp ({@code recorded_at - created_at}),
 * read once the writer reports it has caught up.
 */
final class LedgerLag {

  /** Commit delays in milliseconds, and how many postings they cover. */
  record Delay(long postings, double p50Ms, double p99Ms, double maxMs) {
  }

  private static final Pattern LAG = Pattern.compile("(?m)^wallet_ledger_lag_entries (\\d+)");
  private static final long POLL_MS = 200;

  private final Vertx vertx;
  private final Pool pool;
  private final HttpClientAgent http;
  private final URI writerMetrics;

  LedgerLag(Vertx vertx, PgConnectOptions database, URI writerMetrics) {
    this.vertx = vertx;
    this.pool = PgBuilder.pool().connectingTo(database).using(vertx).build();
    this.http = vertx.createHttpClient();
    this.writerMetrics = writerMetrics;
  }

  /** Completes once the writer reports no entry left to commit, or fails after {@code timeoutMs}. */
  Future<Void> drained(long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    return Sequential.repeatWhile(() -> backlog().compose(entries -> {
      if (entries == 0) {
        return Future.succeededFuture(false);
      }
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new IllegalStateException("the ledger writer still had " + entries
          + " entries to commit after " + timeoutMs + " ms"));
      }
      return vertx.timer(POLL_MS).map(true);
    }));
  }

  Future<Delay> delay(Instant from, Instant to) {
    return pool.preparedQuery("""
        SELECT count(*) AS n,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50,
               percentile_cont(0.99) WITHIN GROUP (ORDER BY d) AS p99, max(d) AS max
          FROM (SELECT extract(epoch FROM recorded_at - created_at) * 1000 AS d FROM postings
                 WHERE created_at >= $1 AND created_at < $2) x""")
      .execute(Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC)))
      .map(rows -> {
        Row row = rows.iterator().next();
        long n = row.getLong("n");
        return n == 0 ? new Delay(0, Double.NaN, Double.NaN, Double.NaN)
          : new Delay(n, row.getDouble("p50"), row.getDouble("p99"), row.getNumeric("max").doubleValue());
      });
  }

  private Future<Long> backlog() {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(writerMetrics.getHost())
      .setPort(writerMetrics.getPort()).setURI(writerMetrics.getPath());
    return http.request(request).compose(r -> r.send()).compose(r -> r.body()).map(body -> {
      Matcher lag = LAG.matcher(body.toString());
      if (!lag.find()) {
        throw new IllegalStateException("the writer's metrics show no wallet_ledger_lag_entries");
      }
      return Long.parseLong(lag.group(1));
    });
  }

  Future<Void> close() {
    return Future.all(pool.close(), http.close()).mapEmpty();
  }
}
