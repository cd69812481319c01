package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** PostgreSQL goes away for 30 s under load: the money core keeps going, the ledger falls behind, then catches up. */
@ExtendWith(VertxExtension.class)
class PostgresOutageTest {

  private static final Logger LOG = LoggerFactory.getLogger(PostgresOutageTest.class);
  private static final Duration OUTAGE = Duration.ofSeconds(30);

  private LedgerFixture ledger;
  private BalanceCache cache;

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    cache = ledger.moneyCore();
  }

  @AfterEach
  void stop() {
    if (!PostgresServer.running()) {
      PostgresServer.start();
    }
    ledger.close();
  }

  @Test
  @DisplayName("PostgreSQL stopped for 30 s during load, then started: the lag grows and shows, nothing is lost, everything catches up")
  void catchesUpAfterOutage(Vertx vertx) {
    TransferLoad load = new TransferLoad(cache, 20, 100_000);
    LedgerWriter writer = ledger.startWriter();
    load.start(6, System.nanoTime());
    Eventually.await("the writer to keep up before the outage", Duration.ofSeconds(30),
      () -> writer.metrics().committed() > 100);

    AtomicLong maxLag = new AtomicLong();
    AtomicReference<LedgerWriterMetrics> duringOutage = new AtomicReference<>();
    long sampler = vertx.setPeriodic(200, tick -> maxLag.accumulateAndGet(writer.lag(), Math::max));
    try {
      PostgresServer.stop();
      long answeredAtStop = load.answered();
      long stoppedAt = System.nanoTime();
      Eventually.await("the outage to last " + OUTAGE.toSeconds() + " s", OUTAGE.plusSeconds(10), () -> {
        duringOutage.set(writer.metrics());
        return System.nanoTime() - stoppedAt >= OUTAGE.toNanos();
      });
      assertThat(load.answered()).as("transfers answered while PostgreSQL was down").isGreaterThan(answeredAtStop);
    } finally {
      PostgresServer.start();
    }
    Eventually.await("transfers after the restart", Duration.ofSeconds(30), () -> writer.metrics().failingShards()
      .isEmpty() && writer.metrics().lastCommitAtMs() > System.currentTimeMillis() - 5_000);
    load.stop();
    load.settle();
    ledger.awaitDrained(Duration.ofSeconds(120));
    Eventually.await("the lag metric to return to zero", Duration.ofSeconds(10), () -> writer.lag() == 0);
    vertx.cancelTimer(sampler);
    LOG.info("lag peaked at {} outbox entries; during the outage: {}", maxLag.get(), duringOutage.get());

    assertThat(maxLag.get()).as("the lag grew while PostgreSQL was down").isPositive();
    assertThat(duringOutage.get().failingShards()).as("the metrics showed failing shards").isNotEmpty();
    assertThat(duringOutage.get().lag()).as("the lag metric during the outage").isPositive();
    ledger.assertAgreesWithRedis(load.wallets(), id -> new MoneyCore(cache).wallet(id));
    assertThat(ledger.ledgerTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
  }
}
