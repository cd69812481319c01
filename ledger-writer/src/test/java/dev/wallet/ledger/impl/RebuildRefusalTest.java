package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.ledger.LedgerNodes;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxRecord.OutboxEntry;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.LedgerPlacement;
import dev.wallet.ledger.InsertMode;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What a rebuild refuses for, it refuses before writing anything (a ledger of its own, made up here). */
@ExtendWith(VertxExtension.class)
class RebuildRefusalTest {

  private static final String SHARD = "s0002";
  private FreshLedger ledger;

  @BeforeEach
  void createDatabase(Vertx vertx) throws SQLException {
    ledger = FreshLedger.create(vertx, "rebuild_refusal");
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    ledger.drop();
  }

  @Test
  @DisplayName("a pending movement whose destination the ledger does not know (a debit from before debits named it) "
    + "refuses the rebuild before a single wallet is written")
  void anUnknownDestinationRefusesBeforeAnyWrite(Vertx vertx) {
    String wallet = WalletId.random(new ShardId(2)).value();
    LedgerStore store = new LedgerStore(ledger.app, InsertMode.UNNEST, List.of(2));
    Await.result(store.write(SHARD, List.of(
      new Positioned("1-0", posting(wallet + ".opened", PostingType.WALLET_OPENED, Optional.empty(), List.of(),
        Optional.of(new OutboxRecord.AccountEvent(wallet, Optional.of("owner-" + wallet), Optional.of("USD"),
          Optional.of("personal"), Optional.of("active"), Optional.empty(), Optional.empty(), Optional.empty())))),
      new Positioned("2-0", posting("d-" + wallet, PostingType.DEPOSIT, Optional.of("d-" + wallet), List.of(
        new OutboxEntry(wallet, "available", 500, "USD", 500, 1),
        new OutboxEntry("clearing:sandbox:USD:" + SHARD, "available", -500, "USD", -500, 1)), Optional.empty())),
      new Positioned("3-0", posting("t-" + wallet + ".debit", PostingType.TRANSFER_DEBIT, Optional.of("t-" + wallet),
        List.of(new OutboxEntry(wallet, "available", -100, "USD", 400, 2),
          new OutboxEntry("transit:USD:" + SHARD, "available", 100, "USD", 100, 1)), Optional.empty())))));
    BalanceCache cache = BalanceCache.create(vertx, BalanceCacheOptions.defaults(TestEnvironment.redisNodes())
      .withSweep(0, 0));
    Await.result(cache.start());
    Redis redis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
    try {
      Throwable refused = catchThrowable(() -> Await.result(HotTierRebuild.run(vertx, cache,
        LedgerPlacement.single(ledger.database), 3_600_000L), 120));

      String key = "{" + SHARD + "}:w:" + wallet;
      assertThat(Await.result(redis.send(Request.cmd(Command.EXISTS).arg(key))).toLong())
        .as("the wallet not written").isZero();
      assertThat(refused).isInstanceOf(IllegalStateException.class).hasMessageContaining("t-" + wallet)
        .hasMessageContaining("nothing was written");
    } finally {
      redis.close();
      Await.result(cache.close());
    }
  }

  /**
   * A graceful failover (nothing is lost by it) stands in for one that loses what the old master had
   * not replicated: the rebuild cannot tell the two apart, and must not report success for either.
   */
  @Test
  @DisplayName("a failover while the rebuild writes is reported as a rebuild that failed part-way, not as success")
  void aFailoverWhileItWritesIsReported(Vertx vertx) {
    ShardId shard = new ShardId(2);
    String wallet = WalletId.random(shard).value();
    LedgerStore store = new LedgerStore(ledger.app, InsertMode.UNNEST, List.of(2));
    Await.result(store.write(SHARD, List.of(
      new Positioned("1-0", posting(wallet + ".opened", PostingType.WALLET_OPENED, Optional.empty(), List.of(),
        Optional.of(new OutboxRecord.AccountEvent(wallet, Optional.of("owner-" + wallet), Optional.of("USD"),
          Optional.of("personal"), Optional.of("active"), Optional.empty(), Optional.empty(), Optional.empty())))))));
    BalanceCache cache = BalanceCache.create(vertx, BalanceCacheOptions.defaults(TestEnvironment.redisNodes())
      .withSweep(0, 0));
    Await.result(cache.start());
    Pool pool = StreamLedgerWriter.pool(vertx, ledger.database);
    try {
      HotTierRebuild rebuild = new HotTierRebuild(LedgerNodes.over(List.of(pool), LedgerPlacement.single(ledger.database)),
        failingOverAtTheFirstWallet(vertx, cache.hotTier(), shard), cache.shards(), 3_600_000L);

      Throwable failed = catchThrowable(() -> Await.result(rebuild.rebuild(), 120));

      assertThat(failed).isInstanceOf(HotTierRebuild.PartlyWritten.class).hasMessageContaining("changed while the "
        + "rebuild wrote").hasMessageContaining(SHARD);
    } finally {
      Await.result(pool.close());
      Await.result(cache.close());
    }
  }

  /** The hot tier, with the master of {@code shard} failed over to a replica just before the first wallet is written. */
  private static HotTierAccess failingOverAtTheFirstWallet(Vertx vertx, HotTierAccess hotTier, ShardId shard) {
    AtomicBoolean failedOver = new AtomicBoolean();
    return (HotTierAccess) Proxy.newProxyInstance(HotTierAccess.class.getClassLoader(),
      new Class<?>[] {HotTierAccess.class}, (proxy, method, args) -> {
        if (!method.getName().equals("restoreWallet") || !failedOver.compareAndSet(false, true)) {
          return method.invoke(hotTier, args);
        }
        return vertx.executeBlocking(() -> {
          int master = RedisNodes.masterOf(shard);
          int replica = RedisNodes.replicasOf(master).get(0);
          RedisNodes.cli(replica, "CLUSTER", "FAILOVER");
          Eventually.await("the replica to take the shard over", Duration.ofSeconds(30),
            () -> RedisNodes.masterOf(shard) == replica);
          return null;
        }).compose(done -> restoreWallet(hotTier, args));
      });
  }

  private static Future<Void> restoreWallet(HotTierAccess hotTier, Object[] args) {
    return hotTier.restoreWallet((HotTierAccess.WalletFacts) args[0]);
  }

  private static OutboxRecord posting(String id, PostingType type, Optional<String> reference,
                                      List<OutboxEntry> entries, Optional<OutboxRecord.AccountEvent> account) {
    return new OutboxRecord(id, type, SHARD, Instant.now(), reference, Optional.empty(), entries, List.of(), account,
      List.of(), Map.of());
  }
}
