package dev.wallet.ledger;

/** How to reach the ledger's PostgreSQL database as one role. */
public record LedgerDatabase(String host, int port, String database, String user, String password) {

  public String jdbcUrl() {
    return "jdbc:postgresql://" + host + ":" + port + "/" + database;
  }

  public LedgerDatabase as(String otherUser, String otherPassword) {
    return new LedgerDatabase(host, port, database, otherUser, otherPassword);
  }
}
