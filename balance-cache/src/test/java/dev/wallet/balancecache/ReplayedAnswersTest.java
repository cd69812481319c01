package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 9, item 5: an answer replayed from a recorded outcome writes nothing of its own, so its
 * replication wait must still cover the original write. While the shard's only replica is stopped
 * (SIGSTOP, for less than the cluster's node timeout, so no failover or migration starts), neither
 * the first attempt nor its replay may be acknowledged; once the replica has caught up, the replay is.
 */
@ExtendWith(VertxExtension.class)
class ReplayedAnswersTest {

  private BalanceCache cache;
  private MoneyCore core;

  @BeforeEach
  void start(Vertx vertx) {
    RedisNodes.awaitHealthy(Duration.ofSeconds(90));
    cache = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    core = new MoneyCore(cache);
  }

  @AfterEach
  void stop() {
    RedisNodes.awaitHealthy(Duration.ofSeconds(90));
    Await.result(cache.close());
  }

  @Test
  @DisplayName("a replayed status change is not acknowledged until a replica holds the original write")
  void replayWaitsForTheOriginalWrite() {
    WalletId wallet = walletOnAMasterWithOneReplica();
    int replica = RedisNodes.replicasOf(RedisNodes.masterOfSlot(RedisNodes.slotOf(wallet.shard().tag()))).get(0);

    boolean firstAcknowledged;
    boolean replayAcknowledged;
    RedisNodes.signal(replica, "STOP");
    try {
      firstAcknowledged = acknowledged(wallet);
      replayAcknowledged = acknowledged(wallet);
    } finally {
      RedisNodes.signal(replica, "CONT");
    }

    assertThat(firstAcknowledged).as("the freeze, while no replica can hold it").isFalse();
    assertThat(replayAcknowledged).as("its replay, while no replica can hold the freeze").isFalse();
    Eventually.await("the replay to be acknowledged once the replica caught up", Duration.ofSeconds(30),
      () -> acknowledged(wallet));
  }

  /**
   * A saga's debit whose WAIT failed is pending on the source's master alone: a failover to a replica
   * that never had it takes it back, and the client's retry under its key then debits again. Until
   * 2026-12-07 the sweeper credited the destination (another master, whose replica held the credit)
   * from such a debit, and the destination could be credited twice for one debit.
   */
  @Test
  @DisplayName("the sweeper does not credit a movement whose debit no replica holds yet; once one does, it credits it")
  void theSweeperWaitsForTheDebitsReplica(Vertx vertx) {
    BalanceCache sweeping = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0));
    Await.result(sweeping.start());
    try {
      WalletId source = walletOnAMasterWithOneReplica();
      String payer = Await.result(cache.wallet(source)).orElseThrow().ownerId();
      core.fund(source, 1_000);
      WalletId destination = core.openOnAnotherMaster(owner(), source);
      int replica = RedisNodes.replicasOf(RedisNodes.masterOfSlot(RedisNodes.slotOf(source.shard().tag()))).get(0);

      boolean transferAcknowledged;
      RedisNodes.signal(replica, "STOP");
      try {
        transferAcknowledged = Await.result(core.transfer(source, destination, 300, payer)
          .map(outcome -> outcome.code() == OutcomeCode.OK).otherwise(false), 10);
        Await.result(sweeping.sweepPendingTransfers().otherwise(0), 10);
        assertThat(core.available(destination)).as("credited from a debit no replica holds").isZero();
      } finally {
        RedisNodes.signal(replica, "CONT");
      }

      assertThat(transferAcknowledged).as("the transfer, while no replica can hold its debit").isFalse();
      Eventually.await("the destination credited once the replica holds the debit", Duration.ofSeconds(30), () -> {
        Await.result(sweeping.sweepPendingTransfers().otherwise(0), 10);
        return core.available(destination) == 300;
      });
      assertThat(core.available(source)).isEqualTo(700);
    } finally {
      Await.result(sweeping.close());
    }
  }

  private boolean acknowledged(WalletId wallet) {
    try {
      Outcome<WalletStatus> outcome = Await.result(cache.setStatus(wallet, WalletStatus.FROZEN, "test"), 10);
      return outcome.code() == OutcomeCode.OK;
    } catch (RuntimeException | AssertionError unavailable) {
      return false;
    }
  }

  private WalletId walletOnAMasterWithOneReplica() {
    for (int attempt = 0; attempt < 200; attempt++) {
      WalletId wallet = core.open(owner());
      int master = RedisNodes.masterOfSlot(RedisNodes.slotOf(wallet.shard().tag()));
      if (RedisNodes.replicasOf(master).size() == 1) {
        return wallet;
      }
    }
    throw new IllegalStateException("no master with exactly one replica");
  }
}
