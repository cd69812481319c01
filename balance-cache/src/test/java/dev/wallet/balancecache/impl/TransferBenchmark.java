package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

/**
 * Transfers per second of the money core against the real cluster, next to a baseline measured
 * in the same run: the cheapest replicated write (HINCRBY + WAIT) over the same client. Each
 * scenario runs {@code runs} times for {@code seconds} with {@code concurrency} requests in flight;
 * the table gives medians. Run by scripts/bench-money-core.sh.
 */
public final class TransferBenchmark {

  private TransferBenchmark() {
  }

  public static void main(String[] args) {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    Vertx vertx = Vertx.vertx();
    try {
      new Runner(vertx, seconds, runs, concurrency).all();
    } finally {
      vertx.close();
    }
  }

  private record Result(String scenario, double[] perSecond, double[] p50Ms, double[] p99Ms) {
  }

  private static final class Runner {

    private final Vertx vertx;
    private final int seconds;
    private final int runs;
    private final int concurrency;

    Runner(Vertx vertx, int seconds, int runs, int concurrency) {
      this.vertx = vertx;
      this.seconds = seconds;
      this.runs = runs;
      this.concurrency = concurrency;
    }

    void all() {
      List<Result> results = new ArrayList<>();
      results.add(baseline());
      results.add(transfers("same-shard transfer, WAIT 1", 1, false));
      results.add(transfers("cross-shard transfer (saga), WAIT 1", 1, true));
      results.add(transfers("same-shard transfer, no WAIT", 0, false));
      print(results);
    }

    private Result baseline() {
      ClusterRouter router = new ClusterRouter(vertx, TestEnvironment.redisNodes(), 32);
      Await.result(router.start(5_000));
      try {
        return measure("baseline: HINCRBY + WAIT 1", n -> {
          String key = "{s" + String.format("%04d", n % 64) + "}:bench";
          return router.batch(key, List.of(Request.cmd(Command.HINCRBY).arg(key).arg("n").arg(1),
            Request.cmd(Command.WAIT).arg(1).arg(500))).mapEmpty();
        });
      } finally {
        router.close();
      }
    }

    private Result transfers(String name, int acks, boolean crossShard) {
      BalanceCacheOptions options = TestEnvironment.balanceCacheOptions().withMinReplicaAcks(acks);
      RedisBalanceCache cache = new RedisBalanceCache(vertx, options);
      Await.result(cache.start());
      try {
        MoneyCore core = new MoneyCore(cache);
        List<String> owners = new ArrayList<>();
        List<WalletId[]> pairs = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
          String owner = MoneyCore.owner();
          WalletId from = core.funded(owner, 1_000_000_000L);
          WalletId to = crossShard ? core.openElsewhere(MoneyCore.owner(), from) : core.openNear(MoneyCore.owner(), from);
          owners.add(owner);
          pairs.add(new WalletId[] {from, to});
        }
        return measure(name, n -> {
          int lane = n % concurrency;
          return core.transfer(pairs.get(lane)[0], pairs.get(lane)[1], 1, owners.get(lane)).mapEmpty();
        });
      } finally {
        Await.result(cache.close());
      }
    }

    /** One lane per concurrent request; lane n always issues request n, n+concurrency, ... */
    private Result measure(String name, java.util.function.IntFunction<Future<Void>> request) {
      double[] perSecond = new double[runs];
      double[] p50 = new double[runs];
      double[] p99 = new double[runs];
      for (int run = 0; run < runs; run++) {
        List<Long> latenciesNs = java.util.Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        List<Future<Void>> lanes = IntStream.range(0, concurrency)
          .mapToObj(lane -> lane(lane, request, end, latenciesNs)).toList();
        Await.result(Future.all(lanes), seconds + 60L);
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] sorted = latenciesNs.stream().mapToLong(Long::longValue).sorted().toArray();
        perSecond[run] = sorted.length / elapsed;
        p50[run] = sorted[sorted.length / 2] / 1e6;
        p99[run] = sorted[(int) (sorted.length * 0.99)] / 1e6;
      }
      return new Result(name, perSecond, p50, p99);
    }

    private Future<Void> lane(int first, java.util.function.IntFunction<Future<Void>> request, long end,
                              List<Long> latenciesNs) {
      AtomicInteger next = new AtomicInteger(first);
      return Sequential.repeatWhile(() -> {
        if (System.nanoTime() >= end) {
          return Future.succeededFuture(false);
        }
        long started = System.nanoTime();
        return request.apply(next.getAndAdd(concurrency)).map(done -> latenciesNs.add(System.nanoTime() - started));
      });
    }

    private void print(List<Result> results) {
      double baseline = median(results.get(0).perSecond());
      System.out.printf("%n%d runs of %d s, %d requests in flight; medians (min-max of runs)%n%n", runs, seconds,
        concurrency);
      System.out.println("| scenario | per second | ratio to baseline | p50 ms | p99 ms |");
      System.out.println("|---|---:|---:|---:|---:|");
      for (Result r : results) {
        System.out.printf("| %s | %.0f (%.0f-%.0f) | %.2f | %.2f | %.2f |%n", r.scenario(), median(r.perSecond()),
          Arrays.stream(r.perSecond()).min().orElse(0), Arrays.stream(r.perSecond()).max().orElse(0),
          median(r.perSecond()) / baseline, median(r.p50Ms()), median(r.p99Ms()));
      }
    }

    private static double median(double[] values) {
      double[] sorted = values.clone();
      Arrays.sort(sorted);
      return sorted[sorted.length / 2];
    }
  }
}
