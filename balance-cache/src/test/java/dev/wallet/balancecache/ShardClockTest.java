package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PendingBacklog;
import dev.wallet.balancecache.model.TransferView;
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
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A shard's movements are stamped in the order they happened, whatever master runs the shard. The
 * ledger takes an account's last balance as that of its newest entry by timestamp (reconciliation's
 * totals, the predecessor its sequence check reads), so an entry stamped earlier than the one before
 * it would be read as older, and the ledger reported as leaking money it does not leak. Masters on
 * different machines disagree about the time by their clocks' skew; after a failover or a slot
 * migration, the next master may be behind. The shard keeps its own clock ({s}:clock), replicated
 * and moved with the shard's other keys, which this test sets ahead as a master whose clock ran ahead
 * would have left it.
 */
@ExtendWith(VertxExtension.class)
class ShardClockTest {

  /**
   * How far ahead the shard's clock is set: little, since the test then waits for the real clock to
   * catch up (setting it back would date the shard's next movements back, what this test is about),
   * so that no later test sees movements of that shared shard dated ahead of its own clock.
   */
  private static final Duration AHEAD = Duration.ofSeconds(1);

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
    Await.result(cache.close());
  }

  @Test
  @DisplayName("a master whose clock is behind the shard's last timestamp stamps its movements no earlier than it")
  void timestampsNeverGoBack() {
    String payer = owner();
    WalletId from = core.funded(payer, 10_000);
    WalletId to = core.openNear(owner(), from);
    Instant shardClock = Instant.ofEpochMilli(Instant.now().plus(AHEAD).toEpochMilli());
    setShardClock(from, Long.toString(shardClock.toEpochMilli()));

    TransferView first = completed(core.transfer(from, to, 100, payer));
    TransferView second = completed(core.transfer(from, to, 200, payer));

    assertThat(first.createdAt()).as("the movement after the clock ran ahead").isAfterOrEqualTo(shardClock);
    assertThat(second.createdAt()).as("the movement after that").isAfterOrEqualTo(first.createdAt());
    Eventually.await("this machine's clock to catch up with the shard's", Duration.ofSeconds(30),
      () -> shardClock(from) < Instant.now().toEpochMilli());
  }

  @Test
  @DisplayName("a clock behind the master's gives the master's time")
  void aClockBehindGivesTheMastersTime() {
    String payer = owner();
    WalletId from = core.funded(payer, 10_000);
    WalletId to = core.openNear(owner(), from);
    Eventually.await("the shard's clock to be behind this machine's (another test may have set it ahead)",
      Duration.ofSeconds(30), () -> shardClock(from) < Instant.now().toEpochMilli());
    setShardClock(from, "42");  // far behind, as no clock of a live shard is
    Instant before = Instant.ofEpochMilli(Instant.now().toEpochMilli());

    TransferView moved = completed(core.transfer(from, to, 100, payer));

    assertThat(moved.createdAt()).isAfterOrEqualTo(before).isBefore(Instant.now().plusSeconds(1));
    assertThat(shardClock(from)).as("the clock the marker holds now").isEqualTo(moved.createdAt().toEpochMilli());
  }

  @Test
  @DisplayName("how far a shard's clock is ahead of its master's is read with its pending backlog, for the alert")
  void aClockAheadIsReported() {
    WalletId wallet = core.open(owner());
    long before = shardClock(wallet);
    setShardClock(wallet, Long.toString(Instant.now().plus(Duration.ofMinutes(1)).toEpochMilli()));
    PendingBacklog read;
    try {
      read = Await.result(cache.pendingBacklogs()).stream().filter(backlog -> backlog.shard().equals(wallet.shard()))
        .findFirst().orElseThrow();
    } finally {
      // nothing moved on the shard meanwhile, so its clock goes back to where it was, not behind any movement
      setShardClock(wallet, Long.toString(before));
    }

    assertThat(read.clockAheadMs()).isBetween(Duration.ofSeconds(50).toMillis(), Duration.ofSeconds(61).toMillis());
    assertThat(Await.result(cache.pendingBacklogs())).as("every other shard, and this one again")
      .allSatisfy(backlog -> assertThat(backlog.clockAheadMs()).isLessThan(Duration.ofSeconds(1).toMillis()));
  }

  private static TransferView completed(Future<Outcome<TransferView>> transfer) {
    Outcome<TransferView> outcome = Await.result(transfer);
    assertThat(outcome.code()).isEqualTo(OutcomeCode.OK);
    return outcome.value();
  }

  private static void setShardClock(WalletId wallet, String value) {
    assertThat(RedisNodes.cli(masterOf(wallet), "SET", marker(wallet), value).trim()).isEqualTo("OK");
  }

  private static long shardClock(WalletId wallet) {
    return Long.parseLong(RedisNodes.cli(masterOf(wallet), "GET", marker(wallet)).trim());
  }

  private static String marker(WalletId wallet) {
    return wallet.shard().tag() + ":clock";
  }

  private static int masterOf(WalletId wallet) {
    return RedisNodes.masterOfSlot(RedisNodes.slotOf(wallet.shard().tag()));
  }
}
