package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.TestEnvironment;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A development database at V1 moves forward: its rows land in the partitioned tables, chained and balanced. */
class LedgerMigrationTest {

  private static final String SCHEMA = "v1_forward_test";

  @AfterEach
  void dropSchema() throws SQLException {
    sql("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
  }

  @Test
  @DisplayName("V1 rows from two months migrate into monthly partitions, each account chained in sequence order")
  void v1RowsMoveForward() throws SQLException {
    dropSchema();
    flyway("1").migrate();
    sql("""
      INSERT INTO accounts VALUES ('w0001_aaaaaaaaaaaaaaaaaaaaaaaa', 'wallet', 'alice', 'USD', 'personal', 's0001',
                                   '2026-09-01T00:00:00Z'),
                                  ('clearing.sandbox:USD:s0001', 'system', null, 'USD', null, 's0001',
                                   '2026-09-01T00:00:00Z');
      INSERT INTO postings (id, type, shard, reference, created_at, stream_id) VALUES
        ('d1', 'deposit', 's0001', 'r1', '2026-09-03T10:00:00.123Z', '1-0'),
        ('d2', 'deposit', 's0001', 'r2', '2026-10-03T10:00:00.456Z', '2-0');
      INSERT INTO entries VALUES
        ('d1', 0, 'w0001_aaaaaaaaaaaaaaaaaaaaaaaa', 'available', 100, 'USD', 100, 1, '2026-09-03T10:00:00.123Z'),
        ('d1', 1, 'clearing.sandbox:USD:s0001', 'available', -100, 'USD', -100, 1, '2026-09-03T10:00:00.123Z'),
        ('d2', 0, 'w0001_aaaaaaaaaaaaaaaaaaaaaaaa', 'available', 50, 'USD', 150, 2, '2026-10-03T10:00:00.456Z'),
        ('d2', 1, 'clearing.sandbox:USD:s0001', 'available', -50, 'USD', -150, 2, '2026-10-03T10:00:00.456Z')""");

    flyway(null).migrate();

    try (Connection conn = owner(); Statement st = conn.createStatement();
         ResultSet rows = st.executeQuery("""
           SELECT e.tableoid::regclass::text AS part, e.account_id, e.seq, e.idx, e.posting_id, p.type, p.reference,
                  p.idempotency_scope, e.bucket, e.amount, e.currency, e.balance_after, e.created_at, e.hash
             FROM entries e JOIN postings p ON p.id = e.posting_id AND p.created_at = e.created_at
            ORDER BY e.account_id, e.seq, e.idx""")) {
      int count = 0;
      String account = null;
      byte[] previous = new byte[0];
      while (rows.next()) {
        count++;
        if (!rows.getString("account_id").equals(account)) {
          account = rows.getString("account_id");
          previous = new byte[0];
        }
        byte[] expected = LedgerChain.link(previous, LedgerChain.canonical(account, rows.getLong("seq"),
          rows.getInt("idx"), rows.getString("posting_id"), rows.getString("type"), rows.getString("reference"),
          rows.getString("idempotency_scope"), rows.getString("bucket"), rows.getLong("amount"),
          rows.getString("currency").trim(), rows.getLong("balance_after"),
          rows.getObject("created_at", OffsetDateTime.class).toInstant()));
        assertThat(rows.getBytes("hash")).as("link " + account + " seq " + rows.getLong("seq")).isEqualTo(expected);
        assertThat(rows.getString("part")).endsWith(rows.getLong("seq") == 1 ? "entries_y2026m09" : "entries_y2026m10");
        previous = expected;
      }
      assertThat(count).isEqualTo(4);
    }
    try (Connection conn = owner(); Statement st = conn.createStatement();
         ResultSet partitions = st.executeQuery("SELECT count(*) FROM pg_class WHERE relnamespace = '" + SCHEMA
           + "'::regnamespace AND relname = to_char(now(), '\"postings_y\"YYYY\"m\"MM')")) {
      partitions.next();
      assertThat(partitions.getInt(1)).as("this month's partition in the ledger's own schema").isEqualTo(1);
    }
  }

  private static Flyway flyway(String target) {
    var config = Flyway.configure()
      .dataSource(LedgerFixture.ownerDatabase().jdbcUrl(), TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword())
      .locations("classpath:db/migration")
      .schemas(SCHEMA)
      .placeholders(Map.of("app_role", TestEnvironment.pgUser()));
    return (target == null ? config : config.target(target)).load();
  }

  private static Connection owner() throws SQLException {
    Connection conn = DriverManager.getConnection(LedgerFixture.ownerDatabase().jdbcUrl() + "?currentSchema=" + SCHEMA,
      TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword());
    return conn;
  }

  private static void sql(String statements) throws SQLException {
    try (Connection conn = owner(); Statement st = conn.createStatement()) {
      st.execute(statements);
    }
  }
}
