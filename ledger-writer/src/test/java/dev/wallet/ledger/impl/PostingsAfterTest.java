package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.ledger.InsertMode;
import dev.wallet.ledger.LedgerMovements;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.LedgerPosition;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The batches the AML monitors read the ledger in. */
@ExtendWith(VertxExtension.class)
class PostingsAfterTest {

  private static final String SHARD = "s0004";
  private FreshLedger ledger;

  @BeforeEach
  void createDatabase(Vertx vertx) throws SQLException {
    ledger = FreshLedger.create(vertx, "postings_after");
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    ledger.drop();
  }

  @Test
  @DisplayName("a batch never ends inside a transaction: its postings share their recorded_at, and all come with the "
    + "first of them the limit takes; the next transaction's do not")
  void aBatchEndsWithItsLastTransaction() {
    LedgerStore store = new LedgerStore(ledger.app, InsertMode.UNNEST, List.of(4));
    List<String> together = IntStream.range(0, 3).mapToObj(i -> opened()).toList();
    Await.result(store.write(SHARD, IntStream.range(0, 3).mapToObj(i -> new Positioned((i + 1) + "-0",
      opening(together.get(i)))).toList()));
    Await.result(store.write(SHARD, List.of(new Positioned("4-0", opening(opened())))));
    LedgerMovements movements = LedgerMovements.over(LedgerNodes.single(ledger.app));

    List<LedgerPosition> batch = Await.result(movements.postingsAfter(LedgerPosition.BEGINNING, Duration.ZERO, 2));

    assertThat(batch).extracting(LedgerPosition::postingId).containsExactlyInAnyOrderElementsOf(together);
    assertThat(batch).extracting(LedgerPosition::recordedAt).containsOnly(batch.get(0).recordedAt());
  }

  private static String opened() {
    return WalletId.random(new ShardId(4)).value() + ".opened";
  }

  private static OutboxRecord opening(String postingId) {
    String wallet = postingId.substring(0, postingId.length() - ".opened".length());
    return new OutboxRecord(postingId, PostingType.WALLET_OPENED, SHARD, Instant.now(), Optional.empty(),
      Optional.empty(), List.of(), List.of(), Optional.of(new OutboxRecord.AccountEvent(wallet,
        Optional.of("owner-" + wallet), Optional.of("USD"), Optional.of("personal"), Optional.of("active"),
        Optional.empty(), Optional.empty(), Optional.empty())), List.of(), Map.of());
  }
}
