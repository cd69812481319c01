package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.ReconciliationReport.Kind;
import dev.wallet.ledger.impl.HotTierRebuild;
import dev.wallet.ledger.impl.ShardMove;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Transaction;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A ledger over two databases (docs/architecture.md, "A ledger over several databases"): region b's
 * shards 1000-1031 in its home database, 1032-1063 in a second one. It runs on region b's
 * infrastructure (scripts/test.sh brings it up), whose books no other test writes: every writer of
 * region b's outboxes in the suite places its shards this way, so the books stay whole.
 */
@ExtendWith(VertxExtension.class)
class LedgerOverTwoDatabasesTest {

  private static final ShardRange REGION_B = new ShardRange(1000, 64);
  /** The home database's shards (TestEnvironment.regionBLedgerPlacement places the others in the second). */
  private static final IntPredicate FIRST_HALF = shard -> shard < 1032;
  private static LedgerDatabase home;
  private static LedgerDatabase second;
  private static LedgerPlacement placement;
  private static RedisBalanceCache cache;
  private static MoneyCore core;
  private static Pool homeSql;
  private static Pool secondSql;
  private static RedisClusterClient lettuce;
  private static StatefulRedisClusterConnection<String, String> redis;
  private LedgerWriter writer;
  private LedgerReader reader;
  private Pool readerHome;
  private Pool readerSecond;

