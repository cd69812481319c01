package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import io.lettuce.core.models.stream.PendingMessages;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
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
    String victim = "test-victim-" + System.nanoTime();
    victimProcess = Vertx.vertx();
    LedgerWriter dying = LedgerWriter.create(victimProcess, LedgerFixture.writerOptions().withConsumerName(victim)
      .withBatchSize(50));
    Await.result(dying.start());
    LedgerWriter survivor = ledger.startWriter(LedgerFixture.writerOptions().withBatchSize(50));
    load.start(8, System.nanoTime());

    Set<String> streams = streamsOf(load);
    Eventually.await("the victim to hold unacknowledged entries", Duration.ofSeconds(30),
      () -> pendingOf(streams, victim) > 0);
    Vertx dead = victimProcess;
    victimProcess = null;
    // awaited: until its event loops are gone its timers could still run the dead writer's loops,
    // which would take new entries from the group and hold them as a zombie consumer
    Await.result(dead.close(), 30);
    long heldAtDeath = pendingOf(streams, victim);
    Eventually.await("more transfers after the death", Duration.ofSeconds(30), () -> load.answered() > 500);
    load.stop();
    load.settle();

    LedgerWriter restarted = LedgerWriter.create(vertx, LedgerFixture.writerOptions().withClaimIdleMs(1_000));
    Await.result(restarted.start());
    try {
      ledger.awaitDrained(Duration.ofSeconds(90));
      Eventually.await("both writers to report no lag", Duration.ofSeconds(10),
        () -> survivor.lag() == 0 && restarted.lag() == 0);
      assertThat(heldAtDeath).as("entries the victim read and never acknowledged").isPositive();
      assertThat(pendingOf(streams, victim)).as("entries still held by the dead writer").isZero();
      ledger.assertAgreesWithRedis(load.wallets(), id -> new MoneyCore(cache).wallet(id));
      assertThat(ledger.redisTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
      assertThat(ledger.ledgerTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
    } finally {
      Await.result(restarted.stop());
    }
  }

  private static Set<String> streamsOf(TransferLoad load) {
    Set<String> streams = new TreeSet<>();
    for (WalletId wallet : load.wallets()) {
      streams.add(OutboxStreams.key(wallet.shard()));
    }
    return streams;
  }

  private long pendingOf(Set<String> streams, String consumer) {
    long held = 0;
    for (String stream : streams) {
      PendingMessages pending = ledger.redis().xpending(stream, OutboxStreams.LEDGER_GROUP);
      held += pending.getConsumerMessageCount().getOrDefault(consumer, 0L);
    }
    return held;
  }
}
