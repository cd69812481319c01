package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxRecord.OutboxEntry;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.ledger.InsertMode;
import dev.wallet.ledger.LedgerFixture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A store whose transactions get no outcome: each in flight waits on a shard's lock another session holds. */
@ExtendWith(VertxExtension.class)
class StuckTransactionsTest {

  @Test
  @DisplayName("transactions with no outcome give up their slots at the deadline: another shard's batch commits "
    + "while they still wait")
  void stuckTransactionsDoNotHoldEveryCommit(Vertx vertx) {
    LedgerFixture ledger = new LedgerFixture(vertx);
    Pool app = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.appDatabase())).using(vertx)
      .build();
    String run = UUID.randomUUID().toString().substring(0, 8);
    LedgerStore store = new LedgerStore(app, InsertMode.UNNEST, List.of(), vertx, 0);
    store.transactionDeadline(2_000);
    SqlConnection holder = Await.result(app.getConnection());
    try {
      Await.result(store.ensureMonth(LocalDate.now(ZoneOffset.UTC)));
      List<String> stuck = List.of("s" + run + "a", "s" + run + "b");
      for (String shard : stuck) {
        Await.result(holder.preparedQuery("SELECT pg_advisory_lock(hashtextextended('ledger:shard:' || $1, 0))")
          .execute(Tuple.of(shard)));
      }
      List<Future<Void>> waiting = stuck.stream().map(shard -> store.write(shard, List.of(transfer(shard)))).toList();
      String free = "s" + run + "c";

      Future<Void> committed = store.write(free, List.of(transfer(free)));
      Await.result(committed, 20);

      assertThat(ledger.count("SELECT count(*) FROM postings WHERE id = $1", free + "-p1")).isEqualTo(1);
      assertThat(waiting).allSatisfy(write -> assertThat(write.failed()).as("given up").isTrue());
    } finally {
      Await.result(holder.close());
      Await.result(app.close());
      ledger.close();
    }
  }

  private static LedgerStore.Positioned transfer(String shard) {
    OutboxRecord record = new OutboxRecord(shard + "-p1", PostingType.TRANSFER, shard, Instant.now(),
      Optional.of("p1"), Optional.empty(), List.of(new OutboxEntry("a:USD:" + shard, "available", -1, "USD", -1, 1),
      new OutboxEntry("b:USD:" + shard, "available", 1, "USD", 1, 1)), List.of(), Optional.empty(), List.of(),
      Map.of());
    return new LedgerStore.Positioned("1-0", record);
  }
}
