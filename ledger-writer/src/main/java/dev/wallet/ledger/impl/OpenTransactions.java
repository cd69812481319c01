package dev.wallet.ledger.impl;

import dev.wallet.ledger.LedgerNodes;
import io.vertx.core.Future;
import java.time.Instant;

/**
 * Where a reader that follows the ledger in recording order may safely read up to: a transaction
 * still open may yet commit postings stamped with its start (recorded_at is its now()), so nothing
 * at or after the start of the oldest one is final.
 */
final class OpenTransactions {

  private OpenTransactions() {
  }

  /** The start of the oldest transaction open in any of the ledger's databases now, or now. */
  static Future<Instant> oldestStart(LedgerNodes ledger) {
    return ledger.everywhere(SqlQueries.OLDEST_OPEN_TRANSACTION).map(rows -> rows.stream()
      .map(row -> row.getOffsetDateTime("since").toInstant()).min(Instant::compareTo).orElseThrow());
  }
}
