package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ledger defends itself: the application can only append, and what a superuser changes shows. */
@ExtendWith(VertxExtension.class)
class AppendOnlyLedgerTest {

  private LedgerFixture ledger;
  private BalanceCache cache;
  private MoneyCore core;
  private Pool app;
  private Pool superuser;
  private WalletId wallet;
  private WalletId receiver;

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    cache = ledger.moneyCore();
    core = new MoneyCore(cache);
    app = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.appDatabase())).using(vertx).build();
    superuser = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.superuserDatabase()))
      .using(vertx).build();
    ledger.startWriter();
    String alice = owner();
    wallet = core.funded(alice, 1_000);
    receiver = core.openNear(owner(), wallet);
    Await.result(core.transfer(wallet, receiver, 250, alice));
    ledger.awaitDrained(Duration.ofSeconds(30));
  }

  @AfterEach
  void stop() {
    Await.result(app.close());
    Await.result(superuser.close());
    ledger.close();
  }

  @Test
  @DisplayName("UPDATE, DELETE and TRUNCATE from the application role all fail, on every ledger table")
  void applicationCannotChangeHistory() {
    Map<String, String> aColumn = Map.of("entries", "amount", "postings", "type", "accounts", "owner_id",
      "account_events", "status", "reconciliation_runs", "ok");
    for (String table : aColumn.keySet()) {
      assertRefused(app, "UPDATE " + table + " SET " + aColumn.get(table) + " = " + aColumn.get(table), table);
      assertRefused(app, "DELETE FROM " + table, table);
      assertRefused(app, "TRUNCATE " + table, table);
    }
    assertThat(ledger.count("SELECT count(*) FROM entries WHERE account_id = $1", wallet.value())).isEqualTo(2);
  }

  @Test
  @DisplayName("the owner role, which could be granted anything, is refused by the triggers: rows, and partitions too")
  void triggersRefuseEvenTheOwner() {
    Pool owner = ledger.pool();
    String partition = partitionOf(owner);

    assertSqlState(owner, "UPDATE entries SET amount = amount + 1 WHERE account_id = '" + wallet.value() + "'", "WL003");
    assertSqlState(owner, "DELETE FROM postings WHERE reference IS NOT NULL", "WL003");
    assertSqlState(owner, "TRUNCATE entries CASCADE", "WL003");
    assertSqlState(owner, "TRUNCATE " + partition, "WL003");
    assertSqlState(owner, "DELETE FROM " + partition + " WHERE account_id = '" + wallet.value() + "'", "WL003");
    assertSqlState(owner, "UPDATE " + partition + " SET amount = amount WHERE account_id = '" + wallet.value() + "'",
      "WL003");
    // the first timestamp of every posting id, which refuses a posting that comes again with another
    // (until 2026-12-07 the owner could change or delete it)
    assertSqlState(owner, "UPDATE ledger_posting_ids SET created_at = created_at + interval '1 second'", "WL003");
    assertSqlState(owner, "DELETE FROM ledger_posting_ids", "WL003");
    assertSqlState(owner, "TRUNCATE ledger_posting_ids", "WL003");
  }

  @Test
  @DisplayName("the database refuses a posting that does not sum to zero, and an entry that skips its account's sequence")
  void databaseKeepsPostingsBalancedAndSequencesWhole() {
    String shard = wallet.shard().name();
    String unbalanced = "test-unbalanced-" + System.nanoTime();
    Throwable oneSided = failure(ledger.pool().withTransaction(conn -> insertPosting(conn, unbalanced, shard)
      .compose(done -> insertEntry(conn, unbalanced, 0, wallet.value(), 5, 755, 3))));
    assertThat(sqlState(oneSided)).as(oneSided.toString()).isEqualTo("23514");

    String skipping = "test-skip-" + System.nanoTime();
    Throwable gap = failure(ledger.pool().withTransaction(conn -> insertPosting(conn, skipping, shard)
      .compose(done -> insertEntry(conn, skipping, 0, wallet.value(), 5, 755, 9))));
    assertThat(sqlState(gap)).as(gap.toString()).isEqualTo("WL001");
    assertThat(ledger.count("SELECT count(*) FROM postings WHERE id IN ($1, $2)", unbalanced, skipping)).isZero();
  }

  @Test
  @DisplayName("the database refuses an entry whose posting it does not hold, and one whose account it does not hold"
    + " (the chain trigger checks both: there are no foreign keys to do it since V15)")
  void entriesNeedTheirPostingAndAccount() {
    String entry = "INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq,"
      + " created_at) VALUES ($1, 0, $2, 'available', 5, 'USD', 755, 3, now())";
    String noPosting = "test-no-posting-" + System.nanoTime();
    Throwable orphan = failure(app.withTransaction(conn -> conn.preparedQuery(entry)
      .execute(Tuple.of(noPosting, wallet.value()))));
    assertThat(sqlState(orphan)).as(orphan.toString()).isEqualTo("23503");

    String posting = "test-no-account-" + System.nanoTime();
    String unknown = WalletId.random(wallet.shard()).value();
    Throwable noAccount = failure(app.withTransaction(conn -> insertPosting(conn, posting, wallet.shard().name())
      .compose(done -> insertEntry(conn, posting, 0, unknown, 5, 5, 1))));
    assertThat(sqlState(noAccount)).as(noAccount.toString()).isEqualTo("WL001");
    assertThat(ledger.count("SELECT count(*) FROM entries WHERE posting_id IN ($1, $2)", noPosting, posting)).isZero();
  }

  @Test
  @DisplayName("an amount a superuser changes behind the triggers is named by the chain verifier, and so is a hash rewritten to match")
  void chainVerifierFindsTampering() throws Exception {
    assertThat(LedgerChain.verify(LedgerFixture.appDatabase()).firstBroken()).as("chain before tampering").isEmpty();
    Row first = Await.result(ledger.pool().preparedQuery(
        "SELECT posting_id, idx, created_at, amount, hash FROM entries WHERE account_id = $1 AND seq = 1")
      .execute(Tuple.of(wallet.value()))).iterator().next();
    try {
      tamper("UPDATE entries SET amount = amount + 100 WHERE account_id = $1 AND seq = 1", wallet.value());
      ChainVerification changed = LedgerChain.verify(LedgerFixture.appDatabase());
      assertThat(changed.firstBroken()).hasValueSatisfying(link -> {
        assertThat(link.accountId()).isEqualTo(wallet.value());
        assertThat(link.seq()).isEqualTo(1);
      });

      tamper("UPDATE entries SET hash = sha256(convert_to(ledger_entry_canonical(account_id, seq, idx, posting_id,"
        + " (SELECT type FROM postings p WHERE p.id = posting_id), (SELECT reference FROM postings p WHERE p.id = posting_id), (SELECT idempotency_scope FROM"
        + " postings p WHERE p.id = posting_id), bucket, amount, currency, balance_after, created_at), 'UTF8'))"
        + " WHERE account_id = $1 AND seq = 1", wallet.value());
      ChainVerification rehashed = LedgerChain.verify(LedgerFixture.appDatabase());
      assertThat(rehashed.firstBroken()).hasValueSatisfying(link -> {
        assertThat(link.accountId()).isEqualTo(wallet.value());
        assertThat(link.seq()).as("the next link no longer follows").isEqualTo(2);
      });
    } finally {
      tamper("UPDATE entries SET amount = " + first.getLong("amount") + ", hash = '\\x"
        + HexFormat.of().formatHex(first.getBuffer("hash").getBytes()) + "' WHERE account_id = $1 AND seq = 1",
        wallet.value());
    }
    assertThat(LedgerChain.verify(LedgerFixture.appDatabase()).firstBroken()).as("chain once restored").isEmpty();
  }

  private void tamper(String sql, String param) {
    Await.result(superuser.withConnection(conn -> conn.query("SET session_replication_role = replica").execute()
      .compose(off -> conn.preparedQuery(sql).execute(Tuple.of(param)))
      .eventually(() -> conn.query("SET session_replication_role = origin").execute())));
  }

  /** 42501: the role lacks the privilege; WL003: the append-only trigger refused. */
  private static void assertRefused(Pool pool, String sql, String table) {
    Throwable refused = failure(pool.query(sql).execute());
    assertThat(sqlState(refused)).as(sql + ": " + refused).isIn("42501", "WL003");
  }

  private static void assertSqlState(Pool pool, String sql, String state) {
    Throwable refused = failure(pool.query(sql).execute());
    assertThat(sqlState(refused)).as(sql + ": " + refused).isEqualTo(state);
  }

  @Test
  @DisplayName("a posting id arriving again with another timestamp is refused, from another month's partition too, "
    + "and the application role cannot reach the ids the check keeps")
  void postingIdKeepsItsTimestamp() {
    String id = "test-twice-" + System.nanoTime();
    String insert = "INSERT INTO postings (id, type, shard, created_at, stream_id) VALUES ($1, $2, $3, now() + make_interval(months => $4),"
      + " '0-1') ON CONFLICT (id, created_at) DO NOTHING";
    Throwable diverged = failure(app.withConnection(conn -> conn.query("BEGIN").execute()
      .compose(begun -> conn.preparedQuery(insert).execute(postingRow(id, 0)))
      .compose(first -> conn.preparedQuery(insert).execute(postingRow(id, 0)))
      .compose(again -> {
        assertThat(again.rowCount()).as("the same posting again is a redelivery, dropped").isZero();
        return conn.preparedQuery(insert).execute(postingRow(id, 1));
      })
      .eventually(() -> conn.query("ROLLBACK").execute())));
    assertThat(sqlState(diverged)).as(diverged.toString()).isEqualTo("WL002");
    assertThat(ledger.count("SELECT count(*) FROM postings WHERE id = $1", id)).isZero();

    assertSqlState(app, "SELECT count(*) FROM ledger_posting_ids", "42501");
    assertSqlState(app, "DELETE FROM ledger_posting_ids", "42501");
  }

  @Test
  @DisplayName("a posting id arriving again with its timestamp but another type or reference is refused as a divergence,"
    + " not dropped as a redelivery")
  void redeliveredPostingIsCompared() {
    String shard = wallet.shard().name();
    String transfer = PostingType.TRANSFER.wire();
    for (Tuple changed : List.of(Tuple.of(PostingType.PAYMENT.wire(), shard, "order-1"),
      Tuple.of(transfer, shard, "order-2"), Tuple.of(transfer, "s9999", "order-1"))) {
      String id = "test-again-" + System.nanoTime();
      String insert = "INSERT INTO postings (id, type, shard, reference, created_at, stream_id) VALUES ($1, $2, $3, $4,"
        + " now(), '0-1') ON CONFLICT (id, created_at) DO NOTHING";
      Tuple recorded = Tuple.of(id, transfer, shard, "order-1");
      Throwable diverged = failure(app.withConnection(conn -> conn.query("BEGIN").execute()
        .compose(begun -> conn.preparedQuery(insert).execute(recorded))
        .compose(first -> conn.preparedQuery(insert).execute(recorded))
        .compose(again -> {
          assertThat(again.rowCount()).as("the same posting again is a redelivery, dropped").isZero();
          return conn.preparedQuery(insert).execute(Tuple.of(id, changed.getString(0), changed.getString(1),
            changed.getString(2)));
        })
        .eventually(() -> conn.query("ROLLBACK").execute())));
      assertThat(sqlState(diverged)).as(changed.getString(0) + " " + changed.getString(1) + " "
        + changed.getString(2) + ": " + diverged).isEqualTo("WL002");
    }
  }

  @Test
  @DisplayName("an entry arriving again under its id is compared with the one recorded, whatever its account's chain"
    + " holds: the same content is dropped, other content is refused as a divergence, never dropped or left waiting")
  void redeliveredEntryIsComparedWhereverItsAccountStands() {
    Row debit = Await.result(ledger.pool().preparedQuery(
        "SELECT posting_id, idx, amount, balance_after, created_at FROM entries WHERE account_id = $1 AND seq = 2")
      .execute(Tuple.of(wallet.value()))).iterator().next();
    String insert = "INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq,"
      + " created_at) VALUES ($1, $2, $3, 'available', $4, 'USD', $5, $6, $7) ON CONFLICT (posting_id, idx, created_at)"
      + " DO NOTHING";

    int dropped = Await.result(app.withTransaction(conn -> conn.preparedQuery(insert)
      .execute(redelivery(debit, wallet, 2)))).rowCount();
    assertThat(dropped).as("the same entry again is a redelivery, dropped").isZero();

    Throwable otherAccount = failure(app.withTransaction(conn -> conn.preparedQuery(insert)
      .execute(redelivery(debit, receiver, 2))));
    assertThat(sqlState(otherAccount)).as("next in the receiver's chain: " + otherAccount).isEqualTo("WL002");
    Throwable seqAhead = failure(app.withTransaction(conn -> conn.preparedQuery(insert)
      .execute(redelivery(debit, wallet, 7))));
    assertThat(sqlState(seqAhead)).as("ahead of its own chain: " + seqAhead).isEqualTo("WL002");
    assertThat(ledger.count("SELECT count(*) FROM entries WHERE account_id = $1", receiver.value())).isEqualTo(1);
  }

  /** The recorded entry's id, amount and balance, as if delivered again for {@code account} at {@code seq}. */
  private static Tuple redelivery(Row recorded, WalletId account, long seq) {
    return Tuple.of(recorded.getString("posting_id"), recorded.getShort("idx"), account.value(),
      recorded.getLong("amount"), recorded.getLong("balance_after"), seq, recorded.getOffsetDateTime("created_at"));
  }

  private Tuple postingRow(String id, int monthsLater) {
    return Tuple.of(id, PostingType.TRANSFER.wire(), wallet.shard().name(), monthsLater);
  }

  private static Throwable failure(Future<?> attempt) {
    Future<?> settled = Await.result(attempt.<Future<?>>transform(done -> Future.succeededFuture(done.failed()
      ? Future.failedFuture(done.cause()) : Future.succeededFuture())));
    assertThat(settled.failed()).as("the statement was refused").isTrue();
    return settled.cause();
  }

  private static String sqlState(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof PgException pg) {
        return pg.getSqlState();
      }
    }
    return "no SQLSTATE in " + failure;
  }

  private String partitionOf(Pool owner) {
    return Await.result(owner.preparedQuery("SELECT tableoid::regclass::text AS p FROM entries WHERE account_id = $1")
      .execute(Tuple.of(wallet.value()))).iterator().next().getString("p");
  }

  private static Future<Void> insertPosting(SqlConnection conn, String id, String shard) {
    return conn.preparedQuery("INSERT INTO postings (id, type, shard, created_at, stream_id) VALUES ($1, $2, $3,"
      + " now(), '0-1')").execute(Tuple.of(id, PostingType.TRANSFER.wire(), shard)).mapEmpty();
  }

  private static Future<Void> insertEntry(SqlConnection conn, String posting, int idx, String account, long amount,
                                          long balanceAfter, long seq) {
    return conn.preparedQuery("INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency,"
        + " balance_after, seq, created_at) SELECT $1, $2, $3, 'available', $4, 'USD', $5, $6, created_at"
        + " FROM postings WHERE id = $1")
      .execute(Tuple.of(posting, (short) idx, account, amount, balanceAfter, seq)).mapEmpty();
  }
}
