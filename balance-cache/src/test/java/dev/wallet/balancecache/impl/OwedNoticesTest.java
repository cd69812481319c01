package dev.wallet.balancecache.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.RegionLink;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The "finished" notices a shard owes other regions (docs/architecture.md, "Regions"). */
@ExtendWith(VertxExtension.class)
class OwedNoticesTest {

  private static final Regions.Region A = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
  private static final Regions.Region B = new Regions.Region("b", 1, URI.create("http://127.0.0.1:2"));
  private static final Regions.Region C = new Regions.Region("c", 2, URI.create("http://127.0.0.1:3"));

  private RedisBalanceCache cache;
  private Redis redis;
  private final List<String> asked = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void start(Vertx vertx) {
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0)
      .withRegions(new Regions(List.of(A, B, C), Optional.of(A))));
    Await.result(cache.start());
    redis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
    cache.connectRegions(new RegionLink() {
      @Override
      public Future<OutcomeCode> credit(String region, Settlement settlement) {
        return Future.failedFuture("not in this test");
      }

      @Override
      public Future<Void> finished(String region, Settlement settlement) {
        asked.add(region);
        return region.equals(B.name()) ? Future.failedFuture("region b is unreachable") : Future.succeededFuture();
      }
    });
  }

  @AfterEach
  void stop() {
    redis.close();
    Await.result(cache.close());
  }

  @Test
  @DisplayName("a region that fails a notice is not asked the shard's others in the same pass, and the notices owed "
    + "to another region are delivered meanwhile")
  void anUnreachableRegionIsAskedOnceAPass() {
    ShardId shard = new ShardId(7);
    String owed = Keys.owedNotices(shard);
    for (int i = 0; i < 5; i++) {
      owe(owed, "toB" + i + "-" + System.nanoTime(), new ShardId(1_007));
    }
    String toC = "toC-" + System.nanoTime();
    owe(owed, toC, new ShardId(2_007));

    int told = Await.result(cache.saga().deliverOwedNotices(shard));

    assertThat(told).as("region c's notice").isEqualTo(1);
    assertThat(asked).filteredOn(B.name()::equals).as("region b, unreachable").hasSize(1);
    assertThat(Await.result(redis.send(Request.cmd(Command.HLEN).arg(owed))).toLong())
      .as("region b's notices still owed").isEqualTo(5);
    Await.result(redis.send(Request.cmd(Command.DEL).arg(owed)));
  }

  private void owe(String owed, String movement, ShardId destination) {
    String notice = new JsonObject().put("id", movement).put("kind", "transfer")
      .put("from", WalletId.random(new ShardId(7)).value()).put("to", WalletId.random(destination).value())
      .put("amount", 100).put("currency", "USD").put("fee", 0).put("payment", "").put("source", A.name()).encode();
    Await.result(redis.send(Request.cmd(Command.HSET).arg(owed).arg(movement).arg(notice)));
  }
}