  @BeforeAll
  static void start(Vertx vertx) {
    home = new LedgerDatabase(TestEnvironment.pgHost(), TestEnvironment.regionBPgPort(), TestEnvironment.pgDatabase(),
      TestEnvironment.pgUser(), TestEnvironment.pgPassword());
    placement = LedgerPlacement.parse(TestEnvironment.regionBLedgerPlacement(), home, REGION_B);
    second = placement.databases().get(1);
    LedgerMigrations.migrate(placement.as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword()),
      TestEnvironment.pgUser());
    cache = new RedisBalanceCache(vertx, BalanceCacheOptions.defaults(TestEnvironment.regionBRedisNodes())
      .withShards(REGION_B).withSweep(0, 0));
    Await.result(cache.start());
    core = new MoneyCore(cache);
    homeSql = superuserPool(vertx, home);
    secondSql = superuserPool(vertx, second);
    lettuce = RedisClusterClient.create(TestEnvironment.regionBRedisNodes().stream().map(RedisURI::create).toList());
    redis = lettuce.connect();
  }

  private static Pool superuserPool(Vertx vertx, LedgerDatabase database) {
    return PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(database.as("postgres",
      TestEnvironment.pgSuperuserPassword()))).using(vertx).build();
  }

  @AfterAll
  static void stop() {
    redis.close();
    lettuce.shutdown();
    Await.result(homeSql.close());
    Await.result(secondSql.close());
    Await.result(cache.close());
  }

  @BeforeEach
  void startWriter(Vertx vertx) {
    writer = startWriter(vertx, placement);
    readerHome = PgBuilder.pool().connectingTo(home.connectOptions()).using(vertx).build();
    readerSecond = PgBuilder.pool().connectingTo(second.connectOptions()).using(vertx).build();
    reader = LedgerReader.create(LedgerNodes.over(List.of(readerHome, readerSecond), placement));
  }

  @AfterEach
  void stopWriter() {
    Await.result(writer.stop());
    Await.result(readerHome.close());
    Await.result(readerSecond.close());
  }

  @Test
  @DisplayName("each shard's postings land in its shard's database, and history, balance then and a transfer across both read as from one ledger")
  void eachShardInItsDatabase() {
    Parties p = parties(10_000);
    WalletId inHome = p.inHome();
    WalletId inSecond = p.inSecond();
    TransferView there = transfer(inHome, inSecond, 2_500, p.alice());
    transfer(inSecond, inHome, 500, p.bob());

    awaitInTheLedger(List.of(inHome, inSecond));

    assertThat(entriesIn(homeSql, inHome)).isEqualTo(3);
    assertThat(entriesIn(secondSql, inHome)).isZero();
    assertThat(entriesIn(secondSql, inSecond)).isEqualTo(2);
    assertThat(entriesIn(homeSql, inSecond)).isZero();
    assertThat(Await.result(reader.entries(inSecond, 10, Optional.empty())).entries())
      .extracting(LedgerEntry::amount, LedgerEntry::balanceAfter).containsExactly(
        tuple(-500L, 2_000L), tuple(2_500L, 2_500L));
    PointInTimeBalance now = Await.result(reader.balanceAt(inSecond, Instant.now()));
    assertThat(List.of(now.available(), now.seq())).containsExactly(2_000L, core.wallet(inSecond).seq());
    LedgerTransfer across = Await.result(reader.transfer(there.id().value())).orElseThrow();
    assertThat(across.postings()).extracting(LedgerPosting::type).contains(PostingType.TRANSFER_DEBIT.wire(),
      PostingType.TRANSFER_CREDIT.wire());
    assertThat(across.status()).isEqualTo("completed");
    assertThat(entrySums(homeSql)).as("every posting balances in the home database").allSatisfy((currency, sum) ->
      assertThat(sum).isZero());
    assertThat(entrySums(secondSql)).as("and in the second").allSatisfy((currency, sum) -> assertThat(sum).isZero());
  }

  @Test
  @DisplayName("the AML monitors' reads see the movements of both databases, in recording order")
  void movementsOfBothDatabases() {
    Parties p = parties(4_000);
    String alice = p.alice();
    WalletId inHome = p.inHome();
    WalletId inSecond = p.inSecond();
    Instant from = Instant.now().minusSeconds(1);
    transfer(inHome, inSecond, 1_234, alice);
    awaitInTheLedger(List.of(inHome, inSecond));
    LedgerMovements movements = LedgerMovements.over(LedgerNodes.over(List.of(readerHome, readerSecond), placement));

    List<LedgerMovement> seen = Await.result(movements.ofWallets(List.of(inHome.value(), inSecond.value()), from,
      Instant.now()));
    List<LedgerPosition> recorded = Await.result(movements.postingsAfter(LedgerPosition.BEGINNING, Duration.ZERO,
      100_000));

    assertThat(seen).extracting(LedgerMovement::walletId, LedgerMovement::amountMinor).contains(
      tuple(inHome.value(), -1_234L),
      tuple(inSecond.value(), 1_234L));
    assertThat(recorded).as("in recording order over both").isSortedAccordingTo(
      Comparator.comparing(LedgerPosition::recordedAt).thenComparing(LedgerPosition::postingId));
    assertThat(recorded).extracting(LedgerPosition::postingId).as("postings of both databases")
      .contains(postingOf(homeSql, inHome, -1_234), postingOf(secondSql, inSecond, 1_234));
  }

  @Test
  @DisplayName("the AML monitors' reads in recording order stop before a transaction open in either database, which may "
    + "still commit postings stamped with its start, and go on once it ends")
  void postingsAfterStopBeforeAnOpenTransaction() {
    Parties p = parties(2_000);
    LedgerMovements movements = LedgerMovements.over(LedgerNodes.over(List.of(readerHome, readerSecond), placement));
    LedgerPosition fromNow = new LedgerPosition(Instant.now().minusSeconds(60), "");
    SqlConnection open = Await.result(readerSecond.getConnection());
    try {
      Transaction held = Await.result(open.begin());
      Await.result(open.query("SELECT 1").execute());
      transfer(p.inHome(), p.inSecond(), 777, p.alice());
      awaitInTheLedger(List.of(p.inHome(), p.inSecond()));
      List<String> movedAfterItOpened = List.of(postingOf(homeSql, p.inHome(), -777),
        postingOf(secondSql, p.inSecond(), 777));

      assertThat(postingIds(movements, fromNow)).as("recorded after the open transaction began, in the other database too")
        .doesNotContainAnyElementsOf(movedAfterItOpened);
      Await.result(held.rollback());
      assertThat(postingIds(movements, fromNow)).containsAll(movedAfterItOpened);
    } finally {
      Await.result(open.close());
    }
  }

  private static List<String> postingIds(LedgerMovements movements, LedgerPosition after) {
    return Await.result(movements.postingsAfter(after, Duration.ZERO, 100_000)).stream()
      .map(LedgerPosition::postingId).toList();
  }

  @Test
  @DisplayName("reconciliation compares each wallet with its own database, and finds one of the second that Redis disagrees with")
  void reconciliationOverBoth(Vertx vertx) {
    Parties p = parties(3_000);
    String alice = p.alice();
    WalletId inHome = p.inHome();
    WalletId inSecond = p.inSecond();
    transfer(inHome, inSecond, 700, alice);
    awaitInTheLedger(List.of(inHome, inSecond));
    Reconciliation reconciliation = Reconciliation.create(vertx, new ReconciliationOptions(placement,
      "two-databases-test", 60_000, ReconciliationOptions.DEFAULT_STALL_AFTER_MS), cache);
    String hash = inSecond.shard().tag() + ":w:" + inSecond.value();
    try {
      ReconciliationReport clean = Await.result(reconciliation.runOnce());
      assertThat(clean.discrepancies()).isEmpty();
      assertThat(clean.walletsBehind()).as("every wallet found in its own database").isZero();

      // the hot tier's side changed, so the ledger (and its totals) stay as they are
      redis.sync().hset(hash, "avail", "701");
      ReconciliationReport found = Await.result(reconciliation.runOnce());

      assertThat(found.discrepancies()).extracting(ReconciliationReport.Discrepancy::kind,
        ReconciliationReport.Discrepancy::subject).containsExactly(tuple(
        Kind.WALLET_BALANCE, inSecond.value()));
      assertThat(found.haltsRaised()).as("a wallet's own finding freezes the wallet, halts nothing").isEmpty();
      assertThat(core.wallet(inSecond).status()).isEqualTo(WalletStatus.FROZEN);
    } finally {
      redis.sync().hset(hash, "avail", "700");
      Await.result(reconciliation.stop());
    }
  }

  @Test
  @DisplayName("a hot tier rebuilt from both databases finishes a transfer debited in one and credited in the other once")
  void rebuildFromBoth(Vertx vertx) {
    Parties p = parties(5_000);
    String alice = p.alice();
    WalletId inHome = p.inHome();
    WalletId inSecond = p.inSecond();
    TransferView debitedOnly = debit(inHome, inSecond, 300, alice);
    TransferView credited = debit(inHome, inSecond, 400, alice);
    assertThat(Await.result(cache.saga().credit(credited))).isEqualTo(OutcomeCode.OK);
    awaitInTheLedger(List.of(inHome, inSecond));
    Await.result(writer.stop());

    redis.sync().flushall();
    RebuildReport report = Await.result(HotTierRebuild.run(vertx, cache, placement, 24 * 3_600_000L), 300);

    assertThat(report.pendingTransfers()).isGreaterThanOrEqualTo(2);
    assertThat(redis.sync().hget(inSecond.shard().tag() + ":in:" + credited.id().value(), "outcome"))
      .as("the credit's decision, from the second database").contains("OK");
    assertThat(core.available(inSecond)).isEqualTo(400);
    Eventually.await("the restored transfers to finish", Duration.ofSeconds(60), () -> {
      Await.result(cache.sweepPendingTransfers());
      return Await.result(cache.pendingMovements(inHome.shard())).isEmpty();
    });
    assertThat(core.available(inSecond)).as("300 once, the credited 400 not again").isEqualTo(700);
    assertThat(core.available(inHome)).isEqualTo(4_300);
    writer = startWriter(vertx, placement);
    awaitInTheLedger(List.of(inHome, inSecond));
  }

  @Test
  @DisplayName("a writer whose placement differs from the one the databases hold commits nothing there, and says why")
  void placementPinned(Vertx vertx) {
    // both databases have their shards pinned by the time anything else writes: this writer commits to both
    WalletId inHome = core.funded(ownerOn(FIRST_HALF), 100);
    WalletId inSecond = core.funded(ownerOn(FIRST_HALF.negate()), 100);
    awaitInTheLedger(List.of(inHome, inSecond));
    Await.result(writer.stop());
    // the home database's shards, which no test moves (a shard moved out and back would be followed, not refused)
    writer = startWriter(vertx, LedgerPlacement.parse("1000-1063=" + second, home, REGION_B));

    WalletId moved = core.funded(ownerOn(FIRST_HALF), 900);

    Eventually.await("the misplaced writer to refuse the shard's batch", Duration.ofSeconds(30), () ->
      String.valueOf(writer.metrics().failingShards().get(moved.shard().name())).contains("placement is fixed"));
    assertThat(entriesIn(homeSql, moved) + entriesIn(secondSql, moved)).as("nothing of it committed anywhere")
      .isZero();
    Await.result(writer.stop());
    writer = startWriter(vertx, placement);
    awaitInTheLedger(List.of(moved));
    assertThat(entriesIn(homeSql, moved)).as("its deposit, where the pinned placement keeps it").isEqualTo(1);
    assertThat(entriesIn(secondSql, moved)).isZero();
  }

  /**
   * A placement changed by hand instead of moving the shards: it gives half of the home database's
   * shards to a database created empty. Until 2026-12-06 the empty database was pinned with them and
   * their next postings committed there, apart from their history.
   */
  @Test
  @DisplayName("a writer whose placement gives an empty database shards another database holds does not pin it with "
    + "them, commits nothing of them there, and says why")
  void anEmptyDatabaseIsNotPinnedWithShardsHeldElsewhere(Vertx vertx) {
    IntPredicate givenAway = shard -> shard >= 1016 && shard < 1032;
    WalletId before = core.funded(ownerOn(givenAway), 100);
    awaitInTheLedger(List.of(before));
    String name = "wallet_empty_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    Pool postgres = superuserPool(vertx, new LedgerDatabase(home.host(), home.port(), "postgres", home.user(),
      home.password()));
    Await.result(postgres.query("CREATE DATABASE " + name + " OWNER " + TestEnvironment.pgOwner()).execute());
    Await.result(postgres.query("GRANT CONNECT, TEMPORARY ON DATABASE " + name + " TO " + TestEnvironment.pgUser())
      .execute());
    LedgerDatabase empty = new LedgerDatabase(home.host(), home.port(), name, home.user(), home.password());
    LedgerMigrations.migrate(empty.as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword()),
      TestEnvironment.pgUser());
    Pool emptySql = superuserPool(vertx, empty);
    Await.result(writer.stop());
    writer = startWriter(vertx, LedgerPlacement.parse("1016-1031=" + empty + ",1032-1063=" + second, home, REGION_B));
    WalletId after = null;
    try {
      after = core.funded(ownerOn(givenAway), 200);
      String shard = after.shard().name();
      Eventually.await("the writer to refuse the shard's batch", Duration.ofSeconds(30), () ->
        String.valueOf(writer.metrics().failingShards().get(shard)).contains("holds"));

      assertThat(count(emptySql, "SELECT count(*) FROM postings")).as("nothing committed there").isZero();
      assertThat(count(emptySql, "SELECT count(*) FROM ledger_shards")).as("nothing pinned there").isZero();
    } finally {
      Await.result(writer.stop());
      writer = startWriter(vertx, placement);
      Await.result(emptySql.close());
      Await.result(postgres.query("DROP DATABASE " + name + " WITH (FORCE)").execute());
      Await.result(postgres.close());
    }
    awaitInTheLedger(List.of(after));
    assertThat(entriesIn(homeSql, after)).as("its deposit, where its shard's history is").isEqualTo(1);
  }

  @Test
  @DisplayName("a reader whose placement sends a shard to a database that never held it is refused there, not "
    + "answered an empty history, a zero balance or no credit")
  void aDatabaseThatNeverHeldAShardRefusesItsReads() {
    WalletId inHome = core.funded(ownerOn(FIRST_HALF), 300);
    awaitInTheLedger(List.of(inHome));
    LedgerReader misplaced = LedgerReader.create(LedgerNodes.over(List.of(readerHome, readerSecond),
      LedgerPlacement.parse("1000-1063=" + second, home, REGION_B)));

    assertThatThrownBy(() -> Await.result(misplaced.entries(inHome, 10, Optional.empty())))
      .isInstanceOf(PlacementOutOfDateException.class).hasMessageContaining("never held");
    assertThatThrownBy(() -> Await.result(misplaced.balanceAt(inHome, Instant.now())))
      .isInstanceOf(PlacementOutOfDateException.class);
    assertThat(Await.result(reader.entries(inHome, 10, Optional.empty())).entries()).as("where it is").hasSize(1);
  }

  private static long count(Pool database, String query) {
    return Await.result(database.query(query).execute()).iterator().next().getLong(0);
  }

  @Test
  @DisplayName("a shard moved to the home database and back while its wallet pays and the writer runs: the writer follows each move, history whole where the shard is")
  void aShardMoves(Vertx vertx) throws Exception {
    WalletId staying = core.open(ownerOn(FIRST_HALF.negate()));
    WalletId mover = core.funded(ownerOn(shard -> shard == 1040), 1_000);
    transfer(mover, staying, 100, core.wallet(mover).ownerId());
    awaitInTheLedger(List.of(staying, mover));
    ShardRange shard = new ShardRange(1040, 1);
    LedgerPlacement owners = placement.as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword());
    LedgerPlacement after = placement.moving(shard, placement.home());
    Instant beforeTheMove = Instant.now();

    try (Payments payments = Payments.start(mover, staying)) {
      ShardMove.Report report = new ShardMove(owners, REGION_B, shard, owners.database("home")).run();
      payments.awaitMore(20);
      assertThat(report.placement()).isEqualTo(after.spec());
      // a process not given the new placement yet reads the database the shard left: refused, not empty
      assertThatThrownBy(() -> Await.result(reader.entries(mover, 10, Optional.empty())))
        .hasMessageContaining("out-of-date WALLET_LEDGER_PLACEMENT");
      assertThatThrownBy(() -> Await.result(reader.balanceAt(mover, Instant.now())))
        .hasMessageContaining("out-of-date WALLET_LEDGER_PLACEMENT");
      // an edge, which can open pools, follows the move instead
      LedgerNodes edge = LedgerNodes.opening(readerHome, placement,
        database -> PgBuilder.pool().connectingTo(database.connectOptions()).using(vertx).build());
      try {
        assertThat(Await.result(LedgerReader.create(edge).unrecordedFrom(List.of(mover, staying), List.of())))
          .as("what a balance at an instant asks first, of an edge that follows the move").isEmpty();
        assertThat(Await.result(LedgerReader.create(edge).balanceAt(mover, beforeTheMove)).available())
          .as("an edge that follows the move").isEqualTo(900);
      } finally {
        Await.result(edge.closeOpened());
      }
    }
    reader = LedgerReader.create(LedgerNodes.over(List.of(readerHome, readerSecond), after));
    awaitInTheLedger(List.of(mover, staying));
    long left = core.wallet(mover).available();
    assertThat(entriesIn(homeSql, mover)).as("its whole history (the deposit, 100, then units), moved and new, by the "
      + "writer started with the old placement").isEqualTo(2 + 900 - left);
    assertThat(entriesIn(secondSql, mover)).isZero();
    assertThat(Await.result(reader.entries(mover, 1, Optional.empty())).entries())
      .extracting(LedgerEntry::balanceAfter).containsExactly(left);
    assertThat(entrySums(homeSql)).as("each database still sums to zero").allSatisfy((currency, sum) ->
      assertThat(sum).isZero());
    assertThat(entrySums(secondSql)).allSatisfy((currency, sum) -> assertThat(sum).isZero());
    Reconciliation reconciliation = Reconciliation.create(vertx, new ReconciliationOptions(placement,
      "two-databases-test", 60_000, ReconciliationOptions.DEFAULT_STALL_AFTER_MS), cache);
    try {
      ReconciliationReport followed = Await.result(reconciliation.runOnce());
      assertThat(followed.discrepancies()).as("reconciliation started with the first placement follows the move too")
        .isEmpty();
      assertThat(followed.walletsBehind()).isZero();
    } finally {
      Await.result(reconciliation.stop());
    }

    // back where the rest of the suite's region b expects it, paying all along again
    try (Payments payments = Payments.start(mover, staying)) {
      new ShardMove(owners.moving(shard, owners.home()), REGION_B, shard, owners.databaseOf(new ShardId(1040))).run();
      payments.awaitMore(20);
    }
    reader = LedgerReader.create(LedgerNodes.over(List.of(readerHome, readerSecond), placement));
    awaitInTheLedger(List.of(mover));
    assertThat(entriesIn(secondSql, mover)).as("moved back whole, the writer following again")
      .isEqualTo(2 + 900 - core.wallet(mover).available());
    assertThat(entriesIn(homeSql, mover)).isZero();
  }

  @Test
  @DisplayName("reconciliation started with two databases sums the books after a move emptied the second into the home one")
  void totalsAfterAMoveEmptiedADatabase(Vertx vertx) throws Exception {
    Parties p = parties(2_000);
    transfer(p.inHome(), p.inSecond(), 300, p.alice());
    awaitInTheLedger(List.of(p.inHome(), p.inSecond()));
    ShardRange secondHalf = new ShardRange(1032, 32);
    LedgerPlacement owners = placement.as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword());
    new ShardMove(owners, REGION_B, secondHalf, owners.database("home")).run();
    try {
      Reconciliation reconciliation = Reconciliation.create(vertx, new ReconciliationOptions(placement,
        "two-databases-test", 60_000, ReconciliationOptions.DEFAULT_STALL_AFTER_MS), cache);
      try {
        ReconciliationReport report = Await.result(reconciliation.runOnce());
        assertThat(report.globalChecks()).isTrue();
        assertThat(report.discrepancies()).isEmpty();
        assertThat(report.ledgerTotals()).as("the one database's books, summed").containsEntry("USD", 0L);
      } finally {
        Await.result(reconciliation.stop());
      }
    } finally {
      new ShardMove(owners.moving(secondHalf, owners.home()), REGION_B, secondHalf, owners.databaseOf(new ShardId(1032)))
        .run();
    }
  }

  /** One unit at a time from a wallet to another, on a thread of its own, until closed. */
  private static final class Payments implements AutoCloseable {

    private final AtomicInteger made = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile boolean stopped;
    private final Thread thread;

    private Payments(WalletId from, WalletId to) {
      String owner = core.wallet(from).ownerId();
      thread = new Thread(() -> {
        while (!stopped && failure.get() == null) {
          try {
            transfer(from, to, 1, owner);
            made.incrementAndGet();
          } catch (Throwable t) {
            failure.set(t);
          }
        }
      }, "payments");
    }

    static Payments start(WalletId from, WalletId to) {
      Payments payments = new Payments(from, to);
      payments.thread.start();
      return payments;
    }

    /** Until {@code more} payments after this call went through. */
    void awaitMore(int more) {
      int target = made.get() + more;
      Eventually.await(more + " more payments", Duration.ofSeconds(30), () -> made.get() >= target
        || failure.get() != null);
      assertThat(failure.get()).as("a payment failed").isNull();
    }

    @Override
    public void close() throws InterruptedException {
      stopped = true;
      thread.join();
      assertThat(failure.get()).as("a payment failed").isNull();
    }
  }

  private static LedgerWriter startWriter(Vertx vertx, LedgerPlacement where) {
    LedgerWriter started = LedgerWriter.create(vertx, LedgerWriterOptions.defaults(TestEnvironment.regionBRedisNodes(),
      REGION_B, where, "two-databases-" + UUID.randomUUID()));
    Await.result(started.start());
    return started;
  }

  /** Alice's funded wallet on a shard of the home database, and Bob's empty one on a shard of the second. */
  private record Parties(String alice, WalletId inHome, String bob, WalletId inSecond) {
  }

  private static Parties parties(long funding) {
    String alice = ownerOn(FIRST_HALF);
    String bob = ownerOn(FIRST_HALF.negate());
    return new Parties(alice, core.funded(alice, funding), bob, core.open(bob));
  }

  /** An owner whose home shard, where the money core opens its wallets, is one {@code half} accepts. */
  private static String ownerOn(IntPredicate half) {
    while (true) {
      String candidate = owner();
      if (half.test(REGION_B.homeOf(candidate).number())) {
        return candidate;
      }
    }
  }

  private static TransferView transfer(WalletId from, WalletId to, long minor, String owner) {
    var outcome = Await.result(core.transfer(from, to, minor, owner));
    assertThat(outcome.code()).isEqualTo(OutcomeCode.OK);
    return outcome.value();
  }

  private static TransferView debit(WalletId from, WalletId to, long minor, String owner) {
    Transfer transfer = new Transfer(from, to, new Money(minor, USD), owner, MoneyCore.key(owner));
    TransferView view = Await.result(cache.saga().debit(transfer, TransferId.random(from.shard()))).value();
    assertThat(view.status().wire()).isEqualTo("pending");
    return view;
  }

  /** Each wallet's ledger at its Redis sequence, through the reader (so in its shard's database). */
  private void awaitInTheLedger(List<WalletId> wallets) {
    Eventually.await("the ledger to hold every posting of " + wallets, Duration.ofSeconds(30), () -> wallets.stream()
      .allMatch(wallet -> {
        Wallet hot = core.wallet(wallet);
        return Await.result(reader.balanceAt(wallet, Instant.now().plusSeconds(60))).seq() == hot.seq();
      }));
  }

  private static long entriesIn(Pool database, WalletId wallet) {
    return Await.result(database.preparedQuery("SELECT count(*) FROM entries WHERE account_id = $1")
      .execute(Tuple.of(wallet.value()))).iterator().next().getLong(0);
  }

  private static Map<String, Long> entrySums(Pool database) {
    Map<String, Long> sums = new HashMap<>();
    Await.result(database.query("SELECT currency, sum(amount)::bigint AS total FROM entries GROUP BY currency").execute())
      .forEach(row -> sums.put(row.getString("currency").trim(), row.getLong("total")));
    return sums;
  }

  private static String postingOf(Pool database, WalletId wallet, long amount) {
    return Await.result(database.preparedQuery("SELECT posting_id FROM entries WHERE account_id = $1 AND amount = $2")
      .execute(Tuple.of(wallet.value(), amount))).iterator().next().getString(0);
  }

}
