package dev.wallet.ledger;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/** Random transfers among funded wallets (same-shard and cross-shard), from a few concurrent workers until stopped. */
final class TransferLoad {

  private final BalanceCache cache;
  private final MoneyCore core;
  private final List<WalletId> wallets = new ArrayList<>();
  private final Map<WalletId, String> owners = new ConcurrentHashMap<>();
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicLong answered = new AtomicLong();
  private List<Future<Void>> workers = List.of();

  TransferLoad(BalanceCache cache, int walletCount, long funding) {
    this.cache = cache;
    this.core = new MoneyCore(cache);
    while (wallets.size() < walletCount) {
      String owner = MoneyCore.owner();
      WalletId wallet = core.funded(owner, funding);
      wallets.add(wallet);
      owners.put(wallet, owner);
      String neighbour = MoneyCore.owner();
      WalletId near = core.openNear(neighbour, wallet);
      core.fund(near, funding);
      wallets.add(near);
      owners.put(near, neighbour);
    }
  }

  List<WalletId> wallets() {
    return List.copyOf(wallets);
  }

  long answered() {
    return answered.get();
  }

  void start(int workerCount, long seed) {
    running.set(true);
    workers = IntStream.range(0, workerCount).mapToObj(i -> worker(new Random(seed + i))).toList();
  }

  void stop() {
    running.set(false);
    Await.result(Future.all(workers), 120);
  }

  /** Drives every saga the load left pending to its end, so Redis is settled before comparing. */
  void settle() {
    Eventually.await("every pending transfer to reach its end", Duration.ofSeconds(60), () -> {
      Await.result(cache.sweepPendingTransfers());
      for (int n = 0; n < cache.shardCount(); n++) {
        if (!Await.result(cache.pendingMovements(new ShardId(n))).isEmpty()) {
          return false;
        }
      }
      return true;
    });
  }

  private Future<Void> worker(Random random) {
    return Sequential.repeatWhile(() -> running.get() ? transfer(random).map(true) : Future.succeededFuture(false));
  }

  private Future<Void> transfer(Random random) {
    WalletId from = wallets.get(random.nextInt(wallets.size()));
    WalletId to = wallets.get(random.nextInt(wallets.size()));
    Transfer transfer = new Transfer(from, to, new Money(1 + random.nextInt(50), MoneyCore.USD), owners.get(from),
      MoneyCore.key(owners.get(from)));
    return cache.transfer(transfer)
      .<Void>map(outcome -> {
        answered.incrementAndGet();
        return null;
      })
      .recover(failure -> failure instanceof BalanceCacheUnavailableException
        ? Future.succeededFuture() : Future.failedFuture(failure));
  }
}
