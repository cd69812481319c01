package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxRecord.OutboxEntry;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.InsertMode;
import dev.wallet.ledger.LedgerChain;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerMigrations;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.LedgerPlacement;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.ledger.LedgerSettings;
import dev.wallet.ledger.PlacementOutOfDateException;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Moving shards' ledger between two databases of their own (made for each test on the development
 * PostgreSQL and dropped after it), written through the writer's own store: shards 0-3, all in
 * the first database until shard 2 moves to the second.
 */
@ExtendWith(VertxExtension.class)
class ShardMoveTest {

  private static final ShardRange REGION = new ShardRange(0, 4);
  private static final ShardRange MOVED = new ShardRange(2, 1);
  private final String run = UUID.randomUUID().toString().substring(0, 8);
  private final String sourceName = "move_from_" + run;
  private final String targetName = "move_to_" + run;
  /** A third database, made by the tests that need one. */
  private final String thirdName = "move_third_" + run;
  private LedgerDatabase source;
  private LedgerDatabase target;
  private LedgerPlacement owners;
  private Pool sourceApp;
  private Pool targetApp;

  @BeforeEach
  void createDatabases(Vertx vertx) throws SQLException {
    source = migrated(sourceName);
    target = migrated(targetName);
    owners = LedgerPlacement.single(source).as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword());
    sourceApp = PgBuilder.pool().connectingTo(source.connectOptions()).using(vertx).build();
    targetApp = PgBuilder.pool().connectingTo(target.connectOptions()).using(vertx).build();
  }

  @AfterEach
  void dropDatabases() throws SQLException {
    Await.result(sourceApp.close());
    Await.result(targetApp.close());
    for (String name : List.of(sourceName, targetName, thirdName)) {
      superuser("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }

  /** A database of its own at the ledger's latest schema, as the application role. */
  private static LedgerDatabase migrated(String name) throws SQLException {
    superuser("CREATE DATABASE " + name + " OWNER " + TestEnvironment.pgOwner());
    superuser("GRANT CONNECT, TEMPORARY ON DATABASE " + name + " TO " + TestEnvironment.pgUser());
    LedgerMigrations.migrate(owner(app(name)), TestEnvironment.pgUser());
    return app(name);
  }

  @Test
  @DisplayName("a shard moves whole: chains identical in the target, nothing left in the source, the old placement refused, the new one writes on")
  void movesAShardWhole() throws Exception {
    LedgerStore first = store(sourceApp, 0, 1, 2, 3);
    write(first, 2, 1, 2, 3);
    write(first, 1, 1, 2);
    Map<String, Object> before = chainHead(source, "a:USD:s0002");

    ShardMove.Report report = move().run();

    assertThat(List.of(report.accounts(), report.postings(), report.entries(), report.events(), report.resumed()))
      .containsExactly(2L, 3L, 6L, 0L, false);
    assertThat(report.placement()).isEqualTo("2-2=" + target);
    assertThat(count(source, "SELECT count(*) FROM accounts WHERE shard = 's0002'")
      + count(source, "SELECT count(*) FROM postings WHERE shard = 's0002'")
      + count(source, "SELECT count(*) FROM entries WHERE account_id LIKE '%s0002'")
      + count(source, "SELECT count(*) FROM ledger_posting_ids WHERE id LIKE 's0002-%'"))
      .as("nothing of shard 2 left in the source").isZero();
    assertThat(count(source, "SELECT count(*) FROM postings WHERE shard = 's0001'")).as("shard 1 stays").isEqualTo(2);
    assertThat(count(target, "SELECT count(*) FROM entries WHERE account_id LIKE '%s0002'")).isEqualTo(6);
    assertThat(chainHead(target, "a:USD:s0002")).as("the last link and when the source recorded the posting")
      .isEqualTo(before);
    assertThat(LedgerChain.verify(owner(target)).intact()).isTrue();
    assertThat(held(source)).containsExactly(0, 1, 3);
    assertThat(held(target)).containsExactly(2);
    assertThat(count(source, "SELECT count(*) FROM ledger_shard_moves WHERE shard = 2 AND direction = 'out' "
      + "AND postings = 3 AND entries = 6")).isEqualTo(1);

    assertThatThrownBy(() -> Await.result(store(sourceApp, 0, 1, 2, 3).write("s0001", List.of(transfer(1, 3)))))
      .as("a writer with the old placement").hasMessageContaining("holds the ledger of shards 0-1,3");
    Await.result(store(sourceApp, 0, 1, 3).write("s0001", List.of(transfer(1, 3))));
    Await.result(store(targetApp, 2).write("s0002", List.of(transfer(2, 4))));
    assertThat(count(target, "SELECT max(seq) FROM entries WHERE account_id = 'a:USD:s0002'"))
      .as("the moved accounts go on in the target").isEqualTo(4);
    assertThat(LedgerChain.verify(owner(target)).intact()).isTrue();

    assertThatThrownBy(() -> move().run()).as("run again with the placement it replaced")
      .isInstanceOf(ShardMove.Refused.class).hasMessageContaining("moved to " + target + " already");
  }

  @Test
  @DisplayName("a move interrupted after the target committed is finished by running it again")
  void anInterruptedMoveIsFinished() throws Exception {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1, 2);

    assertThatThrownBy(() -> move().run(() -> { }, () -> {
      throw new IllegalStateException("the tool's machine died");
    })).hasMessageContaining("died");
    assertThat(count(target, "SELECT count(*) FROM postings WHERE shard = 's0002'")).isEqualTo(2);
    assertThat(count(source, "SELECT count(*) FROM postings WHERE shard = 's0002'")).as("not yet retired").isEqualTo(2);
    assertThat(held(source)).containsExactly(0, 1, 2, 3);
    assertThat(held(target)).as("arriving, not held").isEmpty();
    assertThatThrownBy(() -> Await.result(store(targetApp, 2).write("s0002", List.of(transfer(2, 3)))))
      .as("a writer given the new placement meanwhile").hasMessageContaining("has not finished");
    assertThatThrownBy(() -> execute(target, "SELECT ledger_lock_shards(ARRAY['s0002'])"))
      .as("the writers' fence in the target").hasMessageContaining("move of shard s0002 into this database has not "
        + "finished");
    assertThatThrownBy(() -> execute(target, "SELECT ledger_shard_here(2)")).as("a read in the target")
      .hasMessageContaining("has not finished");
    assertThat(count(target, "SELECT count(*) FROM postings WHERE shard = 's0002'")).isEqualTo(2);

    ShardMove.Report finished = move().run();

    assertThat(finished.resumed()).isTrue();
    assertThat(finished.postings()).isEqualTo(2);
    assertThat(count(source, "SELECT count(*) FROM postings WHERE shard = 's0002'")).isZero();
    assertThat(count(target, "SELECT count(*) FROM postings WHERE shard = 's0002'")).isEqualTo(2);
    assertThat(held(source)).containsExactly(0, 1, 3);
    assertThat(held(target)).containsExactly(2);
    Await.result(store(targetApp, 2).write("s0002", List.of(transfer(2, 3))));
  }

  @Test
  @DisplayName("a move interrupted after the source committed takes no writer anywhere until it is run again, which confirms it")
  void aMoveInterruptedAfterTheSourceIsConfirmed(Vertx vertx) throws Exception {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1, 2);
    ShardStores writer = new ShardStores(LedgerPlacement.single(source), REGION,
      database -> PgBuilder.pool().connectingTo(database.connectOptions()).using(vertx).build(),
      (pool, placedHere, pins) -> new LedgerStore(pool, InsertMode.UNNEST, placedHere, null, 0, pins));
    try {
      assertThatThrownBy(() -> move().run(() -> { }, () -> { }, () -> {
        throw new IllegalStateException("the tool's machine died");
      })).hasMessageContaining("died");
      assertThat(held(source)).containsExactly(0, 1, 3);
      assertThat(held(target)).isEmpty();
      assertThatThrownBy(() -> Await.result(writer.write(new ShardId(2), List.of(transfer(2, 3)))))
        .as("the writer follows the move and is refused where it went")
        .hasMessageContaining("the move of shard s0002 into this database has not finished");
      assertThatThrownBy(() -> Await.result(store(sourceApp, 0, 1, 3).write("s0002", List.of(transfer(2, 3)))))
        .as("and where it was").hasMessageContaining("shard s0002 moved to another database");

      ShardMove.Report confirmed = move().run();

      assertThat(List.of(confirmed.resumed(), confirmed.postings(), confirmed.entries()))
        .containsExactly(true, 2L, 4L);
      assertThat(held(target)).containsExactly(2);
      Await.result(writer.write(new ShardId(2), List.of(transfer(2, 3))));
      assertThat(count(target, "SELECT max(seq) FROM entries WHERE account_id = 'a:USD:s0002'")).isEqualTo(3);
      assertThat(count(source, "SELECT count(*) FROM entries WHERE account_id LIKE '%s0002'")).isZero();
      assertThat(LedgerChain.verify(owner(target)).intact()).isTrue();
      assertThatThrownBy(() -> move().run()).as("and again").isInstanceOf(ShardMove.Refused.class)
        .hasMessageContaining("moved to " + target + " already");
    } finally {
      Await.result(writer.close());
    }
  }

  /**
   * The target holds shard 3 already. Until 2026-12-06 a writer that followed the unfinished move of
   * shard 2 had its placement for the target (2 and 3) disagree with what the target held (3), and
   * every write of shard 3 was refused until the move was run again.
   */
  @Test
  @DisplayName("a writer that follows an unfinished move into a database writes that database's other shards on")
  void anUnfinishedArrivalStopsOnlyItsShard(Vertx vertx) throws Exception {
    write(store(sourceApp, 0, 1, 2), 2, 1, 2);
    write(store(targetApp, 3), 3, 1);
    LedgerPlacement before = LedgerPlacement.single(source).moving(new ShardRange(3, 1), target);
    ShardStores writer = new ShardStores(before, REGION,
      database -> PgBuilder.pool().connectingTo(database.connectOptions()).using(vertx).build(),
      (pool, placedHere, pins) -> new LedgerStore(pool, InsertMode.UNNEST, placedHere, null, 0, pins));
    try {
      assertThatThrownBy(() -> move().run(() -> { }, () -> { }, () -> {
        throw new IllegalStateException("the tool's machine died");
      })).hasMessageContaining("died");
      assertThatThrownBy(() -> Await.result(writer.write(new ShardId(2), List.of(transfer(2, 3)))))
        .as("the moving shard waits for its move").hasMessageContaining("has not finished");

      Await.result(writer.write(new ShardId(3), List.of(transfer(3, 2))));

      assertThat(count(target, "SELECT max(seq) FROM entries WHERE account_id = 'a:USD:s0003'")).isEqualTo(2);
      move().run();
      Await.result(writer.write(new ShardId(2), List.of(transfer(2, 3))));
      assertThat(held(target)).containsExactly(2, 3);
    } finally {
      Await.result(writer.close());
    }
  }

  @Test
  @DisplayName("a read across databases is refused while they disagree with its placement (never a moved shard doubled or missed), or follows the move")
  void readsAcrossDatabasesFollowThePlacement(Vertx vertx) throws Exception {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1, 2);
    write(store(sourceApp, 0, 1, 2, 3), 1, 1);
    LedgerPlacement before = LedgerPlacement.single(source);
    LedgerPlacement after = before.moving(MOVED, target);
    LedgerNodes onlySource = LedgerNodes.over(List.of(sourceApp), before);
    LedgerNodes movedTo = LedgerNodes.over(List.of(sourceApp, targetApp), after);
    LedgerNodes following = LedgerNodes.opening(sourceApp, before,
      database -> PgBuilder.pool().connectingTo(database.connectOptions()).using(vertx).build());
    assertThat(postingsOfShard2(onlySource)).as("before the move").isEqualTo(2);

    assertThatThrownBy(() -> move().run(() -> { }, () -> {
      throw new IllegalStateException("the tool's machine died");
    })).hasMessageContaining("died");
    assertThat(postingsOfShard2(onlySource)).as("interrupted: the source still holds the shard").isEqualTo(2);
    assertThatThrownBy(() -> postingsOfShard2(movedTo)).as("interrupted: the source holds it, the target not yet")
      .isInstanceOf(IllegalStateException.class)
      .hasMessageMatching("(?s).*(holds the ledger of shard 2|move of shard 2 into this database has not finished).*");

    move().run();

    assertThat(postingsOfShard2(movedTo)).as("moved, read with the new placement").isEqualTo(2);
    assertThatThrownBy(() -> postingsOfShard2(onlySource)).as("moved, read with the old placement")
      .isInstanceOf(IllegalStateException.class).hasMessageContaining("shard 2 moved to another database");
    assertThatThrownBy(() -> Await.result(LedgerReader.create(onlySource).posting("s0002-p1")))
      .as("a posting read with the old placement").isInstanceOf(IllegalStateException.class)
      .hasMessageContaining("moved to another database");
    assertThat(Await.result(LedgerReader.create(movedTo).posting("s0002-p1"))).as("and with the new one")
      .hasValueSatisfying(posting -> assertThat(posting.lines()).hasSize(2));
    try {
      // a read refused only after another one, started after it, has followed the move
      Promise<Void> othersFollowed = Promise.promise();
      AtomicInteger asked = new AtomicInteger();
      Future<String> refusedLate = following.followingMoves(() -> asked.getAndIncrement() == 0
        ? othersFollowed.future().compose(followed -> Future.failedFuture(new PlacementOutOfDateException(
          "refused with the placement it was sent with", null)))
        : Future.succeededFuture("read again"));
      var followingRead = LedgerReader.create(following).posting("s0002-p1")
        .onComplete(done -> othersFollowed.complete());
      assertThat(Await.result(followingRead))
        .as("read with the old placement by nodes that can open a pool to where the shard went")
        .hasValueSatisfying(posting -> assertThat(posting.lines()).hasSize(2));
      assertThat(Await.result(refusedLate)).as("a read refused after the move was followed is read again")
        .isEqualTo("read again");
      assertThat(postingsOfShard2(following)).as("and from then on").isEqualTo(2);
      assertThat(Await.result(following.everywhere("SELECT id FROM postings WHERE shard = 's0001'")))
        .as("the shards that stayed").hasSize(1);
    } finally {
      Await.result(following.closeOpened());
    }
  }

  @Test
  @DisplayName("a reader whose placement already puts other shards in the target is refused there while a move into it "
    + "is unfinished: the moving shard is never read twice")
  void anUnfinishedArrivalIsNotReadBesideItsSource() throws Exception {
    ShardRange three = new ShardRange(3, 1);
    write(store(sourceApp, 0, 1, 2, 3), 2, 1, 2);
    write(store(sourceApp, 0, 1, 2, 3), 3, 1);
    new ShardMove(owners, REGION, three, owners.database(target.toString())).run();
    LedgerNodes both = LedgerNodes.over(List.of(sourceApp, targetApp), LedgerPlacement.single(source).moving(three,
      target));
    assertThat(postingsOfShard2(both)).as("before the move").isEqualTo(2);

    assertThatThrownBy(() -> move().run(() -> { }, () -> {
      throw new IllegalStateException("the tool's machine died");
    })).hasMessageContaining("died");

    assertThatThrownBy(() -> postingsOfShard2(both)).as("interrupted: the copy in the target is not read beside the "
      + "source").isInstanceOf(IllegalStateException.class)
      .hasMessageContaining("move of shard 2 into this database has not finished");
    move().run();
    assertThatThrownBy(() -> postingsOfShard2(both)).as("moved, read with the old placement")
      .isInstanceOf(IllegalStateException.class)
      .hasMessageMatching("(?s).*(holds the ledger of shard 2|shard 2 moved to another database).*");
  }

  /**
   * The source holds shard 2 with its history; the tool is given a placement that puts shard 2 in an
   * empty third database. Until 2026-12-07 the move took that database as its source, pinned shard 2
   * there, copied nothing, compared nothing with nothing and recorded the target as holding it: the
   * target held shard 2 empty while the source still held it and its writers committed there.
   */
  @Test
  @DisplayName("a move whose placement gives an empty database shards another database holds is refused, naming "
    + "that database, before anything is pinned or copied")
  void aPlacementThatGivesAnEmptyDatabaseHeldShardsIsRefused() throws Exception {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1, 2);
    LedgerDatabase empty = migrated(thirdName);
    LedgerPlacement wrong = owners.moving(MOVED, owner(empty));

    assertThatThrownBy(() -> new ShardMove(wrong, REGION, MOVED, owners.database(target.toString())).run())
      .isInstanceOf(ShardMove.Refused.class).hasMessageContaining(source + " holds");

    assertThat(count(empty, "SELECT count(*) FROM ledger_shards") + count(empty, "SELECT count(*) FROM ledger_shard_moves"))
      .as("the empty database pinned with nothing").isZero();
    assertThat(count(target, "SELECT count(*) FROM ledger_shard_moves") + count(target, "SELECT count(*) FROM accounts"))
      .as("the target took nothing").isZero();
    assertThat(held(source)).containsExactly(0, 1, 2, 3);
    assertThat(move().run().postings()).as("the move from where the shard is").isEqualTo(2);
  }

  /**
   * A move to the target interrupted after the target's commit, then the shard moved to a third
   * database instead. Until 2026-12-07 running the first move again found the source no longer
   * holding the shard and confirmed the target's stale copy: two databases held it.
   */
  @Test
  @DisplayName("a move interrupted after the target committed, then made to another database, is refused when run "
    + "again, naming where the shard went")
  void aStaleArrivalIsNotConfirmed() throws Exception {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1, 2);
    assertThatThrownBy(() -> move().run(() -> { }, () -> {
      throw new IllegalStateException("the tool's machine died");
    })).hasMessageContaining("died");
    LedgerDatabase third = migrated(thirdName);
    new ShardMove(owners, REGION, MOVED, owner(third)).run();
    assertThat(held(third)).containsExactly(2);

    assertThatThrownBy(() -> move().run()).isInstanceOf(ShardMove.Refused.class)
      .hasMessageContaining(third.toString());

    assertThat(held(target)).as("the stale copy stays arriving, held by no one").isEmpty();
    assertThat(held(third)).containsExactly(2);
    assertThat(count(target, "SELECT count(*) FROM ledger_shard_moves WHERE direction = 'in'")).isZero();
  }

  /** Sessions of the source waiting for an advisory lock (every session's wait is visible to the superuser only). */
  /** The source's sessions waiting for a lock of that kind ({@code pg_stat_activity.wait_event}). */
  private long waitingFor(String lock) throws SQLException {
    try (Connection c = DriverManager.getConnection(source.jdbcUrl(), "postgres", TestEnvironment.pgSuperuserPassword());
         Statement st = c.createStatement();
         ResultSet row = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
           + "AND wait_event_type = 'Lock' AND wait_event = '" + lock + "'")) {
      row.next();
      return row.getLong(1);
    }
  }

  private static long postingsOfShard2(LedgerNodes nodes) {
    return Await.result(nodes.everywhere("SELECT id FROM postings WHERE shard = 's0002'")).size();
  }

  @Test
  @DisplayName("a move under a running writer: it commits while the move deletes what it copied, what it commits then moves too, and a batch that waited for the move's locks is refused where the shard was")
  void movesUnderAWriter(Vertx vertx) throws Exception {
    LedgerStore writer = store(sourceApp, 0, 1, 2, 3);
    write(writer, 2, 1, 2);
    Pool waiting = PgBuilder.pool().connectingTo(source.connectOptions()).using(vertx).build();
    List<io.vertx.core.Future<Void>> refused = new ArrayList<>();
    try {
      ShardMove.Report report = move().run(() -> {
        assertThatThrownBy(() -> execute(owner(source), "SELECT id FROM postings WHERE id = 's0002-p1' FOR UPDATE NOWAIT"))
          .as("a copied posting, deleted by the move already (uncommitted)").hasMessageContaining("could not obtain lock");
        write(writer, 2, 3, 4);
        Await.result(writer.write("s0002", List.of(walletOpened(2, 5))));
      }, () -> {
        // the source's commit is still to come and the shard's lock is the move's: a batch now waits for it
        refused.add(store(waiting, 0, 1, 2, 3).write("s0002", List.of(transfer(2, 5))));
        Eventually.await("the batch to wait for the move's lock", Duration.ofSeconds(10),
          () -> waitingFor("advisory") == 1);
      });

      assertThat(List.of(report.accounts(), report.postings(), report.entries()))
        .as("the two postings and the wallet opened (no entry names it) during the copy too")
        .containsExactly(3L, 5L, 8L);
      assertThatThrownBy(() -> Await.result(refused.get(0))).as("the batch that waited")
        .hasMessageContaining("shard s0002 moved to another database");
      assertThatThrownBy(() -> Await.result(writer.write("s0002", List.of(transfer(2, 5)))))
        .as("and the next one").hasMessageContaining("shard s0002 moved to another database");
      assertThat(count(source, "SELECT count(*) FROM postings WHERE shard = 's0002'")).isZero();
      assertThat(count(target, "SELECT max(seq) FROM entries WHERE account_id = 'a:USD:s0002'")).isEqualTo(4);
      assertThat(LedgerChain.verify(owner(target)).intact()).isTrue();
      Await.result(writer.write("s0001", List.of(transfer(1, 1))));
      assertThat(count(source, "SELECT count(*) FROM postings WHERE shard = 's0001'")).as("the shards that stayed")
        .isEqualTo(1);
    } finally {
      Await.result(waiting.close());
    }
  }

  @Test
  @DisplayName("a posting redelivered while the move deletes it waits for the move, which then waits for its shard's lock: PostgreSQL fails the batch, the move commits, and the batch goes where the shard went")
  void aRedeliveryDuringTheMove(Vertx vertx) throws Exception {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1, 2);
    Pool redelivering = PgBuilder.pool().connectingTo(source.connectOptions()).using(vertx).build();
    LedgerStore writer = store(redelivering, 0, 1, 2, 3);
    List<io.vertx.core.Future<Void>> redelivered = new ArrayList<>();
    try {
      ShardMove.Report report = move().run(() -> {
        redelivered.add(writer.write("s0002", List.of(transfer(2, 2))));
        Eventually.await("the redelivery to wait for the move's delete", Duration.ofSeconds(10),
          () -> waitingFor("transactionid") == 1);
      }, () -> { });

      assertThat(report.postings()).isEqualTo(2);
      assertThatThrownBy(() -> Await.result(redelivered.get(0))).as("the batch, on the deadlock")
        .hasMessageContaining("deadlock");
      assertThatThrownBy(() -> Await.result(writer.write("s0002", List.of(transfer(2, 2)))))
        .as("read again, it follows the move").hasMessageContaining("shard s0002 moved to another database");
      assertThat(count(source, "SELECT count(*) FROM postings WHERE shard = 's0002'")).isZero();
      assertThat(count(target, "SELECT count(*) FROM postings WHERE shard = 's0002'")).isEqualTo(2);
      assertThat(LedgerChain.verify(owner(target)).intact()).isTrue();
    } finally {
      Await.result(redelivering.close());
    }
  }

  @Test
  @DisplayName("a posting the catch-up cannot find (its writer's transaction began longer ago than the margin) is found by the source's delete, and nothing is committed")
  void aMissedPostingRefusesTheMove() throws Exception {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1, 2);
    assertThatThrownBy(() -> move().run(() -> executeUnchecked(owner(source), """
        BEGIN;
        INSERT INTO postings (id, type, shard, reference, created_at, stream_id, recorded_at)
          VALUES ('s0002-p3', 'transfer', 's0002', 'r3', now(), '3-0', now() - interval '1 hour');
        INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at)
          VALUES ('s0002-p3', 0, 'a:USD:s0002', 'available', -1, 'USD', -3, 3, now()),
                 ('s0002-p3', 1, 'b:USD:s0002', 'available', 1, 'USD', 3, 3, now());
        COMMIT;""".stripIndent()), () -> { }))
      .isInstanceOf(ShardMove.Refused.class).hasMessageContaining("the source's delete")
      .hasMessageContaining("nothing was committed");

    assertThat(held(source)).containsExactly(0, 1, 2, 3);
    assertThat(count(source, "SELECT count(*) FROM postings WHERE shard = 's0002'")).isEqualTo(3);
    assertThat(count(target, "SELECT count(*) FROM accounts") + count(target, "SELECT count(*) FROM ledger_shard_moves"))
      .as("the target took nothing").isZero();
    Await.result(store(sourceApp, 0, 1, 2, 3).write("s0002", List.of(transfer(2, 4))));
  }

  @Test
  @DisplayName("a move interrupted after the target committed, while the writer goes on in the source, is finished with what it wrote meanwhile")
  void anInterruptedMoveCatchesUp() throws Exception {
    LedgerStore writer = store(sourceApp, 0, 1, 2, 3);
    write(writer, 2, 1, 2);
    assertThatThrownBy(() -> move().run(() -> { }, () -> {
      throw new IllegalStateException("the tool's machine died");
    })).hasMessageContaining("died");

    write(writer, 2, 3);
    ShardMove.Report finished = move().run();

    assertThat(List.of(finished.resumed(), finished.postings())).containsExactly(true, 3L);
    assertThat(count(target, "SELECT max(seq) FROM entries WHERE account_id = 'b:USD:s0002'")).isEqualTo(3);
    assertThat(count(source, "SELECT count(*) FROM entries")).isZero();
    assertThat(LedgerChain.verify(owner(target)).intact()).isTrue();
  }

  @Test
  @DisplayName("one move at a time")
  void oneMoveAtATime() throws Exception {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1);
    try (Connection other = connect(owner(target)); Statement st = other.createStatement()) {
      st.execute("SELECT pg_advisory_lock(hashtextextended('ledger:moves', 0))");
      assertThatThrownBy(() -> move().run()).isInstanceOf(ShardMove.Refused.class)
        .hasMessageContaining("another shard move is running");
    }
    assertThat(count(source, "SELECT count(*) FROM postings WHERE shard = 's0002'")).isEqualTo(1);
    assertThat(count(target, "SELECT count(*) FROM accounts")).isZero();
    assertThat(move().run().postings()).as("once the other one ended").isEqualTo(1);
  }

  @Test
  @DisplayName("the operator's command moves shards to a database nothing has migrated yet, and prints the placement; "
    + "the chain's check, given the placement from before, follows the move there")
  void fromTheCommandLine() throws Exception {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1, 2);
    String fresh = "move_new_" + run;
    superuser("CREATE DATABASE " + fresh + " OWNER " + TestEnvironment.pgOwner());
    superuser("GRANT CONNECT, TEMPORARY ON DATABASE " + fresh + " TO " + TestEnvironment.pgUser());
    try {
      LedgerSettings settings = LedgerSettings.fromEnvironment(Map.of("WALLET_MODE", "development",
        "WALLET_PG_HOST", source.host(), "WALLET_PG_PORT", Integer.toString(source.port()),
        "WALLET_PG_DATABASE", sourceName, "WALLET_PG_USER", source.user(), "WALLET_PG_PASSWORD", source.password(),
        "WALLET_PG_OWNER", TestEnvironment.pgOwner(), "WALLET_PG_OWNER_PASSWORD", TestEnvironment.pgOwnerPassword()));

      assertThat(LedgerTool.moveShards(settings, "2-2", app(fresh).toString())).isZero();
      assertThat(count(app(fresh), "SELECT count(*) FROM postings WHERE shard = 's0002'")).isEqualTo(2);
      assertThat(LedgerTool.moveShards(settings, "2-2", app(fresh).toString())).as("again: refused").isEqualTo(1);
      assertThat(LedgerTool.followed(settings.placement()).databases()).as("what verify-chain reads, given the "
        + "placement from before the move").extracting(LedgerDatabase::database).contains(sourceName, fresh);
    } finally {
      superuser("DROP DATABASE IF EXISTS " + fresh + " WITH (FORCE)");
    }
  }

  @Test
  @DisplayName("without the move's own setting, the owner still cannot delete from the ledger")
  void appendOnlyOutsideAMove() throws SQLException {
    write(store(sourceApp, 0, 1, 2, 3), 2, 1);

    for (String table : List.of("accounts", "postings", "entries")) {
      assertThatThrownBy(() -> execute(owner(source), "DELETE FROM " + table)).hasMessageContaining("append-only");
    }
    assertThatThrownBy(() -> execute(owner(source), "BEGIN; SET LOCAL wallet.ledger_moving_shards = 'on'; "
      + "UPDATE postings SET reference = 'changed'; COMMIT")).as("a move deletes; nothing updates")
      .hasMessageContaining("append-only");
    assertThat(count(source, "SELECT count(*) FROM entries")).isEqualTo(2);
  }

  private ShardMove move() {
    return new ShardMove(owners, REGION, MOVED, owners.database(target.toString()));
  }

  private static LedgerStore store(Pool pool, Integer... placedHere) {
    return new LedgerStore(pool, InsertMode.UNNEST, List.of(placedHere));
  }

  /** Transfers of one unit between the shard's two system accounts, at the given sequence numbers. */
  private static void write(LedgerStore store, int shard, long... seqs) {
    List<Positioned> batch = new ArrayList<>();
    for (long seq : seqs) {
      batch.add(transfer(shard, seq));
    }
    Await.result(store.write(new ShardId(shard).name(), batch));
  }

  private static Positioned transfer(int shardNumber, long seq) {
    String shard = new ShardId(shardNumber).name();
    OutboxRecord record = new OutboxRecord(shard + "-p" + seq, PostingType.TRANSFER, shard, Instant.now(),
      Optional.of("r" + seq), Optional.empty(), List.of(new OutboxEntry("a:USD:" + shard, "available", -1, "USD", -seq,
      seq), new OutboxEntry("b:USD:" + shard, "available", 1, "USD", seq, seq)), List.of(), Optional.empty(),
      List.of(), Map.of());
    return new Positioned(seq + "-0", record);
  }

  /** A wallet of the shard opened, as open_wallet.lua records it: a posting named after it, no entries. */
  private static Positioned walletOpened(int shardNumber, long position) {
    String shard = new ShardId(shardNumber).name();
    String wallet = "w" + shard.substring(1) + "_opened" + position;
    OutboxRecord record = new OutboxRecord(wallet + ".open", PostingType.WALLET_OPENED, shard, Instant.now(),
      Optional.empty(), Optional.empty(), List.of(), List.of(), Optional.of(new OutboxRecord.AccountEvent(wallet,
      Optional.of("owner" + position), Optional.of("USD"), Optional.of("personal"), Optional.empty(), Optional.empty(),
      Optional.empty(), Optional.empty())), List.of(), Map.of());
    return new Positioned(position + "-0", record);
  }

  private Map<String, Object> chainHead(LedgerDatabase database, String account) throws SQLException {
    try (Connection c = connect(owner(database)); Statement st = c.createStatement();
         ResultSet row = st.executeQuery("SELECT encode(e.hash, 'hex') AS hash, p.recorded_at FROM entries e "
           + "JOIN postings p ON p.id = e.posting_id AND p.created_at = e.created_at WHERE e.account_id = '" + account
           + "' ORDER BY e.seq DESC LIMIT 1")) {
      row.next();
      return Map.of("hash", row.getString("hash"), "recorded_at", row.getObject("recorded_at").toString());
    }
  }

  private List<Integer> held(LedgerDatabase database) throws SQLException {
    List<Integer> held = new ArrayList<>();
    try (Connection c = connect(database); Statement st = c.createStatement();
         ResultSet rows = st.executeQuery("SELECT shard FROM ledger_shards_held ORDER BY shard")) {
      while (rows.next()) {
        held.add(rows.getInt(1));
      }
    }
    return held;
  }

  private long count(LedgerDatabase database, String sql) throws SQLException {
    try (Connection c = connect(owner(database)); Statement st = c.createStatement(); ResultSet row = st.executeQuery(sql)) {
      row.next();
      return row.getLong(1);
    }
  }

  private static void executeUnchecked(LedgerDatabase database, String sql) {
    try {
      execute(database, sql);
    } catch (SQLException failed) {
      throw new IllegalStateException(failed);
    }
  }

  private static void execute(LedgerDatabase database, String sql) throws SQLException {
    try (Connection c = connect(database); Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  private static Connection connect(LedgerDatabase database) throws SQLException {
    return DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
  }

  private static LedgerDatabase owner(LedgerDatabase database) {
    return database.as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword());
  }

  private static LedgerDatabase app(String name) {
    return new LedgerDatabase(TestEnvironment.pgHost(), TestEnvironment.pgPort(), name, TestEnvironment.pgUser(),
      TestEnvironment.pgPassword());
  }

  private static void superuser(String sql) throws SQLException {
    execute(new LedgerDatabase(TestEnvironment.pgHost(), TestEnvironment.pgPort(), "postgres", "postgres",
      TestEnvironment.pgSuperuserPassword()), sql);
  }
}
