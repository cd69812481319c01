package dev.wallet.ledger.impl;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerMigrations;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * A ledger database of a test's own on the development PostgreSQL, migrated, for ledgers made up by
 * hand (which must not reach the database the other suites share), dropped by {@link #drop}.
 */
final class FreshLedger {

  final LedgerDatabase database;
  final Pool app;
  private final String name;

  private FreshLedger(String name, LedgerDatabase database, Pool app) {
    this.name = name;
    this.database = database;
    this.app = app;
  }

  static FreshLedger create(Vertx vertx, String prefix) throws SQLException {
    String name = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    superuser("CREATE DATABASE " + name + " OWNER " + TestEnvironment.pgOwner());
    superuser("GRANT CONNECT, TEMPORARY ON DATABASE " + name + " TO " + TestEnvironment.pgUser());
    LedgerDatabase database = new LedgerDatabase(TestEnvironment.pgHost(), TestEnvironment.pgPort(), name,
      TestEnvironment.pgUser(), TestEnvironment.pgPassword());
    LedgerMigrations.migrate(database.as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword()),
      TestEnvironment.pgUser());
    return new FreshLedger(name, database, PgBuilder.pool().connectingTo(database.connectOptions()).using(vertx).build());
  }

  void drop() throws SQLException {
    Await.result(app.close());
    superuser("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  }

  private static void superuser(String sql) throws SQLException {
    String url = "jdbc:postgresql://" + TestEnvironment.pgHost() + ":" + TestEnvironment.pgPort() + "/postgres";
    try (Connection c = DriverManager.getConnection(url, "postgres", TestEnvironment.pgSuperuserPassword());
         Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
