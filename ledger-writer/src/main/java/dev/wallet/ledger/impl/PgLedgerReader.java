package dev.wallet.ledger.impl;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.ledger.EntryPage;
import dev.wallet.ledger.LedgerEntry;
import dev.wallet.ledger.LedgerReader;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/** The ledger's reads, with keyset pagination over (seq, bucket) so pages never shift. */
public final class PgLedgerReader implements LedgerReader {

  public static final int MAX_LIMIT = 200;

  private final Pool pool;

  public PgLedgerReader(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<EntryPage> entries(WalletId wallet, int limit, Optional<String> cursor) {
    if (limit < 1 || limit > MAX_LIMIT) {
      return Future.failedFuture(new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT));
    }
    Position after;
    try {
      after = cursor.map(Position::decode).orElse(Position.START);
    } catch (IllegalArgumentException malformed) {
      return Future.failedFuture(malformed);
    }
    return pool.preparedQuery(SqlQueries.ENTRIES_PAGE)
      .execute(Tuple.of(wallet.value(), after.seq(), after.bucket(), limit + 1))
      .map(rows -> page(rows, limit));
  }

  @Override
  public Future<Void> ping() {
    return pool.query("SELECT 1").execute().mapEmpty();
  }

  private static EntryPage page(RowSet<Row> rows, int limit) {
    List<LedgerEntry> entries = new ArrayList<>();
    for (Row row : rows) {
      entries.add(entry(row));
    }
    if (entries.size() <= limit) {
      return new EntryPage(entries, Optional.empty());
    }
    List<LedgerEntry> page = entries.subList(0, limit);
    LedgerEntry last = page.get(limit - 1);
    return new EntryPage(List.copyOf(page), Optional.of(new Position(last.seq(), last.bucket()).encode()));
  }

  private static LedgerEntry entry(Row row) {
    return new LedgerEntry(row.getString("posting_id") + "/" + row.getInteger("idx"), row.getString("posting_id"),
      row.getString("reference"), row.getString("type"), row.getString("bucket"), row.getLong("amount"),
      row.getString("currency"), row.getLong("balance_after"), row.getLong("seq"),
      row.getOffsetDateTime("created_at").toInstant());
  }

  /** Where a page ends: entries are ordered by seq descending, then bucket ascending. */
  record Position(long seq, String bucket) {

    static final Position START = new Position(Long.MAX_VALUE, "");

    String encode() {
      return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((seq + ":" + bucket).getBytes(StandardCharsets.UTF_8));
    }

    static Position decode(String cursor) {
      try {
        String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(":", 2);
        if (parts.length != 2 || !(parts[1].equals("available") || parts[1].equals("held"))) {
          throw new IllegalArgumentException("malformed cursor");
        }
        return new Position(Long.parseLong(parts[0]), parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("malformed cursor", e);
      }
    }
  }

}
