package dev.wallet.ledger.impl;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxRecord.AccountEvent;
import dev.wallet.balancecache.outbox.OutboxRecord.OutboxEntry;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a batch of outbox records in one transaction: accounts first (wallets from their
 * opening, system accounts on first sight), then the journal of postings, their entries and
 * account events. Every insert is idempotent on the record's own id, so a redelivered batch
 * changes nothing.
 */
final class LedgerStore {

  private final Pool pool;

  LedgerStore(Pool pool) {
    this.pool = pool;
  }

  /** A record and where it sits in its shard's stream. */
  record Positioned(String streamId, OutboxRecord record) {
  }

  Future<Void> write(List<Positioned> batch) {
    return pool.withTransaction(conn -> insertAccounts(conn, batch)
      .compose(done -> insertPostings(conn, batch))
      .compose(done -> insertEntries(conn, batch))
      .compose(done -> insertAccountEvents(conn, batch)));
  }

  private Future<Void> insertAccounts(SqlConnection conn, List<Positioned> batch) {
    Map<String, Object[]> accounts = new LinkedHashMap<>();
    for (Positioned p : batch) {
      OutboxRecord r = p.record();
      if (r.type().equals("wallet_opened")) {
        AccountEvent a = r.account().orElseThrow();
        accounts.put(a.id(), new Object[] {a.id(), "wallet", a.owner().orElseThrow(), a.currency().orElseThrow(),
          a.type().orElseThrow(), r.shard(), time(r)});
      }
      for (OutboxEntry e : r.entries()) {
        if (!isWallet(e.account())) {
          accounts.putIfAbsent(e.account(), new Object[] {e.account(), "system", null, e.currency(), null, r.shard(),
            time(r)});
        }
      }
    }
    return accounts.isEmpty() ? Future.succeededFuture() : execute(conn, SqlQueries.INSERT_ACCOUNTS,
      columns(new ArrayList<>(accounts.values()), 7, new Class<?>[] {String.class, String.class, String.class,
        String.class, String.class, String.class, OffsetDateTime.class}));
  }

  private Future<Void> insertPostings(SqlConnection conn, List<Positioned> batch) {
    List<Object[]> rows = new ArrayList<>();
    for (Positioned p : batch) {
      OutboxRecord r = p.record();
      rows.add(new Object[] {r.id(), r.type(), r.shard(), r.reference().orElse(null), time(r), p.streamId()});
    }
    return execute(conn, SqlQueries.INSERT_POSTINGS, columns(rows, 6, new Class<?>[] {String.class, String.class,
      String.class, String.class, OffsetDateTime.class, String.class}));
  }

  private Future<Void> insertEntries(SqlConnection conn, List<Positioned> batch) {
    List<Object[]> rows = new ArrayList<>();
    for (Positioned p : batch) {
      OutboxRecord r = p.record();
      for (int i = 0; i < r.entries().size(); i++) {
        OutboxEntry e = r.entries().get(i);
        rows.add(new Object[] {r.id(), (short) i, e.account(), e.bucket(), e.amount(), e.currency(), e.balanceAfter(),
          e.seq(), time(r)});
      }
    }
    return rows.isEmpty() ? Future.succeededFuture() : execute(conn, SqlQueries.INSERT_ENTRIES, columns(rows, 9,
      new Class<?>[] {String.class, Short.class, String.class, String.class, Long.class, String.class, Long.class,
        Long.class, OffsetDateTime.class}));
  }

  private Future<Void> insertAccountEvents(SqlConnection conn, List<Positioned> batch) {
    List<Object[]> rows = new ArrayList<>();
    for (Positioned p : batch) {
      OutboxRecord r = p.record();
      if (r.type().equals("wallet_status")) {
        AccountEvent a = r.account().orElseThrow();
        rows.add(new Object[] {r.id(), a.id(), r.type(), a.status().orElse(null), a.previous().orElse(null),
          a.reason().orElse(null), time(r), p.streamId()});
      }
    }
    return rows.isEmpty() ? Future.succeededFuture() : execute(conn, SqlQueries.INSERT_ACCOUNT_EVENTS, columns(rows, 8,
      new Class<?>[] {String.class, String.class, String.class, String.class, String.class, String.class,
        OffsetDateTime.class, String.class}));
  }

  private static Future<Void> execute(SqlConnection conn, String sql, Tuple arrays) {
    return conn.preparedQuery(sql).execute(arrays).mapEmpty();
  }

  /** Turns rows into one array per column, the shape unnest takes. */
  private static Tuple columns(List<Object[]> rows, int width, Class<?>[] types) {
    Tuple tuple = Tuple.tuple();
    for (int c = 0; c < width; c++) {
      Object[] column = (Object[]) java.lang.reflect.Array.newInstance(types[c], rows.size());
      for (int r = 0; r < rows.size(); r++) {
        column[r] = rows.get(r)[c];
      }
      tuple.addValue(column);
    }
    return tuple;
  }

  private static boolean isWallet(String accountId) {
    try {
      new WalletId(accountId);
      return true;
    } catch (IllegalArgumentException notAWallet) {
      return false;
    }
  }

  private static OffsetDateTime time(OutboxRecord r) {
    return r.at().atOffset(ZoneOffset.UTC);
  }
}
