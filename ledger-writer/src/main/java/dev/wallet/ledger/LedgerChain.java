package dev.wallet.ledger;

import dev.wallet.ledger.ChainVerification.BrokenLink;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The tamper evidence of the ledger. Each entry's hash is sha256(previous entry's hash of the
 * same account || canonical content), computed by the database on insert (ledger_entry_link) in
 * the account's (seq, idx) order. This class recomputes every chain from the content alone, with
 * its own code, and names the first link that does not hold: an entry changed after the fact
 * (its own hash no longer matches) or a hash rewritten to match (the next link breaks).
 * Blocking (JDBC): run it from a main or inside executeBlocking.
 */
public final class LedgerChain {

  /** Every entry with what the chain commits to, account by account in chain order. */
  private static final String CHAIN = """
    SELECT e.account_id, e.seq, e.idx, e.posting_id, p.type, p.reference, p.idempotency_scope, e.bucket, e.amount,
           e.currency, e.balance_after, e.created_at, e.hash
      FROM entries e JOIN postings p ON p.id = e.posting_id AND p.created_at = e.created_at
     ORDER BY e.account_id, e.seq, e.idx""";
  private static final int FETCH_SIZE = 5_000;

  private LedgerChain() {
  }

  public static ChainVerification verify(LedgerDatabase database) throws SQLException {
    try (Connection conn = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password())) {
      conn.setAutoCommit(false);
      conn.setReadOnly(true);
      try (PreparedStatement statement = conn.prepareStatement(CHAIN)) {
        statement.setFetchSize(FETCH_SIZE);
        try (ResultSet rows = statement.executeQuery()) {
          return walk(rows);
        }
      } finally {
        conn.rollback();
      }
    }
  }

  private static ChainVerification walk(ResultSet rows) throws SQLException {
    String account = null;
    byte[] previous = new byte[0];
    long accounts = 0;
    long entries = 0;
    while (rows.next()) {
      if (!rows.getString("account_id").equals(account)) {
        account = rows.getString("account_id");
        previous = new byte[0];
        accounts++;
      }
      entries++;
      byte[] expected = link(previous, canonical(rows));
      byte[] stored = rows.getBytes("hash");
      if (!Arrays.equals(expected, stored)) {
        return new ChainVerification(accounts, entries, Optional.of(new BrokenLink(account, rows.getLong("seq"),
          rows.getInt("idx"), rows.getString("posting_id"), HexFormat.of().formatHex(stored),
          HexFormat.of().formatHex(expected))));
      }
      previous = stored;
    }
    return new ChainVerification(accounts, entries, Optional.empty());
  }

  private static String canonical(ResultSet r) throws SQLException {
    return canonical(r.getString("account_id"), r.getLong("seq"), r.getInt("idx"), r.getString("posting_id"),
      r.getString("type"), r.getString("reference"), r.getString("idempotency_scope"), r.getString("bucket"),
      r.getLong("amount"), r.getString("currency").trim(), r.getLong("balance_after"),
      r.getObject("created_at", OffsetDateTime.class).toInstant());
  }

  /** The same text as the database's ledger_entry_canonical(): length-prefixed strings, '|' between fields. */
  static String canonical(String accountId, long seq, int idx, String postingId, String postingType, String reference,
                          String scope, String bucket, long amount, String currency, long balanceAfter,
                          Instant createdAt) {
    return String.join("|", field(accountId), Long.toString(seq), Integer.toString(idx), field(postingId),
      field(postingType), field(reference), field(scope), bucket, Long.toString(amount), currency,
      Long.toString(balanceAfter), Long.toString(ChronoUnit.MICROS.between(Instant.EPOCH, createdAt)));
  }

  static byte[] link(byte[] previous, String canonical) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      sha256.update(previous);
      return sha256.digest(canonical.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  private static String field(String value) {
    return value == null ? "~" : value.codePointCount(0, value.length()) + ":" + value;
  }
}
