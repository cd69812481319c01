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
