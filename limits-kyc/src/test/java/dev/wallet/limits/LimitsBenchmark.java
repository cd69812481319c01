package dev.wallet.limits;

import com.hazelcast.map.IMap;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.limits.impl.LimitsEngine;
import dev.wallet.limits.impl.LimitsHazelcast;
import dev.wallet.limits.model.KycProfile;
import dev.wallet.limits.model.Movement;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.RulesInForce;
import dev.wallet.limits.testing.LimitsTestSupport;
import dev.wallet.limits.testing.LimitsTestSupport.Member;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * What the limits check costs on the path that moves money, next to a baseline measured in the
 * same run: one Hazelcast map read bridged to a Vert.x future, the hop the check cannot avoid.
 * Prints a markdown table: medians over the runs of throughput and latency percentiles.
 *
 * <p>Arguments: seconds per run, runs, requests in flight. Needs scripts/infra-up.sh (PostgreSQL).
 */
public final class LimitsBenchmark {

  private record Run(double perSecond, double p50Micros, double p99Micros) {
  }

  public static void main(String[] args) {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 5;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int inFlight = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    Vertx vertx = Vertx.vertx();
    Member member = Member.withRules(vertx, LimitsTestSupport.newClusterName(), TestRules.permissive());
    try {
      String profiled = "bench-" + UUID.randomUUID();
      Await.result(member.limits().setProfile(profiled, "full", Optional.of("DE"), "bench", "api"));
      IMap<String, KycProfile> profiles = member.hazelcast().getMap(LimitsHazelcast.PROFILES_MAP);
      RulesInForce rules = member.limits().rulesInForce().orElseThrow();
      KycProfile profile = Await.result(member.limits().profile(profiled));
      Movement send = Movement.of(profiled, Operation.P2P_SEND, Money.of(100, "USD"), Instant.now());
      Movement unprofiled = Movement.of("bench-none-" + UUID.randomUUID(), Operation.P2P_SEND, Money.of(100, "USD"),
        Instant.now());

      System.out.printf("%d runs of %d s, %d in flight%n%n", runs, seconds, inFlight);
      System.out.println("| scenario | per second | ratio to baseline | p50 µs | p99 µs |");
      System.out.println("|---|---:|---:|---:|---:|");
      List<String> names = List.of("baseline: IMap.getAsync of a profile", "Limits.check, owner with a profile",
        "Limits.check, owner without a profile", "LimitsEngine.decide alone (one thread)");
      List<Supplier<Run>> scenarios = List.of(
        () -> async(vertx, seconds, inFlight,
          () -> Future.fromCompletionStage(profiles.getAsync(profiled), vertx.getOrCreateContext())),
        () -> async(vertx, seconds, inFlight, () -> member.limits().check(send)),
        () -> async(vertx, seconds, inFlight, () -> member.limits().check(unprofiled)),
        () -> pure(seconds, () -> LimitsEngine.decide(rules, Optional.of(profile), send)));
      List<List<Run>> results = interleaved(runs, scenarios);
      for (int i = 0; i < names.size(); i++) {
        print(names.get(i), results.get(i), results.get(0));
      }
    } finally {
      member.close();
      Await.result(vertx.close());
    }
  }

  /** Round-robin over the scenarios, so that each sees the same share of a noisy machine; one pass to warm up. */
  private static List<List<Run>> interleaved(int runs, List<Supplier<Run>> scenarios) {
    scenarios.forEach(Supplier::get);
    List<List<Run>> results = new ArrayList<>();
    scenarios.forEach(s -> results.add(new ArrayList<>()));
    for (int r = 0; r < runs; r++) {
      for (int i = 0; i < scenarios.size(); i++) {
        results.get(i).add(scenarios.get(i).get());
      }
    }
    return results;
  }

  /** {@code inFlight} chains on one event loop, each starting its next call when the last completes. */
  private static Run async(Vertx vertx, long seconds, int inFlight, Supplier<Future<?>> call) {
    long[] latencies = new long[20_000_000];
    AtomicLong count = new AtomicLong();
    AtomicLong started = new AtomicLong();
    Promise<Void> done = Promise.promise();
    AtomicLong open = new AtomicLong(inFlight);
    vertx.runOnContext(start -> {
      started.set(System.nanoTime());
      long deadline = started.get() + seconds * 1_000_000_000L;
      for (int i = 0; i < inFlight; i++) {
        next(call, deadline, latencies, count, open, done);
      }
    });
    Await.result(done.future(), seconds + 60);
    return summary(latencies, (int) Math.min(count.get(), latencies.length), System.nanoTime() - started.get());
  }

  private static void next(Supplier<Future<?>> call, long deadline, long[] latencies, AtomicLong count,
                           AtomicLong open, Promise<Void> done) {
    if (System.nanoTime() >= deadline) {
      if (open.decrementAndGet() == 0) {
        done.complete();
      }
      return;
    }
    long t0 = System.nanoTime();
    call.get().onComplete(result -> {
      if (result.failed()) {
        done.tryFail(result.cause());
        return;
      }
      int i = (int) count.getAndIncrement();
      if (i < latencies.length) {
        latencies[i] = System.nanoTime() - t0;
      }
      next(call, deadline, latencies, count, open, done);
    });
  }

  private static Run pure(long seconds, Supplier<Object> call) {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long[] latencies = new long[20_000_000];
    int n = 0;
    long started = System.nanoTime();
    while (System.nanoTime() < deadline && n < latencies.length) {
      long t0 = System.nanoTime();
      if (call.get() == null) {
        throw new IllegalStateException();
      }
      latencies[n++] = System.nanoTime() - t0;
    }
    return summary(latencies, n, System.nanoTime() - started);
  }

  private static Run summary(long[] latencies, int n, long elapsedNanos) {
    if (n == 0) {
      throw new IllegalStateException("no call completed within the run");
    }
    long[] sorted = Arrays.copyOf(latencies, n);
    Arrays.sort(sorted);
    return new Run(n * 1e9 / elapsedNanos, sorted[n / 2] / 1e3, sorted[(int) (n * 0.99)] / 1e3);
  }

  private static void print(String scenario, List<Run> runs, List<Run> baseline) {
    double perSecond = median(runs.stream().mapToDouble(Run::perSecond).toArray());
    double base = median(baseline.stream().mapToDouble(Run::perSecond).toArray());
    double min = runs.stream().mapToDouble(Run::perSecond).min().orElse(0);
    double max = runs.stream().mapToDouble(Run::perSecond).max().orElse(0);
    System.out.printf(Locale.ROOT, "| %s | %.0f (%.0f-%.0f) | %.2f | %.1f | %.1f |%n", scenario, perSecond, min, max,
      perSecond / base, median(runs.stream().mapToDouble(Run::p50Micros).toArray()),
      median(runs.stream().mapToDouble(Run::p99Micros).toArray()));
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
