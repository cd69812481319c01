package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.sql.SQLException;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.TimeZone;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ledger's month partitions, made by whichever process needs one first. */
@ExtendWith(VertxExtension.class)
class MonthPartitionsTest {

  @Test
  @DisplayName("a month's partitions begin at its first instant in UTC, whatever the TimeZone of the session that "
    + "makes them")
  void monthsAreBoundedInUtc(Vertx vertx) throws SQLException {
    FreshLedger ledger = FreshLedger.create(vertx, "months");
    try {
      String bounds = Await.result(ledger.app.withConnection(conn -> conn.query("SET TimeZone = 'Europe/Berlin'")
        .execute()
        .compose(set -> conn.preparedQuery("SELECT ledger_ensure_month($1::date)")
          .execute(Tuple.of(LocalDate.of(2031, 3, 1))))
        .compose(made -> conn.query("SET TimeZone = 'UTC'").execute())
        .compose(set -> conn.query("SELECT pg_get_expr(relpartbound, oid) AS bounds FROM pg_class "
          + "WHERE relname = 'entries_y2031m03'").execute())
        .map(rows -> rows.iterator().next().getString("bounds"))));

      assertThat(bounds).isEqualTo("FOR VALUES FROM ('2031-03-01 00:00:00+00') TO ('2031-04-01 00:00:00+00')");
    } finally {
      ledger.drop();
    }
  }

  @Test
  @DisplayName("a month made while a reader holds the ledger gives up within seconds (lock_not_available) instead of "
    + "stopping every insert and read behind its lock, and is made once the reader is done")
  void aMonthMadeBesideAReaderDoesNotWaitForIt(Vertx vertx) throws SQLException {
    FreshLedger ledger = FreshLedger.create(vertx, "months");
    SqlConnection reader = Await.result(ledger.app.getConnection());
    try {
      Await.result(reader.query("BEGIN").execute());
      Await.result(reader.query("SELECT count(*) FROM entries").execute());

      Throwable refused = catchThrowable(() -> Await.result(ledger.app
        .preparedQuery("SELECT ledger_ensure_month($1::date)").execute(Tuple.of(LocalDate.of(2031, 5, 1))), 20));
      Await.result(reader.query("COMMIT").execute());
      Await.result(ledger.app.preparedQuery("SELECT ledger_ensure_month($1::date)")
        .execute(Tuple.of(LocalDate.of(2031, 5, 1))));
      long made = Await.result(ledger.app.query("SELECT count(*) AS n FROM pg_class WHERE relname IN "
        + "('postings_y2031m05', 'entries_y2031m05')").execute()).iterator().next().getLong("n");

      assertThat(refused).isInstanceOf(PgException.class);
      assertThat(((PgException) refused).getSqlState()).isEqualTo("55P03");
      assertThat(made).isEqualTo(2);
    } finally {
      Await.result(reader.close());
      ledger.drop();
    }
  }

  @Test
  @DisplayName("the writer makes this month's partitions and the next two months' ahead")
  void theNextTwoMonthsAreMadeAhead(Vertx vertx) throws SQLException {
    FreshLedger ledger = FreshLedger.create(vertx, "months");
    try {
      Await.result(StreamLedgerWriter.monthsAhead(new LedgerStore(ledger.app, dev.wallet.ledger.InsertMode.UNNEST)));
      LocalDate month = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
      List<String> expected = List.of(0, 1, 2).stream().map(month::plusMonths)
        .flatMap(m -> List.of("postings", "entries").stream()
          .map(table -> String.format("%s_y%04dm%02d", table, m.getYear(), m.getMonthValue())))
        .toList();

      long made = Await.result(ledger.app.preparedQuery("SELECT count(*) AS n FROM pg_class WHERE relname = ANY($1)")
        .execute(Tuple.of(expected.toArray(String[]::new)))).iterator().next().getLong("n");

      assertThat(made).as("partitions " + expected).isEqualTo(expected.size());
    } finally {
      ledger.drop();
    }
  }

  @Test
  @DisplayName("the months the first migration makes begin in UTC too, migrated from a JVM in another zone")
  void migratedMonthsAreBoundedInUtc(Vertx vertx) throws SQLException {
    TimeZone zone = TimeZone.getDefault();
    FreshLedger ledger;
    TimeZone.setDefault(TimeZone.getTimeZone("Europe/Berlin"));
    try {
      ledger = FreshLedger.create(vertx, "months");
    } finally {
      TimeZone.setDefault(zone);
    }
    try {
      LocalDate month = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
      String bounds = Await.result(ledger.app.withConnection(conn -> conn.query("SET TimeZone = 'UTC'").execute()
        .compose(set -> conn.preparedQuery("SELECT pg_get_expr(relpartbound, oid) AS bounds FROM pg_class "
          + "WHERE relname = $1").execute(Tuple.of(String.format("entries_y%04dm%02d", month.getYear(),
            month.getMonthValue()))))
        .map(rows -> rows.iterator().next().getString("bounds"))));

      assertThat(bounds).isEqualTo("FOR VALUES FROM ('" + month + " 00:00:00+00') TO ('" + month.plusMonths(1)
        + " 00:00:00+00')");
    } finally {
      ledger.drop();
    }
  }
}
