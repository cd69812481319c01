package dev.wallet.balancecache.impl;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.RefusedByRegionException;
import dev.wallet.balancecache.RegionLink;
import dev.wallet.balancecache.RegionUnreachableException;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.command.Authorize;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PendingBacklog;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The sweeper's pass over movements pending towards another region that does not decide them. */
@ExtendWith(VertxExtension.class)
class SweepAcrossRegionsTest {

  private static final Regions.Region A = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
  private static final Regions.Region B = new Regions.Region("b", 1, URI.create("http://127.0.0.1:2"));
  private static final Regions.Region C = new Regions.Region("c", 2, URI.create("http://127.0.0.1:3"));

  private RedisBalanceCache cache;
  private MoneyCore core;
  /** The movements region c was asked to credit, in order. */
  private final List<String> asked = Collections.synchronizedList(new ArrayList<>());
  private volatile Mode regionC = Mode.SILENT;
  /** The movements region c was told are finished, in order. */
  private final List<String> told = Collections.synchronizedList(new ArrayList<>());
  /** The movements whose "finished" notice region c refuses every time. */
  private final Set<String> noticesRefused = ConcurrentHashMap.newKeySet();
  /** The receivers whose credits region c refuses themselves, every time, whatever its mode. */
  private final Set<WalletId> receiversRefused = ConcurrentHashMap.newKeySet();
  /** Whether the other notices reach region c (else it gives no answer). */
  private volatile boolean noticesArrive = true;

  /** What region c does when asked to credit; HANGS gives no answer for {@link #HANG_MS}. */
  private enum Mode { SILENT, HANGS, ANSWERS_UNDECIDED, REFUSES, REFUSES_EACH_MESSAGE }

  private static final long HANG_MS = 4_000;

  @BeforeEach
  void start(Vertx vertx) {
    cache = started(vertx, 0);
    core = new MoneyCore(cache);
  }

