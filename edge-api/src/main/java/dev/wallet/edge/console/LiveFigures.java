package dev.wallet.edge.console;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The console's Live figures, asked of the Prometheus that scrapes every edge and the ledger writer
 * (WALLET_PROMETHEUS_URL): the whole system's figures, aggregated by the same queries as the
 * dashboard and the alerts, at no cost to an idle edge (nothing is read unless a Live page asks).
 * Every answer says where it stands: figures, Prometheus not configured, unreachable, or refusing.
 * Answers are shared for {@link #REUSE_MS} so that several open pages ask Prometheus once.
 */
public final class LiveFigures {

  static final Duration WINDOW = Duration.ofMinutes(15);
  static final long STEP_SECONDS = 5;
  public static final long TIMEOUT_MS = 2_000;
  static final long REUSE_MS = 2_000;

  /** Where the figures came from. */
  public enum State { OK, NOT_CONFIGURED, UNREACHABLE, REFUSED }

  /** One chart: a range query (one series per label value of {@code seriesLabel}) and, for counters, their totals. */
  record Chart(String id, String title, String unit, String none, String rangeQuery, String seriesLabel,
               Optional<String> totalQuery) {
  }

  /** A series as Prometheus gave it: its name and (epoch second, value) points, oldest first. */
  record Series(String name, List<Point> points, Optional<Long> total) {
  }

  record Point(long epochSecond, double value) {
  }

  /** What one read found: per chart id its series; how many edges and ledger writers Prometheus has figures from. */
  record Reading(State state, String message, Instant from, Instant to, Map<String, List<Series>> series,
                 long edges, long writers) {
  }

  /** An edge exports this gauge whatever its traffic: where no edge is scraped, a rate of nothing is not zero. */
  private static final String EDGES_SCRAPED = "count(wallet_http_connections_open)";
  private static final String ZERO_WHEN_EDGES = " or on() (0 * " + EDGES_SCRAPED + ")";
  /** Transfers done (same shard) or under way (a cross-shard saga accepted); not replays of either. */
  private static final String TRANSFERS =
    "wallet_money_outcomes_total{operation=\"transfer\",code=~\"ok|pending\",replayed=\"false\"}";
  private static final String REFUSALS = "wallet_money_outcomes_total{code!~\"ok|pending\",replayed=\"false\"}";

  static final List<Chart> CHARTS = List.of(
    new Chart("transfers", "Transfers per second", "per second", "No edge is scraped.",
      "sum(rate(" + TRANSFERS + "[1m]))" + ZERO_WHEN_EDGES, "", Optional.of("sum(" + TRANSFERS + ")")),
    new Chart("refusals", "Refusals per second, by code", "per second", "No refusal in the window.",
      "sum by (code) (rate(" + REFUSALS + "[1m])) or label_replace(sum(rate(wallet_rate_limited_total[1m])), "
        + "\"code\", \"rate_limited\", \"\", \"\")", "code",
      Optional.of("sum by (code) (" + REFUSALS + ") or label_replace(sum(wallet_rate_limited_total), "
        + "\"code\", \"rate_limited\", \"\", \"\")")),
    new Chart("errors", "5xx answers per second, by status", "per second", "No 5xx answer in the window.",
      "sum by (code) (rate(vertx_http_server_requests_total{code=~\"5..\"}[1m]))", "code", Optional.empty()),
    new Chart("sagas", "Saga backlog: cross-shard movements pending", "movements",
      "No edge has read the backlog (no edge scraped).", "sum(max by (shard) (wallet_saga_pending))", "",
      Optional.empty()),
    new Chart("ledger", "Ledger lag: outbox entries not yet in PostgreSQL", "entries",
      "No ledger writer is scraped.", "max(wallet_ledger_lag_entries)", "", Optional.empty()));

  private record Shared(long atMs, Future<Reading> reading) {
  }

  private final Optional<WebClient> client;
  private final String baseUrl;
  private final Clock clock;
  private final AtomicReference<Shared> last = new AtomicReference<>();

  private LiveFigures(Optional<WebClient> client, String baseUrl, Clock clock) {
    this.client = client;
    this.baseUrl = baseUrl;
    this.clock = clock;
  }

  public static LiveFigures create(Vertx vertx, Optional<String> prometheusUrl, Clock clock) {
    return new LiveFigures(prometheusUrl.map(url -> WebClient.create(vertx)),
      prometheusUrl.map(url -> url.replaceAll("/+$", "")).orElse(""), clock);
  }

  public void close() {
    client.ifPresent(WebClient::close);
  }

  /** The last {@link #WINDOW}, or the answer another page asked for less than {@link #REUSE_MS} ago. */
  public Future<Reading> read() {
    long now = clock.millis();
    Shared shared = last.get();
    if (shared != null && now - shared.atMs() < REUSE_MS) {
      return shared.reading();
    }
    Future<Reading> reading = readNow(now);
    last.set(new Shared(now, reading));
    return reading;
  }

  private Future<Reading> readNow(long nowMs) {
    // the window's end on a step boundary, so that each refresh shows the same points where they overlap
    long to = nowMs / 1000 / STEP_SECONDS * STEP_SECONDS;
    long from = to - WINDOW.toSeconds();
    if (client.isEmpty()) {
      return Future.succeededFuture(new Reading(State.NOT_CONFIGURED, "Prometheus is not configured: set "
        + "WALLET_PROMETHEUS_URL to the Prometheus that scrapes the edges and the ledger writer (scripts/run.sh "
        + "--with-prometheus does).", Instant.ofEpochSecond(from), Instant.ofEpochSecond(to), Map.of(), 0, 0));
    }
    List<Future<List<Series>>> charts = CHARTS.stream().map(chart -> chart(chart, from, to)).toList();
    Future<Long> edges = count(EDGES_SCRAPED);
    Future<Long> writers = count("count(wallet_ledger_lag_entries)");
    List<Future<?>> all = new ArrayList<>(charts);
    all.add(edges);
    all.add(writers);
    return Future.all(all).map(done -> {
      Map<String, List<Series>> series = new LinkedHashMap<>();
      for (int i = 0; i < CHARTS.size(); i++) {
        series.put(CHARTS.get(i).id(), charts.get(i).result());
      }
      return new Reading(State.OK, "", Instant.ofEpochSecond(from), Instant.ofEpochSecond(to), series,
        edges.result(), writers.result());
    }).otherwise(failure -> failed(failure, from, to));
  }

  private Reading failed(Throwable failure, long from, long to) {
    boolean refused = failure instanceof PrometheusRefused;
    String message = refused ? "Prometheus at " + baseUrl + " refused a query: " + failure.getMessage()
      : "Prometheus at " + baseUrl + " does not answer (" + failure + "); no figures to show.";
    return new Reading(refused ? State.REFUSED : State.UNREACHABLE, message, Instant.ofEpochSecond(from),
      Instant.ofEpochSecond(to), Map.of(), 0, 0);
  }

  private Future<List<Series>> chart(Chart chart, long from, long to) {
    Future<JsonArray> range = ask("/api/v1/query_range", Map.of("query", chart.rangeQuery(),
      "start", Long.toString(from), "end", Long.toString(to), "step", Long.toString(STEP_SECONDS)));
    Future<Map<String, Long>> totals = chart.totalQuery()
      .map(query -> ask("/api/v1/query", Map.of("query", query)).map(result -> totals(result, chart.seriesLabel())))
      .orElse(Future.succeededFuture(Map.of()));
    return Future.all(range, totals).map(done -> series(range.result(), chart.seriesLabel(), totals.result()));
  }

  private Future<Long> count(String query) {
    return ask("/api/v1/query", Map.of("query", query)).map(result -> result.isEmpty() ? 0L
      : Math.round(Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1))));
  }

  /** The {@code data.result} of a query Prometheus answered with success. */
  private Future<JsonArray> ask(String path, Map<String, String> parameters) {
    var request = client.orElseThrow().getAbs(baseUrl + path).timeout(TIMEOUT_MS);
    parameters.forEach(request::addQueryParam);
    return request.send().map(LiveFigures::result);
  }

  private static JsonArray result(HttpResponse<Buffer> response) {
    JsonObject body;
    try {
      body = response.bodyAsJsonObject();
    } catch (RuntimeException notJson) {
      throw new PrometheusRefused("HTTP " + response.statusCode() + ", not a Prometheus answer");
    }
    if (body == null || !"success".equals(body.getString("status"))) {
      throw new PrometheusRefused("HTTP " + response.statusCode() + ": "
        + (body == null ? "no body" : body.getString("error", "no error given")));
    }
    return body.getJsonObject("data").getJsonArray("result");
  }

  private static List<Series> series(JsonArray matrix, String label, Map<String, Long> totals) {
    List<Series> series = new ArrayList<>();
    for (int i = 0; i < matrix.size(); i++) {
      JsonObject one = matrix.getJsonObject(i);
      String name = name(one, label);
      List<Point> points = new ArrayList<>();
      JsonArray values = one.getJsonArray("values");
      for (int j = 0; j < values.size(); j++) {
        JsonArray pair = values.getJsonArray(j);
        double value = Double.parseDouble(pair.getValue(1).toString());
        if (Double.isFinite(value)) {
          points.add(new Point(((Number) pair.getValue(0)).longValue(), value));
        }
      }
      series.add(new Series(name, points, Optional.ofNullable(totals.get(name))));
    }
    series.sort(Comparator.comparing(Series::name));
    return series;
  }

  private static Map<String, Long> totals(JsonArray vector, String label) {
    Map<String, Long> totals = new HashMap<>();
    for (int i = 0; i < vector.size(); i++) {
      JsonObject one = vector.getJsonObject(i);
      totals.put(name(one, label), Math.round(Double.parseDouble(one.getJsonArray("value").getString(1))));
    }
    return totals;
  }

  private static String name(JsonObject series, String label) {
    return label.isEmpty() ? "all" : series.getJsonObject("metric").getString(label, "?");
  }

  /** Prometheus answered, but not with figures (a query it refuses, an error of its own). */
  public static final class PrometheusRefused extends RuntimeException {
    PrometheusRefused(String message) {
      super(message, null, false, false);
    }
  }
}
