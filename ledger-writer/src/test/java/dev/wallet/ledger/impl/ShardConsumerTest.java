package dev.wallet.ledger.impl;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
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

  private ShardConsumer started(LedgerOutbox outbox, long roundDeadlineMs) {
    ShardConsumer consumer = new ShardConsumer(vertx, outbox, stores, options, () -> false, rung -> { });
    consumer.roundDeadline(roundDeadlineMs);
    consumers.add(consumer);
    vertx.getOrCreateContext().runOnContext(v -> consumer.start());
    return consumer;
  }

  private static List<LedgerOutbox.Entry> pending(LedgerOutbox outbox) {
    return Await.result(outbox.published().compose(position -> outbox.after(position, 500))).entries();
  }

  private String lastEntry(ShardId shard) {
    return ledger.redis().xrevrange(OutboxStreams.key(shard), io.lettuce.core.Range.create("-", "+"),
      io.lettuce.core.Limit.from(1)).get(0).getId();
  }
}
