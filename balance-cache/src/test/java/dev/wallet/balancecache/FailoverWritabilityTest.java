package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardAvailability;
import dev.wallet.balancecache.model.WalletId;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Losing any one Redis process leaves every shard writable within 30 s with no one acting: the
 * spare replica that scripts/infra-up.sh adds is moved by Redis to the master left without one.
 */
@ExtendWith(VertxExtension.class)
class FailoverWritabilityTest {

  private static final Logger LOG = LoggerFactory.getLogger(FailoverWritabilityTest.class);
  private static final Duration WRITABLE_AGAIN_WITHIN = Duration.ofSeconds(30);

  private BalanceCache cache;
  private MoneyCore core;
  private Integer killedPort;
  private Integer frozenPort;

  @BeforeEach
  void start(Vertx vertx) {
    RedisNodes.awaitHealthy(Duration.ofSeconds(90));
    cache = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    core = new MoneyCore(cache);
  }

  @AfterEach
  void stop() {
    if (frozenPort != null) {
      RedisNodes.signal(frozenPort, "CONT");
    }
    if (killedPort != null && !RedisNodes.ping(killedPort)) {
      RedisNodes.start(killedPort);
    }
    RedisNodes.awaitHealthy(Duration.ofSeconds(90));
    Await.result(cache.close());
  }

  @Test
  @DisplayName("with every node up, every shard is writable and every master has a replica online")
  void everyShardWritable() {
    ShardAvailability availability = Await.result(cache.availability(1_000));

    assertThat(availability.unwritable()).isEmpty();
    assertThat(availability.masters()).hasSize(3)
      .allSatisfy(master -> assertThat(master.onlineReplicas()).as(master.endpoint()).isPositive());
    assertThat(availability.masters().stream().mapToInt(ShardAvailability.Master::shards).sum())
      .isEqualTo(cache.shardCount());
  }