  /** A money core of region a, its sweeper every {@code sweepIntervalMs} (none for 0), its link to c the test's. */
  private RedisBalanceCache started(Vertx vertx, long sweepIntervalMs) {
    RedisBalanceCache started = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions()
      .withSweep(0, sweepIntervalMs).withRegions(new Regions(List.of(A, B, C), Optional.of(A))));
    Await.result(started.start());
    started.connectRegions(new RegionLink() {
      @Override
      public Future<OutcomeCode> credit(String region, Settlement settlement) {
        asked.add(settlement.movementId());
        if (receiversRefused.contains(settlement.to())) {
          return Future.failedFuture(new RefusedByRegionException("region " + region + " answered 500"));
        }
        return switch (regionC) {
          case SILENT -> Future.failedFuture(new RegionUnreachableException(region, new TimeoutException("no reply")));
          case HANGS -> Future.future(answer -> vertx.setTimer(HANG_MS, late -> answer.fail(
            new RegionUnreachableException(region, new TimeoutException("no reply in " + HANG_MS + " ms")))));
          case ANSWERS_UNDECIDED -> Future.failedFuture("region c answered 503: one of its shards is down");
          case REFUSES -> Future.succeededFuture(OutcomeCode.WALLET_NOT_FOUND);
          case REFUSES_EACH_MESSAGE -> Future.failedFuture(new RefusedByRegionException("region c answered 500"));
        };
      }

      @Override
      public Future<Void> finished(String region, Settlement settlement) {
        told.add(settlement.movementId());
        if (noticesRefused.contains(settlement.movementId())) {
          return Future.failedFuture(new RefusedByRegionException("region " + region + " answered 500"));
        }
        return noticesArrive ? Future.succeededFuture()
          : Future.failedFuture(new RegionUnreachableException(region, new TimeoutException("no reply")));
      }
    });
    return started;
  }

  @AfterEach
  void stop() {
    Await.result(cache.close());
  }

  @Test
  @DisplayName("a region that gives no answer at all is asked about two of a shard's movements a pass (one slow shard "
    + "there must not hide the others), not one a shard of its; one that answers without deciding has only that "
    + "shard skipped")
  void aSilentRegionIsSkippedAfterTwoOfItsShards() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    List<String> pending = pendingToFourShardsOfC(from, alice);
    try {
      asked.clear();
      Await.result(cache.sweepPendingTransfers());
      assertThat(asked).filteredOn(pending::contains).as("region c gave no answer from two shards: then skipped")
        .hasSize(2);

      regionC = Mode.ANSWERS_UNDECIDED;
      asked.clear();
      Await.result(cache.sweepPendingTransfers());
      assertThat(asked).filteredOn(pending::contains).as("region c answered: each of its shards asked")
        .containsExactlyInAnyOrderElementsOf(pending);
    } finally {
      regionC = Mode.REFUSES;
      Await.result(cache.sweepPendingTransfers());
    }
    assertThat(Await.result(cache.pendingMovements(from.shard()))).as("refused there, reversed here")
      .doesNotContainAnyElementsOf(pending);
    assertThat(core.available(from)).isEqualTo(1_000);
  }

  @Test
  @DisplayName("a shard of another region that refuses every receiver's movement itself (a 500 to each) is asked about "
    + "three receivers' a pass, not each movement; the movements of one receiver refused every time hold back no other")
  void aShardRefusingEveryMovementIsLeftAfterThreeReceivers() {
    String alice = owner();
    WalletId from = core.funded(alice, 2_000);
    regionC = Mode.REFUSES_EACH_MESSAGE;
    List<String> toMany = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      toMany.add(sendTo(from, WalletId.random(new ShardId(2_001)), alice));
    }
    WalletId broken = WalletId.random(new ShardId(2_002));
    receiversRefused.add(broken);
    List<String> toBroken = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      toBroken.add(sendTo(from, broken, alice));
    }
    String toAnother = sendTo(from, WalletId.random(new ShardId(2_002)), alice);
    try {
      Eventually.await("each transfer's own delivery to be tried", Duration.ofSeconds(10),
        () -> asked.containsAll(toMany) && asked.containsAll(toBroken) && asked.contains(toAnother));
      asked.clear();
      Await.result(cache.sweepPendingTransfers());
      assertThat(asked).filteredOn(toMany::contains).as("three receivers refused in a row, then the shard left")
        .hasSize(CrossShardSaga.REFUSED_IN_A_ROW);

      regionC = Mode.REFUSES;
      asked.clear();
      Await.result(cache.sweepPendingTransfers());
      assertThat(asked).as("one receiver's four refused, the next receiver's asked all the same")
        .containsAll(toBroken).contains(toAnother);
      assertThat(Await.result(cache.pendingMovements(from.shard()))).doesNotContain(toAnother)
        .containsAll(toBroken);
    } finally {
      receiversRefused.clear();
      regionC = Mode.REFUSES;
      Await.result(cache.sweepPendingTransfers());
    }
    assertThat(Await.result(cache.pendingMovements(from.shard()))).as("refused there, reversed here")
      .doesNotContainAnyElementsOf(toMany).doesNotContainAnyElementsOf(toBroken);
    assertThat(core.available(from)).isEqualTo(2_000);
  }

  private String sendTo(WalletId from, WalletId to, String owner) {
    return Await.result(core.transfer(from, to, 100, owner)).value().id().value();
  }

  /** Until 2026-12-07 a shard's backlog was one figure: a peer region's outage looked like this region's sagas stuck. */
  @Test
  @DisplayName("a shard's backlog counts its movements to each other region apart from those of this region")
  void theBacklogTellsRegionsApart() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    PendingBacklog before = backlogOf(from.shard());
    List<String> pending = pendingToFourShardsOfC(from, alice);
    PendingBacklog during = backlogOf(from.shard());
    regionC = Mode.REFUSES;
    Await.result(cache.sweepPendingTransfers());

    assertThat(during.toRegions()).as("every other region, none for this one").containsOnlyKeys("b", "c");
    assertThat(during.toRegions().get("c").count()).isEqualTo(before.toRegions().get("c").count() + pending.size());
    assertThat(during.toRegions().get("c").oldestCreatedAtMs()).isPositive();
    assertThat(during.inRegion().count()).isEqualTo(before.inRegion().count());
    assertThat(Await.result(cache.pendingMovements(from.shard()))).as("refused there, reversed here")
      .doesNotContainAnyElementsOf(pending);
  }

  /**
   * A pass over a shard's movements to a region that hangs lasts two of its timeouts (two shards
   * there must give no answer before the pass skips the region).
   */
  @Test
  @DisplayName("an authorization expires on time while the sweeper's pass over movements to a hung region lasts seconds")
  void authorizationsExpireWhileARegionHangs(Vertx vertx) {
    String alice = owner();
    WalletId from = core.funded(alice, 10_000);
    WalletId merchant = core.openMerchant(owner(), Optional.of(from));
    List<String> pending = pendingToFourShardsOfC(from, alice);
    whileRegionCHangsOn(pending, vertx, () -> {
      Await.result(cache.authorize(new Authorize(from, merchant, new Money(1_000, MoneyCore.USD), alice, "", 1_500,
        MoneyCore.key(alice), List.of())));
      assertThat(core.wallet(from).held()).isEqualTo(1_000);

      Eventually.await("the authorization released at its expiry, the pass over region c still under way",
        Duration.ofMillis(1_500 + 2_500), () -> core.wallet(from).held() == 0);
    });
    assertThat(core.available(from)).isEqualTo(10_000);
  }

  /**
   * Until 2026-12-07 a shard's movements to other regions were listed with its own, oldest first:
   * one of this region left pending behind those to a hung region waited two of its timeouts, and
   * behind 5,000 of them (the depth of a pass) until that region answered again.
   */
  @Test
  @DisplayName("a movement between two shards of this region is driven while the pass over movements to a hung region "
    + "lasts seconds")
  void movementsInThisRegionDoNotWaitForAHungOne(Vertx vertx) {
    String alice = owner();
    WalletId from = core.funded(alice, 10_000);
    WalletId bob = core.openElsewhere(owner(), from);
    List<String> pending = pendingToFourShardsOfC(from, alice);
    String local = MoneyCore.pendingAfterDebit(cache, from, bob, 700, alice).value();
    whileRegionCHangsOn(pending, vertx, () -> {
      Eventually.await("the movement in this region driven to its end, the pass over region c still under way",
        Duration.ofMillis(2_500), () -> !Await.result(cache.pendingMovements(from.shard())).contains(local));
      assertThat(core.available(bob)).isEqualTo(700);
      assertThat(Await.result(cache.pendingMovements(from.shard()))).containsAll(pending);
    });
    assertThat(core.available(from)).isEqualTo(10_000 - 700);
  }

  /** An edge older than the sets by region listed a movement to another region in the set of this region's. */
  @Test
  @DisplayName("a movement to another region listed with this region's, as before each region had a set, leaves it when "
    + "it is finished")
  void aMovementListedBeforeSetsByRegionIsDrivenAndLeavesIt(Vertx vertx) {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    String toC = pendingToFourShardsOfC(from, alice).get(0);
    ShardId shard = from.shard();
    String listedBefore = Keys.pendingMovements(shard);
    String ofC = Keys.pendingMovementsTo(shard, C.index());
    Redis redis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
    try {
      Response debited = Await.result(redis.send(Request.cmd(Command.ZSCORE).arg(ofC).arg(toC)));
      assertThat(debited).as("listed in region c's set").isNotNull();
      Await.result(redis.send(Request.cmd(Command.ZREM).arg(ofC).arg(toC)));
      Await.result(redis.send(Request.cmd(Command.ZADD).arg(listedBefore).arg(debited.toString()).arg(toC)));
    } finally {
      redis.close();
    }

    regionC = Mode.REFUSES;
    Await.result(cache.sweepPendingTransfers());

    assertThat(Await.result(cache.pendingMovements(shard))).as("refused there, reversed here, in no set")
      .doesNotContain(toC);
    assertThat(core.available(from)).isEqualTo(1_000);
  }

  /**
   * Until 2026-12-07 any notice that failed kept its region from the rest of the pass: one the region
   * refused every time, read first, kept every later notice to that region owed for good (and their
   * decision markers there forever).
   */
  @Test
  @DisplayName("a \"finished\" notice the other region refuses every time stays owed alone: the notices after it "
    + "are sent, and the failure is counted")
  void aNoticeRefusedEveryTimeDoesNotHoldBackTheOthers(Vertx vertx) {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    regionC = Mode.REFUSES;
    noticesArrive = false;
    String refused = reversedTo(from, 2_001, alice);
    noticesRefused.add(refused);
    String behind = reversedTo(from, 2_002, alice);
    Redis redis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
    try {
      assertThat(owes(redis, from.shard(), refused) && owes(redis, from.shard(), behind)).as("both owed").isTrue();
      noticesArrive = true;
      long failuresBefore = cache.sagaCounts().sweepFailures();

      Await.result(cache.saga().deliverOwedNotices(from.shard()));

      assertThat(owes(redis, from.shard(), behind)).as("the notice behind the refused one, sent").isFalse();
      assertThat(owes(redis, from.shard(), refused)).as("the refused one, still owed").isTrue();
      assertThat(cache.sagaCounts().sweepFailures()).isGreaterThan(failuresBefore);
    } finally {
      noticesRefused.clear();
      Await.result(cache.saga().deliverOwedNotices(from.shard()));
      redis.close();
    }
    assertThat(core.available(from)).isEqualTo(1_000);
  }

  /** A transfer to a wallet of region c's shard {@code shard}, which region c refuses: reversed here. */
  private String reversedTo(WalletId from, int shard, String owner) {
    String id = Await.result(core.transfer(from, WalletId.random(new ShardId(shard)), 100, owner)).value().id()
      .value();
    Eventually.await("transfer " + id + " reversed, and region c told", Duration.ofSeconds(10),
      () -> told.contains(id));
    return id;
  }

  private static boolean owes(Redis redis, ShardId shard, String movement) {
    return Await.result(redis.send(Request.cmd(Command.HEXISTS).arg(Keys.owedNotices(shard)).arg(movement)))
      .toBoolean();
  }

  /**
   * Runs {@code meanwhile} once a sweeper (every 100 ms) has asked region c, which hangs, about one of
   * {@code pending}; then region c refuses them, and they are reversed.
   */
  private void whileRegionCHangsOn(List<String> pending, Vertx vertx, Runnable meanwhile) {
    regionC = Mode.HANGS;
    asked.clear();
    RedisBalanceCache sweeping = started(vertx, 100);
    try {
      Eventually.await("the sweeper to ask the hung region", Duration.ofSeconds(10),
        () -> asked.stream().anyMatch(pending::contains));
      meanwhile.run();
    } finally {
      Await.result(sweeping.close());
      regionC = Mode.REFUSES;
      Await.result(cache.sweepPendingTransfers());
    }
  }

  private PendingBacklog backlogOf(ShardId shard) {
    return Await.result(cache.pendingBacklogs()).stream().filter(backlog -> backlog.shard().equals(shard))
      .findFirst().orElseThrow();
  }

  /** Four transfers to wallets on four shards of region c, each left pending once its own delivery failed. */
  private List<String> pendingToFourShardsOfC(WalletId from, String owner) {
    List<String> pending = new ArrayList<>();
    for (int shard = 2_001; shard <= 2_004; shard++) {
      pending.add(Await.result(core.transfer(from, WalletId.random(new ShardId(shard)), 100, owner)).value().id()
        .value());
    }
    Eventually.await("each transfer's own delivery to be tried", Duration.ofSeconds(10),
      () -> asked.containsAll(pending));
    assertThat(Await.result(cache.pendingMovements(from.shard()))).containsAll(pending);
    assertThat(pending).as("listed in a set the reconciler reads").allSatisfy(id -> assertThat(
      Await.result(cache.hotTier().movementAtSource(id))).isEqualTo(HotTierAccess.MovementAtSource.DRIVEN));
    return pending;
  }
}
