package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two writer instances share the consumer group under load; one dies in the middle of its
 * batches (its process gone: no stop, no acknowledgement, its transactions cut off). A restarted
 * writer takes its entries over (XAUTOCLAIM) and the ledger ends up whole.
 */
@ExtendWith(VertxExtension.class)
class WriterCrashTest {

  private LedgerFixture ledger;
  private BalanceCache cache;
  private Vertx victimProcess;

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    cache = ledger.moneyCore();
  }

  @AfterEach
  void stop() throws Exception {
    if (victimProcess != null) {
      victimProcess.close().await(10, TimeUnit.SECONDS);
    }
    ledger.close();
  }

  @Test
  @DisplayName("a writer killed mid-batch and restarted leaves no duplicate row and no gap, and the lag returns to zero")
  void killedMidBatch(Vertx vertx) {
    TransferLoad load = new TransferLoad(cache, 24, 100_000);
    victimProcess = Vertx.vertx();
    LedgerWriter dying = LedgerWriter.create(victimProcess, LedgerFixture.writerOptions().withBatchSize(50));
    Await.result(dying.start());
    LedgerWriter survivor = ledger.startWriter(LedgerFixture.writerOptions().withBatchSize(50));
    load.start(8, System.nanoTime());

    Eventually.await("the victim to have committed batches under load", Duration.ofSeconds(30),
      () -> dying.metrics().committed() > 0);
    Vertx dead = victimProcess;
    victimProcess = null;
    // killed while the load goes on, so with a batch read and not committed, or committed and not
    // yet published; awaited: until its event loops are gone its timers could still run its loops
    Await.result(dead.close(), 30);
    long committedAtDeath = dying.metrics().committed();
    Eventually.await("more transfers after the death", Duration.ofSeconds(30), () -> load.answered() > 500);
    load.stop();
    load.settle();

    LedgerWriter restarted = LedgerWriter.create(vertx, LedgerFixture.writerOptions());
    Await.result(restarted.start());
    try {
      ledger.awaitDrained(Duration.ofSeconds(90));
      Eventually.await("both writers to report no lag", Duration.ofSeconds(10),
        () -> survivor.lag() == 0 && restarted.lag() == 0);
      assertThat(committedAtDeath).as("entries the victim committed before it died").isPositive();
      ledger.assertAgreesWithRedis(load.wallets(), id -> new MoneyCore(cache).wallet(id));
      assertThat(ledger.redisTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
      assertThat(ledger.ledgerTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
    } finally {
      Await.result(restarted.stop());
    }
  }
}
