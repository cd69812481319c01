package dev.wallet.balancecache.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What this region's books hold against another region, as the check between regions reads them. */
@ExtendWith(VertxExtension.class)
class ClearingPositionTest {

  private static final Regions.Region A = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
  private static final Regions.Region B = new Regions.Region("b", 1, URI.create("http://127.0.0.1:2"));
  /** More than one page of the sweeper's reads (200). */
  private static final int AHEAD = 250;

  private RedisBalanceCache cache;
  private Redis redis;

  @BeforeEach
  void start(Vertx vertx) {
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0)
      .withRegions(new Regions(List.of(A, B), Optional.of(A))));
    Await.result(cache.start());
    redis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
  }

  @AfterEach
  void stop() {
    redis.close();
    Await.result(cache.close());
  }

  /**
   * The shard's set of movements to region b is written by hand: ids with no record (finished), then
   * one movement to region b, all due a day from now, so that no sweeper drives them while the test runs.
   */
  @Test
  @DisplayName("a movement to another region is counted pending however many movements of its shard are ahead of it")
  void everyPendingMovementIsCounted() {
    ShardId shard = new ShardId(11);
    long pendingToBBefore = Await.result(cache.clearingPosition()).pending().getOrDefault(B.name(), 0L);
    String pendingSet = Keys.pendingMovementsTo(shard, B.index());
    long due = System.currentTimeMillis() + 86_400_000L;
    List<String> written = new ArrayList<>();
    for (int i = 0; i < AHEAD; i++) {
      String id = shard.name() + "_ahead" + i + "-" + UUID.randomUUID();
      Await.result(redis.send(Request.cmd(Command.ZADD).arg(pendingSet).arg(due + i).arg(id)));
      written.add(id);
    }
    String toB = shard.name() + "_toB-" + UUID.randomUUID();
    String record = Keys.movement(shard, toB);
    Await.result(redis.send(Request.cmd(Command.HSET).arg(record).arg("state").arg("pending")
      .arg("to").arg(WalletId.random(new ShardId(1_011)).value())));
    Await.result(redis.send(Request.cmd(Command.ZADD).arg(pendingSet).arg(due + AHEAD).arg(toB)));
    written.add(toB);
    try {
      assertThat(Await.result(cache.pendingMovements(shard))).containsAll(written);
      assertThat(Await.result(cache.clearingPosition()).pending()).containsEntry(B.name(), pendingToBBefore + 1);
    } finally {
      Request removal = Request.cmd(Command.ZREM).arg(pendingSet);
      written.forEach(removal::arg);
      Await.result(redis.send(removal));
      Await.result(redis.send(Request.cmd(Command.DEL).arg(record)));
    }
  }

  /**
   * As above, with a page's worth of movements ahead of it finishing (leaving the set, oldest first)
   * while the position is read, as a peer's sweepers drain a backlog: the later members move down in
   * rank meanwhile, and a read by rank stepped over the movement to b.
   */
  @Test
  @DisplayName("a movement to another region is counted pending while the movements ahead of it finish")
  void aPendingMovementIsCountedWhileOthersFinish(Vertx vertx) {
    ShardId shard = new ShardId(12);
    long pendingToBBefore = Await.result(cache.clearingPosition()).pending().getOrDefault(B.name(), 0L);
    String pendingSet = Keys.pendingMovementsTo(shard, B.index());
    long due = System.currentTimeMillis() + 86_400_000L;
    String toB = shard.name() + "_toB-" + UUID.randomUUID();
    String record = Keys.movement(shard, toB);
    Await.result(redis.send(Request.cmd(Command.HSET).arg(record).arg("state").arg("pending")
      .arg("to").arg(WalletId.random(new ShardId(1_012)).value())));
    Await.result(redis.send(Request.cmd(Command.ZADD).arg(pendingSet).arg(due + 1_000).arg(toB)));
    try {
      for (int round = 0; round < 20; round++) {
        List<String> ahead = new ArrayList<>();
        Request adding = Request.cmd(Command.ZADD).arg(pendingSet);
        for (int i = 0; i < 205; i++) {
          ahead.add(shard.name() + "_ahead" + i + "-" + UUID.randomUUID());
          adding.arg(due + i).arg(ahead.get(i));
        }
        Await.result(redis.send(adding));
        Future<Void> finishing = finished(vertx, pendingSet, ahead.subList(0, 150));

        long counted = Await.result(cache.clearingPosition()).pending().getOrDefault(B.name(), 0L);
        Await.result(finishing);
        Await.result(finished(vertx, pendingSet, ahead.subList(150, ahead.size())));

        assertThat(counted).as("round " + round).isEqualTo(pendingToBBefore + 1);
      }
    } finally {
      Await.result(redis.send(Request.cmd(Command.ZREM).arg(pendingSet).arg(toB)));
      Await.result(redis.send(Request.cmd(Command.DEL).arg(record)));
    }
  }

  /** Takes {@code ids} out of the pending set in their order, one a millisecond, as their movements finish. */
  private Future<Void> finished(Vertx vertx, String set, List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return redis.send(Request.cmd(Command.ZREM).arg(set).arg(ids.get(0))).compose(removed -> vertx.timer(1))
      .compose(waited -> finished(vertx, set, ids.subList(1, ids.size())));
  }
}
