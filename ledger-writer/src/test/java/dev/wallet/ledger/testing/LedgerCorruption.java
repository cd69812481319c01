package dev.wallet.ledger.testing;

import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Damage no application path can do, for the tests of what notices it: as a superuser with the
 * ledger's triggers off, a one-sided posting of 7 units of XTS (the ISO test currency), so the
 * ledger's XTS total is 7 until it is removed again.
 */
public final class LedgerCorruption {

  private LedgerCorruption() {
  }

  public static void corrupt(Pool superuser, String posting) {
    OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC);
    asSuperuser(superuser, List.of(
      new Statement("INSERT INTO accounts (id, kind, currency, shard, opened_at) VALUES ($1, 'system', 'XTS', 'test', $2)",
        account(posting), at),
      new Statement("INSERT INTO postings (id, type, shard, created_at, stream_id) VALUES ($1, $2, 'test', $3, '0-0')",
        posting, PostingType.TRANSFER.wire(), at),
      new Statement("INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq,"
        + " created_at, hash) VALUES ($1, 0, $2, 'available', 7, 'XTS', 7, 1, $3, sha256('x'::bytea))",
        posting, account(posting), at)));
  }

  public static void uncorrupt(Pool superuser, String posting) {
    asSuperuser(superuser, List.of(
      new Statement("DELETE FROM entries WHERE posting_id = $1", posting),
      new Statement("DELETE FROM postings WHERE id = $1", posting),
      new Statement("DELETE FROM accounts WHERE id = $1", account(posting))));
  }

  public record Statement(String sql, Object... params) {
  }

  /** The statements in order, on one connection, with the triggers off. */
  public static void asSuperuser(Pool superuser, List<Statement> statements) {
    Await.result(superuser.withConnection(conn -> conn.query("SET session_replication_role = replica").execute()
      .compose(off -> Sequential.forEach(statements, statement -> conn.preparedQuery(statement.sql())
        .execute(Tuple.from(statement.params()))))
      .eventually(() -> conn.query("SET session_replication_role = origin").execute())));
  }

  private static String account(String posting) {
    return "corrupt:XTS:" + posting;
  }
}
