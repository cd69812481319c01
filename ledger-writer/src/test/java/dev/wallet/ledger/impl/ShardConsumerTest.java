package dev.wallet.ledger.impl;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.outbox.Replication;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.ledger.InsertMode;
import dev.wallet.ledger.LedgerFixture;
import dev.wallet.ledger.LedgerWriterOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One shard's loop on its own, against the test cluster and the shared ledger database. */
@ExtendWith(VertxExtension.class)
class ShardConsumerTest {

  /** Long enough for a round's batch and one submitted by the test to share a transaction. */
  private static final long LINGER_MS = 1_000;
  private static final long ROUND_DEADLINE_MS = 3_000;
  private static final String LOCK_SHARD = "SELECT pg_advisory_lock(hashtextextended('ledger:shard:' || $1, 0))";
  private static final String UNLOCK_SHARD = "SELECT pg_advisory_unlock(hashtextextended('ledger:shard:' || $1, 0))";

  private Vertx vertx;
  private LedgerFixture ledger;
  private BalanceCache cache;
  private MoneyCore core;
  private LedgerWriterOptions options;
  private ShardStores stores;
  private final List<ShardConsumer> consumers = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    ledger = new LedgerFixture(vertx);
    cache = ledger.moneyCore();
    core = new MoneyCore(cache);
    options = LedgerFixture.writerOptions();
    stores = new ShardStores(options.placement(), options.shards(), database -> StreamLedgerWriter.pool(vertx, database),
      (pool, placedHere, pins) -> new LedgerStore(pool, InsertMode.UNNEST, placedHere, vertx, LINGER_MS, pins));
  }

  @AfterEach
  void stop() {
    Await.result(Future.join(consumers.stream().map(ShardConsumer::stop).toList()));
    Await.result(stores.close());
    ledger.close();
  }

  /**
   * A round the loop gave up on (its transaction waits for another shard's lock, which it shares with
   * that shard's batch) commits after the next round has published a later position, and publishes
   * its own: the position must not move back.
   */
  @Test
  @DisplayName("a round given up on that commits and publishes after a later round does not move the published "
    + "position back")
  void aRoundGivenUpOnDoesNotMoveThePositionBack() {
    WalletId one = core.funded(owner(), 1_000);
    WalletId other = core.funded(owner(), 1_000);
    while (other.shard().equals(one.shard())) {
      other = core.funded(owner(), 1_000);
    }
    boolean oneFirst = one.shard().name().compareTo(other.shard().name()) < 0;
    ShardId blocked = oneFirst ? one.shard() : other.shard();
    WalletId watched = oneFirst ? other : one;
    ShardId shard = watched.shard();
    LedgerOutbox outbox = cache.ledgerOutbox(shard);
    int firstRound = pending(outbox).size();

    Pool app = StreamLedgerWriter.pool(vertx, LedgerFixture.appDatabase(), 2);
    SqlConnection holder = Await.result(app.getConnection());
    try {
      Await.result(holder.preparedQuery(LOCK_SHARD).execute(Tuple.of(blocked.name())));
      Future<Void> blockedCommit = stores.write(blocked, ShardConsumer.batchOf(pending(cache.ledgerOutbox(blocked))));
      ShardConsumer consumer = started(outbox, ROUND_DEADLINE_MS);
      Eventually.await("the shared transaction to wait for the other shard's lock", Duration.ofSeconds(10),
        () -> ledger.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") > 0);
      core.fund(watched, 5);
      String last = lastEntry(shard);
      int secondRound = pending(outbox).size();
      Eventually.await("the round to be given up on", Duration.ofSeconds(10), () -> consumer.failedRounds() > 0);
      Eventually.await("the next round to publish the later position", Duration.ofSeconds(10),
        () -> last.equals(ledger.redis().get(OutboxStreams.positionKey(shard))));
      Await.result(consumer.stop());

      Await.result(holder.preparedQuery(UNLOCK_SHARD).execute(Tuple.of(blocked.name())));
      Await.result(blockedCommit, 20);
      Eventually.await("the round given up on to commit and publish", Duration.ofSeconds(10),
        () -> consumer.committed() == firstRound + secondRound);
      assertThat(ledger.redis().get(OutboxStreams.positionKey(shard))).as("the published position").isEqualTo(last);
    } finally {
      Await.result(holder.close());
      Await.result(app.close());
    }
  }

  /**
   * A failover that took the last publication with the old master (its position and the lifetimes it
   * gave), between the loop's read of the position and its first read of the stream.
   */
  @Test
  @DisplayName("a failover between a loop's start and its first read: the lifetimes lost with the old master are given "
    + "again")
  void aFailoverBeforeTheFirstReadGivesLostLifetimesAgain() {
    WalletId wallet = core.funded(owner(), 1_000);
    ShardId shard = wallet.shard();
    LedgerOutbox outbox = cache.ledgerOutbox(shard);
    drain(outbox);
    String before = ledger.redis().get(OutboxStreams.positionKey(shard));
    core.fund(wallet, 100);
    List<String> retired = retiredHere(shard, pending(outbox));
    assertThat(retired).as("keys the deposit retires").isNotEmpty().allMatch(key -> ledger.redis().pttl(key) == -1);
    drain(outbox);
    assertThat(retired).as("given their lifetime").allMatch(key -> ledger.redis().pttl(key) > 0);

    int oldMaster = RedisNodes.masterOf(shard);
    try {
      FailoverBeforeFirstRead failingOver = new FailoverBeforeFirstRead(outbox, () -> failOverLosing(shard, before, retired));
      started(failingOver, 30_000);
      Eventually.await("the failover before the first read", Duration.ofSeconds(45), failingOver::done);
      Eventually.await("the lifetimes lost with the old master to be given again", Duration.ofSeconds(15),
        () -> retired.stream().allMatch(key -> ledger.redis().pttl(key) > 0));
    } finally {
      failBackTo(shard, oldMaster);
    }
  }

  /** Fails the shard's master over to its replica, which then holds what a lossy failover leaves. */
  private void failOverLosing(ShardId shard, String position, Collection<String> retired) {
    int replica = RedisNodes.replicasOf(RedisNodes.masterOf(shard)).get(0);
    RedisNodes.cli(replica, "CLUSTER", "FAILOVER");
    Eventually.await("the replica to take the shard over", Duration.ofSeconds(30),
      () -> RedisNodes.masterOf(shard) == replica && RedisNodes.cli(replica, "ROLE").startsWith("master"));
    // the last publication lost: the position before it, the keys it retired without their lifetime
    RedisNodes.cli(replica, "SET", OutboxStreams.positionKey(shard), position);
    retired.forEach(key -> RedisNodes.cli(replica, "PERSIST", key));
  }

  private static void failBackTo(ShardId shard, int master) {
    if (RedisNodes.masterOf(shard) != master) {
      RedisNodes.cli(master, "CLUSTER", "FAILOVER");
      Eventually.await("the old master to take the shard back", Duration.ofSeconds(30),
        () -> RedisNodes.masterOf(shard) == master);
    }
    RedisNodes.awaitHealthy(Duration.ofSeconds(60));
  }

  private ShardConsumer started(LedgerOutbox outbox, long roundDeadlineMs) {
    ShardConsumer consumer = new ShardConsumer(vertx, outbox, stores, options, () -> false, rung -> { });
    consumer.roundDeadline(roundDeadlineMs);
    consumers.add(consumer);
    vertx.getOrCreateContext().runOnContext(v -> consumer.start());
    return consumer;
  }

  /** A loop of its own commits the shard's outbox up to its last entry, then stops. */
  private void drain(LedgerOutbox outbox) {
    ShardConsumer consumer = started(outbox, 30_000);
    String last = lastEntry(outbox.shard());
    Eventually.await("the shard's outbox to be committed", Duration.ofSeconds(20), () -> {
      String position = ledger.redis().get(OutboxStreams.positionKey(outbox.shard()));
      return position != null && OutboxStreams.compareIds(position, last) >= 0;
    });
    Await.result(consumer.stop());
  }

  private static List<LedgerOutbox.Entry> pending(LedgerOutbox outbox) {
    return Await.result(outbox.published().compose(position -> outbox.after(position, 500))).entries();
  }

  private static List<String> retiredHere(ShardId shard, List<LedgerOutbox.Entry> entries) {
    return entries.stream().flatMap(entry -> entry.record().retire().stream())
      .filter(key -> key.startsWith(shard.tag())).toList();
  }

  private String lastEntry(ShardId shard) {
    return ledger.redis().xrevrange(OutboxStreams.key(shard), io.lettuce.core.Range.create("-", "+"),
      io.lettuce.core.Limit.from(1)).get(0).getId();
  }

  /** The shard's outbox, with a failover of its master just before the first read of its stream. */
  private final class FailoverBeforeFirstRead implements LedgerOutbox {

    private final LedgerOutbox outbox;
    private Runnable failover;
    private volatile boolean done;

    FailoverBeforeFirstRead(LedgerOutbox outbox, Runnable failover) {
      this.outbox = outbox;
      this.failover = failover;
    }

    @Override
    public ShardId shard() {
      return outbox.shard();
    }

    @Override
    public Future<String> published() {
      return outbox.published();
    }

    @Override
    public Future<Published> publishedWithHistory() {
      return outbox.publishedWithHistory();
    }

    @Override
    public Future<Read> after(String position, int count) {
      Runnable now = failover;
      failover = null;
      return now == null ? outbox.after(position, count)
        : vertx.executeBlocking(() -> {
          now.run();
          done = true;
          return null;
        }).compose(failedOver -> outbox.after(position, count));
    }

    boolean done() {
      return done;
    }

    @Override
    public Future<Boolean> replicate(Replication read, int replicas, long timeoutMs) {
      return outbox.replicate(read, replicas, timeoutMs);
    }

    @Override
    public Future<Void> committed(String position, Collection<String> retired, long lifetimeMs, boolean trim) {
      return outbox.committed(position, retired, lifetimeMs, trim);
    }

    @Override
    public Future<Long> backlog(String position) {
      return outbox.backlog(position);
    }

    @Override
    public Future<Boolean> committedThrough(String entryId) {
      return outbox.committedThrough(entryId);
    }
  }
}
