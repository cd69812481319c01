package dev.wallet.ledger.impl;

import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.ledger.LedgerMovement;
import dev.wallet.ledger.LedgerMovements;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.LedgerPosition;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link LedgerMovements} over the ledger's postings, entries and accounts, in every database of the
 * ledger: each query runs on all of them and their rows are merged in the order the query promises
 * (one database's rows are already in it).
 */
public final class PgLedgerMovements implements LedgerMovements {

  private static final Comparator<Row> RECORDED = Comparator
    .comparing((Row row) -> row.getOffsetDateTime("recorded_at")).thenComparing(row -> row.getString("id"));
  private static final Comparator<Row> CREATED = Comparator
    .comparing((Row row) -> row.getOffsetDateTime("created_at")).thenComparing(row -> row.getString("id"));

  private final LedgerNodes nodes;

  public PgLedgerMovements(LedgerNodes nodes) {
    this.nodes = nodes;
  }

  /**
   * A database's first {@code limit} postings after the position are the only ones of it that can be
   * among the first {@code limit} of all, so the merge of those is exact. None is read at or after the
   * start of the oldest transaction open in any of the databases: it may still commit postings
   * stamped with its start, behind the position a reader saves (until 2026-12-06 only {@code settle}
   * guarded that, and a ledger transaction open longer, waiting for its shard's lock, had its postings
   * passed over by the AML monitors). The oldest of all databases, because the position is one.
   */
  @Override
  public Future<List<LedgerPosition>> postingsAfter(LedgerPosition after, Duration settle, int limit) {
    return OpenTransactions.oldestStart(nodes).compose(oldest -> {
      Tuple args = Tuple.of(utc(after.recordedAt()), after.postingId(), limit, settle.toMillis(), utc(oldest));
      return nodes.everywhere(SqlQueries.POSTINGS_AFTER, args);
    }).map(rows -> rows.stream().sorted(RECORDED).limit(limit).map(PgLedgerMovements::position).toList())
      .compose(first -> first.size() < limit ? Future.succeededFuture(first) : withTheRestOfItsTransaction(first));
  }

  /**
   * A transaction's postings share their {@code recorded_at} and are read by id, which says nothing of
   * when they were made: a batch that ends inside one had a wallet's credit in the next batch and its
   * debit, made later, in this one, where the AML monitors' sums did not have the credit yet, and the
   * next batch judged the credit alone (until 2026-12-07). A batch now ends with its last transaction.
   */
  private Future<List<LedgerPosition>> withTheRestOfItsTransaction(List<LedgerPosition> first) {
    LedgerPosition last = first.get(first.size() - 1);
    return nodes.everywhere(SqlQueries.POSTINGS_RECORDED_WITH, Tuple.of(utc(last.recordedAt()), last.postingId()))
      .map(rest -> {
        List<LedgerPosition> whole = new ArrayList<>(first);
        rest.stream().sorted(RECORDED).map(PgLedgerMovements::position).forEach(whole::add);
        return whole;
      });
  }

  private static LedgerPosition position(Row row) {
    return new LedgerPosition(row.getOffsetDateTime("recorded_at").toInstant(), row.getString("id"));
  }

  @Override
  public Future<List<LedgerMovement>> movementsOf(List<String> postingIds) {
    return movements(SqlQueries.MOVEMENTS_OF, Tuple.of(postingIds.toArray(String[]::new)), RECORDED, Long.MAX_VALUE);
  }

  @Override
  public Future<List<LedgerMovement>> madeByOwner(String ownerId, String currency, Instant from, Instant to,
                                                  long floorMinor, long belowMinor) {
    return movements(SqlQueries.MADE_BY_OWNER, Tuple.of(ownerId, currency, utc(from), utc(to), floorMinor, belowMinor),
      CREATED, Long.MAX_VALUE);
  }

  @Override
  public Future<List<LedgerMovement>> ofWallets(List<String> walletIds, Instant from, Instant to) {
    return withStripes(walletIds).compose(accounts -> movements(SqlQueries.WALLETS_MOVEMENTS,
      Tuple.of(accounts.keySet().toArray(String[]::new), utc(from), utc(to)), CREATED, Long.MAX_VALUE));
  }

  @Override
  public Future<List<Credited>> credited(List<String> walletIds, Instant from, Instant to) {
    return withStripes(walletIds).compose(walletOf -> nodes.everywhere(SqlQueries.CREDITED,
        Tuple.of(walletOf.keySet().toArray(String[]::new), utc(from), utc(to)))
      .map(rows -> {
        Map<List<String>, Long> sums = new LinkedHashMap<>();
        rows.forEach(row -> sums.merge(List.of(walletOf.get(row.getString("account_id")),
          row.getString("currency").trim()), row.getLong("credited"), Long::sum));
        List<Credited> credited = new ArrayList<>();
        sums.forEach((walletAndCurrency, sum) -> credited.add(new Credited(walletAndCurrency.get(0),
          walletAndCurrency.get(1), sum)));
        return credited;
      }));
  }

  /**
   * Each of {@code walletIds} as itself, and each credit stripe of those that are hot merchants as
   * its merchant wallet: the accounts whose legs are those wallets' movements.
   */
  private Future<Map<String, String>> withStripes(List<String> walletIds) {
    return nodes.everywhere(SqlQueries.STRIPES_OF, Tuple.of(walletIds.toArray(String[]::new)))
      .map(rows -> {
        Map<String, String> walletOf = new LinkedHashMap<>();
        walletIds.forEach(id -> walletOf.put(id, id));
        rows.forEach(row -> walletOf.put(row.getString("id"), row.getString("parent_id")));
        return walletOf;
      });
  }

  @Override
  public Future<List<LedgerMovement>> atOrAbove(Map<String, Long> thresholdMinorByCurrency, Instant from, Instant to,
                                                int limit) {
    String[] currencies = thresholdMinorByCurrency.keySet().toArray(String[]::new);
    Long[] thresholds = new Long[currencies.length];
    for (int i = 0; i < currencies.length; i++) {
      thresholds[i] = thresholdMinorByCurrency.get(currencies[i]);
    }
    return movements(SqlQueries.AT_OR_ABOVE, Tuple.of(utc(from), utc(to), currencies, thresholds, limit),
      CREATED.thenComparing(row -> row.getString("account_id")), limit);
  }

  private Future<List<LedgerMovement>> movements(String sql, Tuple args, Comparator<Row> order, long limit) {
    return nodes.everywhere(sql, args).map(rows -> rows.stream().sorted(order).limit(limit)
      .map(row -> new LedgerMovement(row.getString("id"), PostingType.fromWire(row.getString("type")),
        row.getOffsetDateTime("created_at").toInstant(), row.getString("account_id"), row.getString("owner_id"),
        row.getLong("amount"), row.getString("currency").trim()))
      .toList());
  }

  private static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
