package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis master is killed with SIGKILL under load and started again. Clients do what a real
 * client must: retry an unanswered request under the same idempotency key until it gets an
 * answer. Every answered transfer must then be in Redis and in the ledger exactly once.
 */
@ExtendWith(VertxExtension.class)
class RedisMasterCrashTest {

  private static final Logger LOG = LoggerFactory.getLogger(RedisMasterCrashTest.class);
  private static final int WALLETS = 40;
  private static final int CLIENTS = 12;
  private static final long START_BALANCE = 1_000_000;

  private Vertx vertx;
  private LedgerFixture ledger;
  private RedisBalanceCache cache;
  private MoneyCore core;
  private Integer killedPort;

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    RedisNodes.awaitHealthy(Duration.ofSeconds(60));
    ledger = new LedgerFixture(vertx);
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(2_000, 500));
    Await.result(cache.start());
    core = new MoneyCore(cache);
    ledger.startWriter();
  }

  @AfterEach
  void stop() {
    if (killedPort != null && !RedisNodes.ping(killedPort)) {
      RedisNodes.start(killedPort);
    }
    RedisNodes.awaitHealthy(Duration.ofSeconds(90));
    ledger.close();
    Await.result(cache.close());
  }

  @Test
  @DisplayName("after kill -9 of a master under load and its restart, no acknowledged transfer is lost or applied twice")
  void noAcknowledgedTransferLostOrDoubled() {
    List<WalletId> wallets = new ArrayList<>();
    Map<WalletId, String> owners = new HashMap<>();
    for (int i = 0; i < WALLETS; i++) {
      String owner = MoneyCore.owner();
      WalletId wallet = core.funded(owner, START_BALANCE);
      wallets.add(wallet);
      owners.put(wallet, owner);
    }
    ShardId victimShard = wallets.get(0).shard();
    killedPort = RedisNodes.masterOfSlot(RedisNodes.slotOf(victimShard.tag()));

    AtomicBoolean loading = new AtomicBoolean(true);
    ConcurrentLinkedQueue<Outcome<TransferView>> answered = new ConcurrentLinkedQueue<>();
    AtomicInteger retries = new AtomicInteger();
    long seed = System.nanoTime();
    LOG.info("crash run with seed {}, killing the master on port {} (shard {})", seed, killedPort, victimShard);
    List<Future<Void>> clients = IntStream.range(0, CLIENTS)
      .mapToObj(i -> client(new Random(seed + i), wallets, owners, loading, answered, retries)).toList();

    Eventually.await("some transfers before the crash", Duration.ofSeconds(30), () -> answered.size() > 100);
    RedisNodes.kill9(killedPort);
    int answeredAtCrash = answered.size();
    Eventually.await("the cluster to fail over", Duration.ofSeconds(60),
      () -> RedisNodes.masterOfSlot(RedisNodes.slotOf(victimShard.tag())) != killedPort);
    RedisNodes.start(killedPort);
    RedisNodes.awaitHealthy(Duration.ofSeconds(90));
    Eventually.await("transfers after the restart", Duration.ofSeconds(60), () -> answered.size() > answeredAtCrash + 200);
    loading.set(false);
    Await.result(Future.all(clients), 180);
    LOG.info("{} transfers answered, {} retries of unanswered requests", answered.size(), retries.get());

    awaitNoPendingTransfers();
    ledger.awaitDrained(Duration.ofSeconds(90));
    Map<WalletId, Long> expected = expectedBalances(wallets, answered);
    for (WalletId wallet : wallets) {
      Wallet hot = core.wallet(wallet);
      assertThat(hot.available()).as("Redis balance of " + wallet).isEqualTo(expected.get(wallet));
      assertThat(ledger.ledgerBalance(wallet)).as("ledger of " + wallet)
        .containsExactly(hot.available(), hot.held(), hot.seq());
    }
    assertThat(answered.stream().filter(o -> o.code() == OutcomeCode.OK)).isNotEmpty();
    for (Outcome<TransferView> outcome : answered) {
      if (outcome.accepted()) {
        assertThat(ledger.count("SELECT count(*) FROM postings WHERE reference = $1", outcome.value().id().value()))
          .as("postings of " + outcome.value().id()).isPositive();
      }
    }
    assertThat(ledger.redisTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
    assertThat(ledger.ledgerTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
  }

  /** A client that sends transfers while loading, each retried under its one key until it has an answer. */
  private Future<Void> client(Random random, List<WalletId> wallets, Map<WalletId, String> owners,
                              AtomicBoolean loading, ConcurrentLinkedQueue<Outcome<TransferView>> answered,
                              AtomicInteger retries) {
    return Sequential.repeatWhile(() -> loading.get()
      ? oneTransfer(random, wallets, owners, answered, retries).map(true)
      : Future.succeededFuture(false));
  }

  private Future<Void> oneTransfer(Random random, List<WalletId> wallets, Map<WalletId, String> owners,
                                   ConcurrentLinkedQueue<Outcome<TransferView>> answered, AtomicInteger retries) {
    WalletId from = wallets.get(random.nextInt(wallets.size()));
    WalletId to = wallets.get(random.nextInt(wallets.size()));
    Transfer transfer = new Transfer(from, to, new Money(1 + random.nextInt(1_000), USD), owners.get(from),
      key(owners.get(from)));
    return untilAnswered(transfer, retries).map(outcome -> {
      answered.add(outcome);
      return null;
    });
  }

  private Future<Outcome<TransferView>> untilAnswered(Transfer transfer, AtomicInteger retries) {
    return cache.transfer(transfer)
      .compose(outcome -> outcome.code() == OutcomeCode.IDEMPOTENCY_IN_FLIGHT
        ? Future.failedFuture(new BalanceCacheUnavailableException("in flight", null))
        : Future.succeededFuture(outcome))
      .recover(failure -> {
        if (!(failure instanceof BalanceCacheUnavailableException)) {
          return Future.failedFuture(failure);
        }
        retries.incrementAndGet();
        return vertx.timer(200).compose(t -> untilAnswered(transfer, retries));
      });
  }

  /** What each wallet must hold: its start, plus what completed transfers brought, minus what they took. */
  private Map<WalletId, Long> expectedBalances(List<WalletId> wallets,
                                               ConcurrentLinkedQueue<Outcome<TransferView>> answered) {
    Map<WalletId, Long> expected = new HashMap<>();
    wallets.forEach(w -> expected.put(w, START_BALANCE));
    for (Outcome<TransferView> outcome : answered) {
      if (outcome.value() == null || !(outcome.accepted() || outcome.value().status() == TransferStatus.REVERSED)) {
        continue;
      }
      TransferView finalView = Await.result(cache.transfer(outcome.value().id())).orElseThrow();
      if (finalView.status() == TransferStatus.COMPLETED) {
        long amount = finalView.amount().minor();
        expected.merge(finalView.from(), -amount, Long::sum);
        expected.merge(finalView.to(), amount, Long::sum);
      }
    }
    return expected;
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
}
