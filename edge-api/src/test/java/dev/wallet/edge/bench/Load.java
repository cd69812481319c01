package dev.wallet.edge.bench;

import dev.wallet.balancecache.async.Sequential;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Drives one kind of request at the wallet, in one of two ways:
 * <ul>
 *   <li>closed loop: a fixed number of clients, each sending its next request when the previous
 *       one is answered; the rate it reaches is the wallet's maximum at that concurrency;</li>
 *   <li>open loop: requests are due at a constant rate whatever the wallet does, and each one's
 *       latency is counted from when it was due, not from when it could be sent, so a stall shows in
 *       the percentiles instead of silently slowing the load (no coordinated omission).</li>
 * </ul>
 * A request answered with a status the scenario does not expect, or not at all, is an error.
 */
final class Load {

  private static final long SHORTEST_SLEEP_MS = 1;
  private static final long HIGHEST_MICROS = 120_000_000;

  /**
   * What one run measured; latencies in microseconds. {@code errorKinds} counts the errors by what
   * they were: the status and problem code answered ("422 insufficient_funds"), or the failure when
   * nothing was answered ("no answer: TimeoutException").
   */
  record Result(long answered, long errors, Map<String, Long> errorKinds, double seconds, Histogram latency) {

    /** The errors and what they were, e.g. "3 (503 unavailable: 2, no answer: TimeoutException: 1)"; "0" for none. */
    String errorsText() {
      return describe(errors, errorKinds);
    }

    static String describe(long errors, Map<String, Long> kinds) {
      if (errors == 0) {
        return "0";
      }
      StringJoiner each = new StringJoiner(", ", " (", ")");
      new TreeMap<>(kinds).forEach((kind, count) -> each.add(kind + ": " + count));
      return errors + each.toString();
    }

    /** The errors of several runs together, described as one. */
    static String errorsText(List<Result> runs) {
      Map<String, Long> kinds = new TreeMap<>();
      runs.forEach(run -> run.errorKinds().forEach((kind, count) -> kinds.merge(kind, count, Long::sum)));
      return describe(runs.stream().mapToLong(Result::errors).sum(), kinds);
    }

    double perSecond() {
      return answered / seconds;
    }

    double percentileMs(double percentile) {
      return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1_000.0;
    }
  }

  /** A scenario's n-th request, and whether its status is a success. */
  interface Requests {

    Future<BenchHttp.Answer> send(long n);

    boolean succeeded(int status);
  }

  private Load() {
  }

  static Future<Result> closed(Vertx vertx, Requests requests, int clients, Duration duration) {
    return onOwnContext(vertx, () -> {
      Counting counting = new Counting(requests);
      long deadline = System.nanoTime() + duration.toNanos();
      AtomicLong next = new AtomicLong();
      List<Future<Void>> loops = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        loops.add(Sequential.repeatWhile(() -> System.nanoTime() >= deadline
          ? Future.succeededFuture(false)
          : counting.send(next.getAndIncrement(), System.nanoTime()).map(true)));
      }
      return Future.all(loops).map(done -> counting.result());
    });
  }

  static Future<Result> open(Vertx vertx, Requests requests, double perSecond, Duration duration) {
    return onOwnContext(vertx, () -> {
      OpenSchedule schedule = new OpenSchedule(vertx, new Counting(requests), perSecond, duration);
      schedule.tick();
      return schedule.done();
    });
  }

  /**
   * Sends what is due, then sleeps until the next request is due (at least 1 ms): one timer per
   * request at low rates, where a 1 ms tick woke the generator a thousand times a second and cost
   * the machine it shares with the wallet a quarter of a core at 300 requests a second.
   */
  private static final class OpenSchedule {

    private final Vertx vertx;
    private final Counting counting;
    private final long total;
    private final long intervalNanos;
    private final Promise<Void> scheduled = Promise.promise();
    private final List<Future<Void>> inFlight = new ArrayList<>();
    private long sent;

    OpenSchedule(Vertx vertx, Counting counting, double perSecond, Duration duration) {
      this.vertx = vertx;
      this.counting = counting;
      this.total = (long) (perSecond * duration.toNanos() / 1e9);
      this.intervalNanos = (long) (1e9 / perSecond);
    }

    void tick() {
      long due = Math.min(total, (System.nanoTime() - counting.startNanos) / intervalNanos + 1);
      for (; sent < due; sent++) {
        inFlight.add(counting.send(sent, dueAt(sent)));
      }
      if (sent >= total) {
        scheduled.complete();
        return;
      }
      long untilNextNanos = dueAt(sent) - System.nanoTime();
      vertx.setTimer(Math.max(SHORTEST_SLEEP_MS, (untilNextNanos + 999_999) / 1_000_000), timer -> tick());
    }

    private long dueAt(long n) {
      return counting.startNanos + n * intervalNanos;
    }

    Future<Result> done() {
      return scheduled.future().compose(all -> Future.join(inFlight))
        .transform(finished -> Future.succeededFuture(counting.result()));
    }
  }

  private static <T> Future<T> onOwnContext(Vertx vertx, java.util.function.Supplier<Future<T>> body) {
    Context context = vertx.getOrCreateContext();
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> body.get().onComplete(result));
    return result.future();
  }

  /**
   * Counts answers and errors, and records each latency from the moment the request was due. With
   * {@code -Dwallet.bench.stallMs=N}, every request slower than N ms is also kept with the wall-clock
   * time it was due, and the run's stalls are printed on stderr (requests due within 100 ms of each
   * other as one), to be matched with collector logs, Redis' LATENCY events and PostgreSQL's log.
   */
  private static final class Counting {

    private final Requests requests;
    private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final Map<String, Long> errorKinds = new ConcurrentHashMap<>();
    private final long startNanos = System.nanoTime();
    private final LongFunction<Future<BenchHttp.Answer>> send;
    private final Stalls stalls = Stalls.fromProperty();

    Counting(Requests requests) {
      this.requests = requests;
      this.send = requests::send;
    }

    Future<Void> send(long n, long dueNanos) {
      return send.apply(n).transform(answer -> {
        long micros = Math.max(0, (System.nanoTime() - dueNanos) / 1_000);
        recorder.recordValue(Math.min(micros, HIGHEST_MICROS));
        stalls.record(dueNanos, micros);
        if (answer.succeeded() && requests.succeeded(answer.result().status())) {
          answered.incrementAndGet();
        } else {
          errors.incrementAndGet();
          errorKinds.merge(answer.succeeded() ? answer.result().problem()
            : "no answer: " + answer.cause().getClass().getSimpleName(), 1L, Long::sum);
          if (answer.failed()) {
            // rare, and what it says only helps next to when it came: the run's start, the request's own time
            Progress.say("no answer %d ms into the run, %d ms after it was due: %s",
              (dueNanos - startNanos) / 1_000_000, micros / 1_000, answer.cause());
          }
        }
        return Future.succeededFuture();
      });
    }

    Result result() {
      stalls.print(startNanos);
      return new Result(answered.get(), errors.get(), Map.copyOf(errorKinds), (System.nanoTime() - startNanos) / 1e9,
        recorder.getIntervalHistogram());
    }
  }
}
