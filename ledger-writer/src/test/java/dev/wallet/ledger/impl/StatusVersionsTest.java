package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.LedgerFixture;
import dev.wallet.ledger.LedgerMigrations;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The status a rebuild restores: a wallet's last change by version, whatever the clock said. */
@ExtendWith(VertxExtension.class)
class StatusVersionsTest {

  private Pool app;

  @BeforeEach
  void start(Vertx vertx) {
    LedgerMigrations.migrate(LedgerFixture.ownerDatabase(), TestEnvironment.pgUser());
    app = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.appDatabase())).using(vertx).build();
  }

  @AfterEach
  void stop() {
    Await.result(app.close());
  }

  @Test
  @DisplayName("eleven status changes, the last two in one millisecond: the eleventh (frozen) is the wallet's status, "
    + "not the ninth, which sorts last as text")
  void theHighestVersionIsTheLast() {
    String wallet = String.format("w0003_%024x", System.nanoTime());
    OffsetDateTime opened = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1);
    OffsetDateTime sameMillisecond = opened.plusSeconds(30);
    // in a transaction rolled back at the end: the ledger is append-only and shared with the other suites
    Row row = Await.result(app.getConnection().compose(conn -> conn.begin().compose(tx -> {
      Future<RowSet<Row>> written = conn.preparedQuery(SqlQueries.INSERT_ACCOUNT_ROW).execute(Tuple.tuple()
        .addString(wallet).addString("wallet").addString("owner-" + wallet).addString("USD").addString("personal")
        .addString("s0003").addOffsetDateTime(opened).addString(null));
      for (int version = 1; version <= 11; version++) {
        String status = version % 2 == 1 && version != 11 ? "active" : "frozen";
        OffsetDateTime at = version >= 9 ? sameMillisecond : opened.plusSeconds(version);
        Tuple event = Tuple.tuple().addString(wallet + ".status." + version).addString(wallet)
          .addString("wallet_status").addString(status).addString(null).addString("test").addOffsetDateTime(at)
          .addString("0-" + version);
        written = written.compose(done -> conn.preparedQuery(SqlQueries.INSERT_ACCOUNT_EVENT_ROW).execute(event));
      }
      return written.compose(done -> conn.preparedQuery("SELECT * FROM (" + SqlQueries.ACCOUNT_STATUSES
          + ") s WHERE account_id = $1").execute(Tuple.of(wallet)))
        .map(rows -> rows.iterator().next())
        .eventually(() -> tx.rollback().eventually(conn::close));
    })));

    assertThat(row.getString("status")).isEqualTo("frozen");
    assertThat(row.getLong("versions")).isEqualTo(11);
  }

  @Test
  @DisplayName("a credit stripe frozen for itself, then closed by a copy of its merchant's close: its status is closed, "
    + "its own status frozen, which a later copy does not lift")
  void aStripesOwnStatusIsItsLastChangeThatWasNotACopy() {
    String merchant = String.format("w0003_%024x", System.nanoTime());
    String stripe = String.format("w0004_%024x", System.nanoTime());
    OffsetDateTime opened = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1);
    Row row = Await.result(app.getConnection().compose(conn -> conn.begin().compose(tx -> {
      Future<RowSet<Row>> written = conn.preparedQuery(SqlQueries.INSERT_ACCOUNT_ROW).execute(Tuple.tuple()
        .addString(stripe).addString("wallet").addString("shop").addString("USD").addString("merchant")
        .addString("s0004").addOffsetDateTime(opened).addString(merchant));
      written = written.compose(done -> conn.preparedQuery(SqlQueries.INSERT_ACCOUNT_EVENT_ROW)
        .execute(statusEvent(stripe, 1, "frozen", "reconciliation: a finding about it", opened.plusSeconds(1))));
      written = written.compose(done -> conn.preparedQuery(SqlQueries.INSERT_ACCOUNT_EVENT_ROW)
        .execute(statusEvent(stripe, 2, "closed", "copied from its merchant wallet " + merchant, opened.plusSeconds(2))));
      return written.compose(done -> conn.preparedQuery("SELECT * FROM (" + SqlQueries.ACCOUNT_STATUSES
          + ") s WHERE account_id = $1").execute(Tuple.of(stripe)))
        .map(rows -> rows.iterator().next())
        .eventually(() -> tx.rollback().eventually(conn::close));
    })));

    assertThat(row.getString("status")).isEqualTo("closed");
    assertThat(row.getString("own_status")).isEqualTo("frozen");
    assertThat(row.getLong("versions")).isEqualTo(2);
  }

  private static Tuple statusEvent(String wallet, int version, String status, String reason, OffsetDateTime at) {
    return Tuple.tuple().addString(wallet + ".status." + version).addString(wallet).addString("wallet_status")
      .addString(status).addString(null).addString(reason).addOffsetDateTime(at).addString("0-" + version);
  }
}
