package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Thirty seconds of concurrent random transfers among 120 wallets on many shards, with sagas
 * interrupted between their steps (as if the process crashed) and destinations frozen under
 * the transfers' feet. Afterwards not a cent may have appeared or vanished, anywhere.
 */
@ExtendWith(VertxExtension.class)
class ConservationTest {

  private static final Logger LOG = LoggerFactory.getLogger(ConservationTest.class);
  private static final Duration LOAD = Duration.ofSeconds(30);
  private static final int WALLETS = 120;
  private static final int WORKERS = 24;

  private LedgerFixture ledger;
  private RedisBalanceCache cache;
  private MoneyCore core;
  private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(1_000, 500));
    Await.result(cache.start());
    core = new MoneyCore(cache);
    ledger.startWriter();
  }

  @AfterEach
  void stop() {
    ledger.close();
    Await.result(cache.close());
  }

  @Test
  @DisplayName("after 30 s of concurrent transfers with crashed sagas and refusing destinations, every account sums to zero in Redis and in the ledger")
  void moneyIsConserved() {
    long seed = System.nanoTime();
    LOG.info("conservation run with seed {}", seed);
    List<WalletId> wallets = openWallets();
    Map<WalletId, String> owners = new ConcurrentHashMap<>();
    wallets.forEach(w -> owners.put(w, core.wallet(w).ownerId()));

    long deadline = System.currentTimeMillis() + LOAD.toMillis();
    List<Future<Void>> workers = IntStream.range(0, WORKERS)
      .mapToObj(i -> worker(new Random(seed + i), wallets, owners, deadline)).toList();
    Await.result(Future.all(workers), LOAD.toSeconds() + 60);
    LOG.info("load done: {}", counts);

    wallets.forEach(w -> Await.result(cache.setStatus(w, WalletStatus.ACTIVE, "test over")));
    awaitNoPendingTransfers();
    ledger.awaitDrained(Duration.ofSeconds(60));

    assertThat(counts.get("completed").get()).as("transfers completed").isPositive();
    assertThat(counts.getOrDefault("failed", new AtomicLong()).get()).as("steps that failed unexpectedly").isZero();
    assertThat(counts.get("crashed-after-debit").get()).as("sagas interrupted after the debit").isPositive();
    assertThat(counts.get("crashed-after-credit").get()).as("sagas interrupted after the credit").isPositive();
    assertThat(counts.get("refused-by-destination").get()).as("destinations that refused").isPositive();
    assertThat(ledger.redisTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
    assertThat(ledger.ledgerTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
    assertThat(ledger.entrySums()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
    assertThat(ledger.count("""
        SELECT count(*) FROM (SELECT posting_id FROM entries GROUP BY posting_id, currency HAVING sum(amount) <> 0) x"""))
      .as("postings that do not balance").isZero();
    for (WalletId wallet : wallets) {
      Wallet hot = core.wallet(wallet);
      assertThat(ledger.ledgerBalance(wallet)).as("ledger of " + wallet)
        .containsExactly(hot.available(), hot.held(), hot.seq());
      assertThat(ledger.count("SELECT count(DISTINCT seq) FROM entries WHERE account_id = $1", wallet.value()))
        .as("no sequence gaps in " + wallet).isEqualTo(hot.seq());
    }
  }

  private List<WalletId> openWallets() {
    List<WalletId> wallets = new ArrayList<>();
    while (wallets.size() < WALLETS) {
      WalletId single = core.open(MoneyCore.owner());
      wallets.add(single);
      wallets.add(core.openNear(MoneyCore.owner(), single));
    }
    wallets.forEach(w -> core.fund(w, 10_000));
    return wallets;
  }

  private Future<Void> worker(Random random, List<WalletId> wallets, Map<WalletId, String> owners, long deadline) {
    return Sequential.repeatWhile(() -> System.currentTimeMillis() > deadline ? Future.succeededFuture(false)
      : countedStep(random, wallets, owners).map(true));
  }

  private Future<Void> countedStep(Random random, List<WalletId> wallets, Map<WalletId, String> owners) {
    return step(random, wallets, owners)
      .recover(failure -> {
        count(failure instanceof BalanceCacheUnavailableException ? "unavailable" : "failed");
        if (!(failure instanceof BalanceCacheUnavailableException)) {
          LOG.error("unexpected failure", failure);
        }
        return Future.succeededFuture();
      });
  }

  private Future<Void> step(Random random, List<WalletId> wallets, Map<WalletId, String> owners) {
    WalletId from = wallets.get(random.nextInt(wallets.size()));
    WalletId to = wallets.get(random.nextInt(wallets.size()));
    Transfer transfer = new Transfer(from, to, new Money(1 + random.nextInt(300), USD), owners.get(from),
      key(owners.get(from)));
    int dice = random.nextInt(100);
    if (dice < 3) {
      return toggleFrozen(to);
    }
    if (dice < 10 && transfer.crossShard()) {
      return crashMidSaga(transfer, dice < 7);
    }
    return cache.transfer(transfer).map(outcome -> {
      if (outcome.code() == OutcomeCode.OK) {
        count("completed");
      } else if (outcome.value() != null && outcome.value().status() == TransferStatus.REVERSED) {
        count("refused-by-destination");
      } else {
        count(outcome.code().name().toLowerCase());
      }
      return null;
    });
  }

  /** Runs the saga's first step, or its first two, then walks away as a crashed process would. */
  private Future<Void> crashMidSaga(Transfer transfer, boolean beforeCredit) {
    TransferId id = TransferId.random(transfer.from().shard());
    return cache.saga().debit(transfer, id).compose(debited -> {
      if (debited.code() != OutcomeCode.PENDING) {
        return Future.succeededFuture();
      }
      if (beforeCredit) {
        count("crashed-after-debit");
        return Future.succeededFuture();
      }
      return cache.saga().credit(debited.value()).map(decision -> {
        count(decision == OutcomeCode.OK ? "crashed-after-credit" : "refused-by-destination");
        return null;
      });
    });
  }

  private Future<Void> toggleFrozen(WalletId wallet) {
    return cache.wallet(wallet).compose(w -> cache.setStatus(wallet,
        w.orElseThrow().status() == WalletStatus.ACTIVE ? WalletStatus.FROZEN : WalletStatus.ACTIVE, "chaos"))
      .map(changed -> {
        count("status-toggled");
        return null;
      });
  }

  private void awaitNoPendingTransfers() {
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

  private void count(String what) {
    counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
  }
}
