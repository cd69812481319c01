package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxDoorbell;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class OutboxDoorbellTest {

  private BalanceCache cache;
  private MoneyCore core;
  private OutboxDoorbell doorbell;
  private final List<Integer> rung = new CopyOnWriteArrayList<>();
  private Integer killedPort;

  @BeforeEach
  void start(Vertx vertx) {
    cache = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    core = new MoneyCore(cache);
  }

  @AfterEach
  void stop() {
    if (doorbell != null) {
      doorbell.close();
    }
    if (killedPort != null && !RedisNodes.ping(killedPort)) {
      RedisNodes.start(killedPort);
    }
    RedisNodes.awaitHealthy(Duration.ofSeconds(90));
    Await.result(cache.close());
  }

  @Test
  @DisplayName("a new outbox entry rings the doorbell for its shard")
  void ringsForTheShardWritten(Vertx vertx) {
    doorbell = listening(vertx);
    awaitRingForADeposit();
  }

  @Test
  @DisplayName("a node without stream notifications gets them turned on, and rings")
  void turnsNotificationsOn(Vertx vertx) {
    forEachNode(vertx, () -> Request.cmd(Command.CONFIG).arg("SET").arg("notify-keyspace-events").arg(""));
    doorbell = listening(vertx);
    for (String node : TestEnvironment.redisNodes()) {
      String flags = configValue(Await.result(Redis.createClient(vertx, node)
        .send(Request.cmd(Command.CONFIG).arg("GET").arg("notify-keyspace-events"))));
      assertThat(flags).as(node).contains("K").contains("t");
    }
    awaitRing(core.open(owner()));
  }

  @Test
  @DisplayName("after its subscriptions are killed it subscribes again, rings every shard once, and rings for new entries")
  void resubscribes(Vertx vertx) {
    doorbell = listening(vertx);
    rung.clear();
    forEachNode(vertx, () -> Request.cmd(Command.CLIENT).arg("KILL").arg("TYPE").arg("pubsub"));
    Eventually.await("every shard rung after the subscriptions came back", Duration.ofSeconds(10),
      () -> rung.containsAll(List.of(0, 31, 63)) && doorbell.ringing());
    awaitRingForADeposit();
  }

  @Test
  @DisplayName("with nothing written, every shard is still rung within 10 s: the readers' last resort, so that none "
    + "needs a timer of its own")
  void ringsEveryShardAsALastResort(Vertx vertx) {
    doorbell = listening(vertx);
    rung.clear();
    List<Integer> everyShard = cache.shards().numbers().boxed().toList();
    Eventually.await("every shard rung with nothing written", Duration.ofSeconds(15),
      () -> rung.containsAll(everyShard));
  }

  @Test
  @DisplayName("only the masters are subscribed to: a replica, which raises a notification for every entry its master "
    + "writes, rings nobody")
  void mastersOnly(Vertx vertx) {
    doorbell = listening(vertx);

    assertThat(doorbell.subscribedNodes()).isEqualTo(RedisNodes.masters().size());
    for (int master : RedisNodes.masters()) {
      assertThat(patternSubscriptions(master)).as("pattern subscriptions on master " + master).isPositive();
      for (int replica : RedisNodes.replicasOf(master)) {
        // a doorbell closed by an earlier test may still be going away
        Eventually.await("no pattern subscription on replica " + replica, Duration.ofSeconds(5),
          () -> patternSubscriptions(replica) == 0);
      }
    }
    awaitRingForADeposit();
  }

  @Test
  @DisplayName("after kill -9 of a master, the replica promoted in its place is subscribed to and rings for new entries")
  void followsAPromotion(Vertx vertx) {
    WalletId wallet = core.open(owner());
    doorbell = listening(vertx);
    killedPort = RedisNodes.masterOfSlot(RedisNodes.slotOf(wallet.shard().tag()));
    int masters = RedisNodes.masters().size();

    RedisNodes.kill9(killedPort);
    Eventually.await("a replica promoted in place of " + killedPort, Duration.ofSeconds(30),
      () -> RedisNodes.masterOfSlot(RedisNodes.slotOf(wallet.shard().tag())) != killedPort);
    Eventually.await("the promoted replica subscribed to", Duration.ofSeconds(10),
      () -> doorbell.subscribedNodes() == masters);
    rung.clear();
    Eventually.await("a deposit on " + wallet.shard() + " after the failover", Duration.ofSeconds(30),
      () -> funded(wallet));
    awaitRing(wallet);
  }

  /** The nodes given are seeds, as WALLET_REDIS_NODES says: a master added since is left out of them the same way. */
  @Test
  @DisplayName("a master left out of the nodes given is found in the cluster, subscribed to, and rings for its shards")
  void followsAMasterNotGiven(Vertx vertx) {
    WalletId wallet = core.open(owner());
    int master = RedisNodes.masterOf(wallet.shard());
    List<Integer> leftOut = new java.util.ArrayList<>(RedisNodes.replicasOf(master));
    leftOut.add(master);
    List<String> given = TestEnvironment.redisNodes().stream()
      .filter(node -> leftOut.stream().noneMatch(port -> node.endsWith(":" + port))).toList();
    assertThat(given).hasSize(TestEnvironment.redisNodes().size() - leftOut.size());

    doorbell = OutboxDoorbell.start(vertx, given, cache.shards(), rung::add);
    Eventually.await("every master subscribed to, and every node followed", Duration.ofSeconds(10),
      () -> doorbell.subscribedNodes() == RedisNodes.masters().size() && doorbell.ringing());
    rung.clear();
    core.fund(wallet, 1);
    awaitRing(wallet);
  }

  /** A deposit into a new wallet, after which its shard is rung. */
  private void awaitRingForADeposit() {
    WalletId wallet = core.open(owner());
    rung.clear();
    core.fund(wallet, 1);
    awaitRing(wallet);
  }

  private void awaitRing(WalletId wallet) {
    Eventually.await("a ring for shard " + wallet.shard(), Duration.ofSeconds(5),
      () -> rung.contains(wallet.shard().number()));
  }

  private boolean funded(WalletId wallet) {
    try {
      core.fund(wallet, 1);
      return true;
    } catch (RuntimeException | AssertionError notYet) {
      return false;
    }
  }

  /** PUBSUB NUMPAT: how many pattern subscriptions the node has, whoever made them. */
  private static long patternSubscriptions(int port) {
    return Long.parseLong(RedisNodes.cli(port, "PUBSUB", "NUMPAT").trim());
  }

  private OutboxDoorbell listening(Vertx vertx) {
    OutboxDoorbell started = OutboxDoorbell.start(vertx, TestEnvironment.redisNodes(), cache.shards(), rung::add);
    Eventually.await("every node subscribed", Duration.ofSeconds(10), started::ringing);
    return started;
  }

  private static void forEachNode(Vertx vertx, java.util.function.Supplier<Request> request) {
    for (String node : TestEnvironment.redisNodes()) {
      Redis redis = Redis.createClient(vertx, node);
      Await.result(redis.send(request.get()));
      redis.close();
    }
  }

  private static String configValue(Response reply) {
    return reply.isMap() ? reply.get("notify-keyspace-events").toString() : reply.get(1).toString();
  }
}
