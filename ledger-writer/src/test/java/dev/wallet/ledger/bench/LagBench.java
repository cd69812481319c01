package dev.wallet.ledger.bench;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.OpenWallet;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.ledger.LedgerWriterOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ledger's lag behind the money core at a steady transfer rate: a real writer over the real
 * Redis Cluster, transfers offered at {@code ratePerSecond} for {@code seconds}. Reports the
 * rate achieved, the backlog (outbox entries) sampled every 200 ms, and per posting the delay
 * from the money core's timestamp to its commit in PostgreSQL (recorded_at - created_at).
 */
final class LagBench {

  private static final Currency USD = Currency.getInstance("USD");
  private static final int WALLETS = 200;

  record Result(double transfersPerSecond, long unanswered, long lagP50, long lagMax, double delayP50Ms, double delayP99Ms,
                double delayMaxMs, long drainMs) {
  }

  static Result run(Vertx vertx, List<String> redis, int shards, LedgerDatabase app, int ratePerSecond, int seconds)
    throws Exception {
    BalanceCache cache = BalanceCache.create(vertx, BalanceCacheOptions.defaults(redis).withShardCount(shards)
      .withSweep(2_000, 500));
    cache.start().await(60, TimeUnit.SECONDS);
    LedgerWriter writer = LedgerWriter.create(vertx, LedgerWriterOptions.defaults(redis, shards, app,
      "bench-" + UUID.randomUUID()));
    writer.start().await(60, TimeUnit.SECONDS);
    Pool pool = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost(app.host()).setPort(app.port())
      .setDatabase(app.database()).setUser(app.user()).setPassword(app.password())).using(vertx).build();
    try {
      List<WalletId> wallets = openFunded(cache);
      drain(writer, 120_000);
      Instant from = Instant.now();
      List<Long> lags = Collections.synchronizedList(new ArrayList<>());
      long sampler = vertx.setPeriodic(200, t -> lags.add(writer.lag()));
      AtomicLong unanswered = new AtomicLong();
      long done = offer(vertx, cache, wallets, ratePerSecond, seconds, unanswered);
      vertx.cancelTimer(sampler);
      long stoppedAt = System.currentTimeMillis();
      long drainMs = drain(writer, 300_000) - stoppedAt;
      Row delays = pool.preparedQuery("""
          SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d) AS p50,
                 percentile_cont(0.99) WITHIN GROUP (ORDER BY d) AS p99, max(d) AS max
            FROM (SELECT extract(epoch FROM recorded_at - created_at) * 1000 AS d FROM postings
                   WHERE created_at >= $1 AND type IN ('transfer', 'transfer_debit', 'transfer_credit')) x""")
        .execute(Tuple.of(from.atOffset(ZoneOffset.UTC))).await(60, TimeUnit.SECONDS).iterator().next();
      List<Long> sorted = new ArrayList<>(lags);
      Collections.sort(sorted);
      return new Result(done / (double) seconds, unanswered.get(), sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2),
        sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1), delays.getDouble("p50"), delays.getDouble("p99"),
        delays.getNumeric("max").doubleValue(), drainMs);
    } finally {
      writer.stop().await(30, TimeUnit.SECONDS);
      cache.close().await(30, TimeUnit.SECONDS);
      pool.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static List<WalletId> openFunded(BalanceCache cache) throws Exception {
    List<WalletId> wallets = new ArrayList<>();
    for (int i = 0; i < WALLETS; i++) {
      String owner = "bench-" + UUID.randomUUID();
      WalletId id = cache.openWallet(new OpenWallet(owner, USD, WalletType.PERSONAL, Optional.empty(),
        new IdempotencyKey(owner, "open"))).await(30, TimeUnit.SECONDS).value().id();
      cache.credit(new Credit(id, new Money(1_000_000_000L, USD), SystemAccount.clearing("sandbox", USD),
        PostingType.DEPOSIT, "bench-" + UUID.randomUUID(), new IdempotencyKey(owner, "fund"))).await(30, TimeUnit.SECONDS);
      wallets.add(id);
    }
    return wallets;
  }

  /** Offers transfers at a fixed rate, ticking every 10 ms; answers how many were answered. */
  private static long offer(Vertx vertx, BalanceCache cache, List<WalletId> wallets, int ratePerSecond, int seconds,
                            AtomicLong unanswered) throws Exception {
    AtomicLong answered = new AtomicLong();
    Random random = new Random(42);
    int perTick = Math.max(1, ratePerSecond / 100);
    long ticks = seconds * 100L;
    AtomicLong ticked = new AtomicLong();
    List<Future<?>> all = Collections.synchronizedList(new ArrayList<>());
    io.vertx.core.Promise<Void> finished = io.vertx.core.Promise.promise();
    vertx.setPeriodic(10, timer -> {
      for (int i = 0; i < perTick; i++) {
        WalletId from = wallets.get(random.nextInt(wallets.size()));
        WalletId to = wallets.get(random.nextInt(wallets.size()));
        if (!from.equals(to)) {
          all.add(cache.wallet(from).compose(w -> cache.transfer(new Transfer(from, to, new Money(1, USD),
            w.orElseThrow().ownerId(), new IdempotencyKey("bench", UUID.randomUUID().toString()))))
            .onSuccess(outcome -> answered.incrementAndGet())
            .otherwise(failure -> {
              unanswered.incrementAndGet();  // the money core's own timeout under load: counted, not retried
              return null;
            }));
        }
      }
      if (ticked.incrementAndGet() >= ticks) {
        vertx.cancelTimer(timer);
        finished.complete();
      }
    });
    finished.future().await(seconds + 60L, TimeUnit.SECONDS);
    Future.join(new ArrayList<>(all)).await(120, TimeUnit.SECONDS);
    return answered.get();
  }

  /** Waits until the writer has reported no lag for a while (its count refreshes every second); answers when it first did. */
  private static long drain(LedgerWriter writer, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    long quietSince = -1;
    while (System.currentTimeMillis() < deadline) {
      if (writer.lag() == 0) {
        quietSince = quietSince < 0 ? System.currentTimeMillis() : quietSince;
        if (System.currentTimeMillis() - quietSince > 2_500) {
          return quietSince;
        }
      } else {
        quietSince = -1;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("the writer did not drain within " + timeoutMs + " ms");
  }
}
