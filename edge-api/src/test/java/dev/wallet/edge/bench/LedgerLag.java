package dev.wallet.edge.bench;

import dev.wallet.balancecache.async.Deadline;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.ledger.LedgerPlacement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

/**
 * How long money takes from the money core to the ledger: for every posting the money core
 * stamped within a run, its commit in PostgreSQL minus that stamp ({@code recorded_at - created_at}),
 * read once the writer reports it has caught up, from every database of the ledger.
 */
final class LedgerLag {

  /** Commit delays in milliseconds, and how many postings they cover. */
  record Delay(long postings, double p50Ms, double p99Ms, double maxMs) {
  }

  private static final Pattern LAG = Pattern.compile("(?m)^wallet_ledger_lag_entries (\\d+)");
  private static final long POLL_MS = 200;
  /** A reading of the writer's metrics that has not come by then is asked for again. */
  private static final long METRICS_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final List<Pool> pools;
  private final HttpClientAgent http;
  private final URI writerMetrics;

  LedgerLag(Vertx vertx, LedgerPlacement ledger, URI writerMetrics) {
    this.vertx = vertx;
    this.pools = ledger.databases().stream()
      .map(database -> PgBuilder.pool().connectingTo(database.connectOptions()).using(vertx).build()).toList();
    this.http = vertx.createHttpClient();
    this.writerMetrics = writerMetrics;
  }

  /** Completes once the writer reports no entry left to commit, or fails after {@code timeoutMs}. */
  Future<Void> drained(long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    return Sequential.repeatWhile(() -> backlog().transform(read -> {
      if (read.succeeded() && read.result() == 0) {
        return Future.succeededFuture(false);
      }
      String left = read.succeeded() ? read.result() + " entries to commit" : "no answer (" + read.cause() + ")";
      if (System.currentTimeMillis() > deadline) {
        return Future.failedFuture(new IllegalStateException("the ledger writer still had " + left + " after "
          + timeoutMs + " ms"));
      }
      if (read.failed()) {
        Progress.say("the ledger writer's metrics: %s; asking again", left);
      }
      return vertx.timer(POLL_MS).map(true);
    }));
  }

  /** Percentiles as PostgreSQL's percentile_cont computes them, over the delays of every database. */
  Future<Delay> delay(Instant from, Instant to) {
    Tuple window = Tuple.of(from.atOffset(ZoneOffset.UTC), to.atOffset(ZoneOffset.UTC));
    List<Future<RowSet<Row>>> reads = pools.stream().map(pool -> pool.preparedQuery("""
        SELECT extract(epoch FROM recorded_at - created_at)::float8 * 1000 AS d FROM postings
         WHERE created_at >= $1 AND created_at < $2""").execute(window)).toList();
    return Future.all(reads).map(done -> {
      double[] delays = reads.stream().flatMap(read -> StreamSupport.stream(read.result().spliterator(), false))
        .mapToDouble(row -> row.getDouble("d")).sorted().toArray();
      return delays.length == 0 ? new Delay(0, Double.NaN, Double.NaN, Double.NaN)
        : new Delay(delays.length, interpolated(delays, 0.5), interpolated(delays, 0.99), delays[delays.length - 1]);
    });
  }

  private static double interpolated(double[] sorted, double fraction) {
    double position = fraction * (sorted.length - 1);
    int below = (int) Math.floor(position);
    int above = Math.min(sorted.length - 1, below + 1);
    return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
  }

  /**
   * The writer's backlog from its metrics. The deadline covers the whole reading, waiting for a
   * connection included, which the idle timeout does not: a full run once waited 310 s here while
   * the writer reported no backlog every 10 s (docs/benchmarks.md, 2026-12-05).
   */
  private Future<Long> backlog() {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(writerMetrics.getHost())
      .setPort(writerMetrics.getPort()).setURI(writerMetrics.getPath()).setIdleTimeout(METRICS_TIMEOUT_MS);
    return Deadline.within(vertx, http.request(request).compose(r -> r.send()).compose(r -> r.body()),
      METRICS_TIMEOUT_MS).map(body -> {
      Matcher lag = LAG.matcher(body.toString());
      if (!lag.find()) {
        throw new IllegalStateException("the writer's metrics show no wallet_ledger_lag_entries");
      }
      return Long.parseLong(lag.group(1));
    });
  }

  Future<Void> close() {
    return Future.join(pools.stream().map(Pool::close).toList()).compose(closed -> http.close()).mapEmpty();
  }
}
