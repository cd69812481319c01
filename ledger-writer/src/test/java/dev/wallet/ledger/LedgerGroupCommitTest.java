package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxRecord.OutboxEntry;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.ledger.impl.LedgerStore;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Several shards' batches share a transaction; a batch that cannot commit must not take the others with it. */
@ExtendWith(VertxExtension.class)
class LedgerGroupCommitTest {

  private LedgerFixture ledger;
  private Pool app;
  private LedgerStore store;
  private final String run = UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    app = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.appDatabase())).using(vertx).build();
    store = new LedgerStore(app, InsertMode.UNNEST);
  }

  @AfterEach
  void stop() {
    Await.result(app.close());
    ledger.close();
  }

  @Test
  @DisplayName("batches of many shards submitted together all commit; one that breaks an account's sequence fails alone")
  void aFailingBatchFailsAlone() {
    // with this month's partition known, the writes below queue in this very turn: the first two
    // start a transaction each, the other seven (the broken one among them) share the next one
    Await.result(store.ensureMonth(java.time.LocalDate.now(java.time.ZoneOffset.UTC)));
    List<Future<Void>> writes = new ArrayList<>();
    for (int shard = 0; shard < 8; shard++) {
      writes.add(store.write("g" + run + shard, List.of(transfer("g" + run + shard, "p1", 1))));
    }
    Future<Void> broken = store.write("g" + run + "x", List.of(transfer("g" + run + "x", "p1", 3)));
    Await.result(Future.join(writes).transform(done -> Future.succeededFuture()));
    Await.result(broken.transform(done -> Future.succeededFuture()));

    assertThat(writes).allSatisfy(write -> assertThat(write.succeeded()).as(String.valueOf(write.cause())).isTrue());
    assertThat(broken.failed()).isTrue();
    assertThat(broken.cause()).hasMessageContaining("has no entry before seq 3");
    for (int shard = 0; shard < 8; shard++) {
      assertThat(ledger.count("SELECT count(*) FROM postings WHERE id = $1", "g" + run + shard + "-p1")).isEqualTo(1);
    }
    assertThat(ledger.count("SELECT count(*) FROM postings WHERE id = $1", "g" + run + "x-p1")).isZero();
  }

  @Test
  @DisplayName("batches that arrive one after another while the store lingers share one transaction")
  void batchesArrivingApartShareOneTransaction(Vertx vertx) {
    // a wait far longer than the gap below, so that a stalled machine cannot end it before the second arrives
    LedgerStore lingering = new LedgerStore(app, InsertMode.UNNEST, List.of(), vertx, 3_000);
    Await.result(lingering.ensureMonth(java.time.LocalDate.now(java.time.ZoneOffset.UTC)));
    Future<Void> first = lingering.write("l" + run + "0", List.of(transfer("l" + run + "0", "p1", 1)));
    Await.result(vertx.timer(50)); // the second shard's batch arrives later, as below saturation
    assertThat(first.isComplete()).as("the first batch waits for others").isFalse();
    Future<Void> second = lingering.write("l" + run + "1", List.of(transfer("l" + run + "1", "p1", 1)));
    Await.result(Future.all(first, second));

    assertThat(transactionsOf("l" + run)).isEqualTo(1);
  }

  @Test
  @DisplayName("a shard whose batch failed commits alone until it succeeds: the other shards' batches keep sharing "
    + "one transaction")
  void aFailingShardDoesNotBreakTheOthersSharedTransaction(Vertx vertx) {
    LedgerStore lingering = new LedgerStore(app, InsertMode.UNNEST, List.of(), vertx, 3_000);
    Await.result(lingering.ensureMonth(java.time.LocalDate.now(java.time.ZoneOffset.UTC)));
    String stuck = "f" + run + "x";
    Future<Void> failedOnce = lingering.write(stuck, List.of(transfer(stuck, "p1", 3)));
    Await.result(failedOnce.transform(done -> Future.succeededFuture()));
    assertThat(failedOnce.failed()).as("a batch behind a gap in its sequence").isTrue();

    Future<Void> first = lingering.write("f" + run + "0", List.of(transfer("f" + run + "0", "p1", 1)));
    Future<Void> again = lingering.write(stuck, List.of(transfer(stuck, "p1", 3)));
    Future<Void> second = lingering.write("f" + run + "1", List.of(transfer("f" + run + "1", "p1", 1)));
    Await.result(Future.join(first, again, second).transform(done -> Future.succeededFuture()));

    assertThat(first.succeeded()).as(String.valueOf(first.cause())).isTrue();
    assertThat(second.succeeded()).as(String.valueOf(second.cause())).isTrue();
    assertThat(again.failed()).isTrue();
    assertThat(transactionsOf("f" + run)).as("transactions of the healthy shards").isEqualTo(1);
  }

  @Test
  @DisplayName("while PostgreSQL stalls, a shard's batch submitted again replaces the one still queued: a shard keeps "
    + "one batch waiting, however long the stall and however often its loop retries; one that reaches less far is refused")
  void aStalledShardKeepsOneBatchQueued(Vertx vertx) {
    Await.result(store.ensureMonth(java.time.LocalDate.now(java.time.ZoneOffset.UTC)));
    String[] blocked = {"q" + run + "a", "q" + run + "b"};
    String shard = "q" + run + "c";
    SqlConnection stall = Await.result(app.getConnection());
    List<Future<Void>> retries = new ArrayList<>();
    Future<Void> late;
    Future<?> blockedWrites;
    try {
      for (String held : blocked) {
        Await.result(stall.preparedQuery("SELECT pg_advisory_lock(hashtextextended('ledger:shard:' || $1, 0))")
          .execute(Tuple.of(held)));
      }
      // both transactions the store runs at once wait for those locks; what follows queues behind them
      blockedWrites = Future.join(store.write(blocked[0], List.of(transfer(blocked[0], "p1", 1))),
        store.write(blocked[1], List.of(transfer(blocked[1], "p1", 1))));
      Eventually.await("both transactions to wait for the shards' locks", Duration.ofSeconds(10),
        () -> Await.result(stall.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'")
          .execute()).iterator().next().getLong(0) >= 2);
      for (int attempt = 0; attempt < 3; attempt++) {
        retries.add(store.write(shard, List.of(transfer(shard, "p1", 1, "1-" + attempt))));
      }
      late = store.write(shard, List.of(transfer(shard, "p1", 1, "1-0")));
    } finally {
      Await.result(stall.query("SELECT pg_advisory_unlock_all()").execute());
      Await.result(stall.close());
    }
    Await.result(blockedWrites);
    Await.result(Future.join(retries).transform(done -> Future.succeededFuture()));

    assertThat(late.failed()).as("a batch that reaches less far than the one queued").isTrue();
    assertThat(late.cause()).hasMessageContaining("ends before the one already queued");
    assertThat(retries.subList(0, 2)).as("the batches replaced while queued").allSatisfy(replaced -> {
      assertThat(replaced.failed()).isTrue();
      assertThat(replaced.cause()).hasMessageContaining("replaced by a newer batch");
    });
    assertThat(retries.get(2).succeeded()).as(String.valueOf(retries.get(2).cause())).isTrue();
    assertThat(ledger.count("SELECT count(*) FROM postings WHERE id = $1", shard + "-p1")).isEqualTo(1);
  }

  @Test
  @DisplayName("without lingering, a batch that arrives after the last commit has a transaction of its own")
  void batchesArrivingApartWithoutLingerCommitApart() {
    Await.result(store.ensureMonth(java.time.LocalDate.now(java.time.ZoneOffset.UTC)));
    Await.result(store.write("n" + run + "0", List.of(transfer("n" + run + "0", "p1", 1))));
    Await.result(store.write("n" + run + "1", List.of(transfer("n" + run + "1", "p1", 1))));

    assertThat(transactionsOf("n" + run)).isEqualTo(2);
  }

  /** How many transactions committed the postings of the shards named {@code prefix}...: their distinct xmin. */
  private long transactionsOf(String prefix) {
    return ledger.count("SELECT count(DISTINCT xmin::text) FROM postings WHERE shard LIKE $1", prefix + "%");
  }

  /** One unit between two new system accounts of {@code shard}, at sequence {@code seq} of both. */
  private static Positioned transfer(String shard, String name, long seq) {
    return transfer(shard, name, seq, "1-0");
  }

  private static Positioned transfer(String shard, String name, long seq, String streamId) {
    OutboxRecord record = new OutboxRecord(shard + "-" + name, PostingType.TRANSFER, shard, Instant.now(),
      Optional.of(name), Optional.empty(), List.of(new OutboxEntry("a:USD:" + shard, "available", -1, "USD", -1, seq),
      new OutboxEntry("b:USD:" + shard, "available", 1, "USD", 1, seq)), List.of(), Optional.empty(), List.of(),
      Map.of());
    return new Positioned(streamId, record);
  }
}
