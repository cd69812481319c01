package dev.wallet.ledger.impl;

import dev.wallet.ledger.MoneyHalt;
import dev.wallet.ledger.MoneyHalts;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** See {@link MoneyHalts}; every statement in {@link SqlQueries}. */
public final class PgMoneyHalts implements MoneyHalts {

  private final Pool pool;

  public PgMoneyHalts(Pool pool) {
    this.pool = pool;
  }

  @Override
  public Future<List<MoneyHalt>> open() {
    return pool.query(SqlQueries.OPEN_HALTS).execute().map(PgMoneyHalts::halts);
  }

  @Override
  public Future<Optional<MoneyHalt>> raise(Discrepancy finding, String instance, Instant runStartedAt) {
    return pool.preparedQuery(SqlQueries.RAISE_HALT)
      .execute(Tuple.of(finding.kind().name(), finding.subject(), finding.evidence(), instance,
        runStartedAt.atOffset(ZoneOffset.UTC)))
      .map(rows -> halts(rows).stream().findFirst());
  }

  @Override
  public Future<List<MoneyHalt>> releaseAll(String releasedBy, String reason) {
    if (releasedBy == null || releasedBy.isBlank() || reason == null || reason.isBlank()) {
      return Future.failedFuture(new IllegalArgumentException("a release needs who releases and why"));
    }
    return pool.preparedQuery(SqlQueries.RELEASE_ALL_HALTS).execute(Tuple.of(releasedBy, reason))
      .map(PgMoneyHalts::halts);
  }

  @Override
  public Future<List<MoneyHalt>> release(List<Long> ids, String releasedBy, String reason) {
    if (releasedBy == null || releasedBy.isBlank() || reason == null || reason.isBlank()) {
      return Future.failedFuture(new IllegalArgumentException("a release needs who releases and why"));
    }
    return pool.preparedQuery(SqlQueries.RELEASE_HALTS).execute(Tuple.tuple().addString(releasedBy)
        .addString(reason).addArrayOfLong(ids.toArray(Long[]::new)))
      .map(PgMoneyHalts::halts);
  }

  private static List<MoneyHalt> halts(RowSet<Row> rows) {
    List<MoneyHalt> halts = new ArrayList<>();
    rows.forEach(r -> halts.add(new MoneyHalt(r.getLong("id"), Kind.valueOf(r.getString("kind")),
      r.getString("subject"), r.getString("evidence"), r.getString("raised_by"),
      r.getOffsetDateTime("raised_at").toInstant())));
    return halts;
  }
}