  @Test
  @DisplayName("after kill -9 of a master, transfers on its shards succeed again within 30 s without the node coming back")
  void masterLostShardsWritableAgain() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000_000);
    WalletId to = core.openNear(owner(), from);
    killedPort = RedisNodes.masterOfSlot(RedisNodes.slotOf(from.shard().tag()));
    // as infra-up.sh sets them
    RedisNodes.replicasOf(killedPort).forEach(replica -> RedisNodes.setFsync(replica, "everysec"));

    RedisNodes.kill9(killedPort);
    long killedAt = System.nanoTime();
    Eventually.await("a transfer on " + from.shard() + " to succeed", WRITABLE_AGAIN_WITHIN,
      () -> transferSucceeds(from, to, alice));
    long firstTransferAfterMs = (System.nanoTime() - killedAt) / 1_000_000;
    Eventually.await("every shard to be writable", WRITABLE_AGAIN_WITHIN.minusNanos(System.nanoTime() - killedAt),
      () -> Await.result(cache.availability(1_000)).allWritable());
    LOG.info("master on {} killed: a transfer on {} succeeded after {} ms, every shard writable after {} ms", killedPort,
      from.shard(), firstTransferAfterMs, (System.nanoTime() - killedAt) / 1_000_000);

    assertThat(RedisNodes.ping(killedPort)).as("the killed node stays down").isFalse();
    assertThat(core.available(to)).isPositive();
    assertThat(RedisNodes.fsyncOf(RedisNodes.masterOfSlot(RedisNodes.slotOf(from.shard().tag()))))
      .as("the promoted replica, told to fsync every write before the money core wrote there").isEqualTo("always");
  }

  /**
   * A frozen process keeps its connections open and answers nothing: unlike a killed one, nothing
   * fails fast. The master of slot 0 is the first node a slot-table reload asks.
   */
  @Test
  @DisplayName("after a master is frozen (SIGSTOP), connections open, transfers on its shards succeed again within 30 s"
    + " while it stays frozen")
  void masterFrozenShardsWritableAgain() {
    int master = RedisNodes.masterOfSlot(0);
    WalletId from = fundedOn(master);
    String alice = core.wallet(from).ownerId();
    WalletId to = core.openNear(owner(), from);
    assertThat(transferSucceeds(from, to, alice)).isTrue();

    frozenPort = master;
    RedisNodes.signal(frozenPort, "STOP");
    long frozenAt = System.nanoTime();
    Eventually.await("a transfer on " + from.shard() + " to succeed", WRITABLE_AGAIN_WITHIN,
      () -> transferSucceeds(from, to, alice));
    LOG.info("master on {} frozen: a transfer on {} succeeded after {} ms", frozenPort, from.shard(),
      (System.nanoTime() - frozenAt) / 1_000_000);

    assertThat(core.available(to)).isEqualTo(2);
  }

  /** A wallet's shard follows its owner: owners are tried until one's is on {@code master}. */
  private WalletId fundedOn(int master) {
    for (int attempt = 0; attempt < 100; attempt++) {
      WalletId wallet = core.funded(owner(), 1_000);
      if (RedisNodes.masterOf(wallet.shard()) == master) {
        return wallet;
      }
    }
    throw new IllegalStateException("no wallet on the master on " + master + " in 100 owners");
  }

  @Test
  @DisplayName("a master demoted and promoted again while the money core stays connected fsyncs every write before its next"
    + " transfer")
  void masterPromotedAgainFsyncsEveryWrite() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openNear(owner(), from);
    int slot = RedisNodes.slotOf(from.shard().tag());
    int master = RedisNodes.masterOfSlot(slot);
    int replica = RedisNodes.replicasOf(master).get(0);

    promote(replica, slot);
    Eventually.await("a transfer through the promoted replica", WRITABLE_AGAIN_WITHIN,
      () -> transferSucceeds(from, to, alice));
    RedisNodes.setFsync(master, "everysec"); // a replica now, set as infra-up.sh sets replicas
    promote(master, slot);
    Eventually.await("a transfer through the first master again", WRITABLE_AGAIN_WITHIN,
      () -> transferSucceeds(from, to, alice));

    assertThat(RedisNodes.fsyncOf(master)).isEqualTo("always");
    assertThat(core.available(to)).isEqualTo(2);
  }

  /**
   * A manual failover: {@code replica} takes over its master's slots with the master's agreement. A
   * master just demoted is asked again until its new master, which learns of its new replica by
   * gossip, agrees (Redis gives a refused request 5 s).
   */
  private static void promote(int replica, int slot) {
    for (int attempt = 1; RedisNodes.masterOfSlot(slot) != replica; attempt++) {
      assertThat(attempt).as(replica + " promoted within 3 manual failovers").isLessThanOrEqualTo(3);
      assertThat(RedisNodes.cli(replica, "cluster", "failover").trim()).isEqualTo("OK");
      try {
        Eventually.await(replica + " to serve slot " + slot, Duration.ofSeconds(7),
          () -> RedisNodes.masterOfSlot(slot) == replica);
      } catch (AssertionError notYet) {
        LOG.info("{} not promoted yet: {}", replica, notYet.getMessage());
      }
    }
  }

  @Test
  @DisplayName("after kill -9 of a master's only replica, its shards read as unwritable, then writable again without anyone acting")
  void replicaLostShardsReported() {
    int master = RedisNodes.masters().stream().filter(port -> RedisNodes.replicasOf(port).size() == 1).findFirst()
      .orElseThrow();
    String endpoint = "redis://" + TestEnvironment.redisHost() + ":" + master;
    killedPort = RedisNodes.replicasOf(master).get(0);

    RedisNodes.kill9(killedPort);
    long killedAt = System.nanoTime();
    Eventually.await(endpoint + "'s shards to read as unwritable", Duration.ofSeconds(5),
      () -> unwritableShardsAre(endpoint));
    Eventually.await("every shard to be writable", WRITABLE_AGAIN_WITHIN,
      () -> Await.result(cache.availability(1_000)).allWritable());
    LOG.info("replica on {} killed: every shard writable again after {} ms", killedPort,
      (System.nanoTime() - killedAt) / 1_000_000);

    assertThat(RedisNodes.ping(killedPort)).as("the killed node stays down").isFalse();
  }

  private boolean unwritableShardsAre(String endpoint) {
    ShardAvailability availability = Await.result(cache.availability(1_000));
    ShardAvailability.Master master = availability.masters().stream()
      .filter(known -> known.endpoint().equals(endpoint)).findFirst().orElseThrow();
    return master.onlineReplicas() == 0 && availability.unwritable().size() == master.shards();
  }

  private boolean transferSucceeds(WalletId from, WalletId to, String owner) {
    try {
      return Await.result(core.transfer(from, to, 1, owner), 5).code() == OutcomeCode.OK;
    } catch (RuntimeException | AssertionError notYet) {
      return false;
    }
  }
}
