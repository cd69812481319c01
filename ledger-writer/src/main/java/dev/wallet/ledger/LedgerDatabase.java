package dev.wallet.ledger;

import io.vertx.pgclient.PgConnectOptions;

/** How to reach the ledger's PostgreSQL database as one role. */
public record LedgerDatabase(String host, int port, String database, String user, String password) {

  /**
   * The connection options every pool of the wallet uses. Prepared statements are cached per
   * connection: without that, every execution parsed and planned its statement again (an insert
   * into the partitioned, trigger-guarded ledger included).
   */
  public PgConnectOptions connectOptions() {
    return new PgConnectOptions().setHost(host).setPort(port).setDatabase(database).setUser(user)
      .setPassword(password).setCachePreparedStatements(true);
  }

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  /** Whether {@code other} is the same database on the same server, whoever connects. */
  public boolean sameDatabase(LedgerDatabase other) {
    return host.equals(other.host) && port == other.port && database.equals(other.database);
  }

  @Override
  public String toString() {
    return host + ":" + port + "/" + database;
  }

  public LedgerDatabase as(String otherUser, String otherPassword) {
    return new LedgerDatabase(host, port, database, otherUser, otherPassword);
  }
}
