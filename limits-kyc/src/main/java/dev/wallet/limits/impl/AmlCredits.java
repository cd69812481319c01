package dev.wallet.limits.impl;

import dev.wallet.ledger.LedgerMovement;
import dev.wallet.ledger.LedgerMovements;
import dev.wallet.ledger.LedgerMovements.Credited;
import dev.wallet.limits.model.AmlRules;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * What came into each wallet, summed by minute as the monitor passes the movements, in the
 * monitor's transaction (limits.aml_credits). Summing a window in the ledger instead read every
 * credit of every wallet that sent money in the batch, for every batch: a busy wallet's whole window
 * each time (docs/benchmarks.md, "The AML monitor summed whole windows"). A movement counts in its
 * minute once its posting is passed; a credit recorded after a debit of its wallet is counted at
 * that wallet's next debit, as it was when the ledger had not recorded it yet.
 */
final class AmlCredits {

  /** The longest window the rules allow, and an hour for a monitor that runs behind. */
  static final Duration KEPT = Duration.ofMinutes(AmlRules.MAX_RAPID_WINDOW_MINUTES).plusHours(1);

  private final SqlConnection conn;
  private final LedgerMovements ledger;
  private final Instant countedFrom;

  /**
   * @param countedFrom the sums hold every movement created from then on; a window starting earlier
   *                    is summed in the ledger
   */
  AmlCredits(SqlConnection conn, LedgerMovements ledger, Instant countedFrom) {
    this.conn = conn;
    this.ledger = ledger;
    this.countedFrom = countedFrom;
  }

  /** Counts the incoming movements among {@code movements}, returns of money sent before included. */
  Future<Void> add(List<LedgerMovement> movements) {
    List<LedgerMovement> incoming = movements.stream().filter(m -> !m.outgoing()).toList();
    if (incoming.isEmpty()) {
      return Future.succeededFuture();
    }
    Tuple columns = Tuple.of(incoming.stream().map(LedgerMovement::walletId).toArray(String[]::new),
      incoming.stream().map(LedgerMovement::currency).toArray(String[]::new),
      incoming.stream().map(m -> PgCompliance.utc(m.createdAt())).toArray(OffsetDateTime[]::new),
      incoming.stream().map(LedgerMovement::size).toArray(Long[]::new));
    return conn.preparedQuery(SqlQueries.ADD_CREDITS).execute(columns).mapEmpty();
  }

  /**
   * What came into each of {@code walletIds} within [from, to], per currency, at least: the minutes
   * the window touches, whole.
   */
  Future<List<Credited>> credited(List<String> walletIds, Instant from, Instant to) {
    if (from.isBefore(countedFrom)) {
      return ledger.credited(walletIds, from, to);
    }
    return conn.preparedQuery(SqlQueries.CREDITS_IN_WINDOW)
      .execute(Tuple.of(walletIds.toArray(String[]::new), PgCompliance.utc(from), PgCompliance.utc(to)))
      .map(rows -> {
        List<Credited> credited = new ArrayList<>();
        rows.forEach(row -> credited.add(new Credited(row.getString("wallet_id"), row.getString("currency"),
          row.getLong("credited"))));
        return credited;
      });
  }

  /**
   * Forgets the minutes wholly before {@code before}; answers from when the sums are whole after
   * that: the start of {@code before}'s minute, which is kept (until 2026-12-06 the minute was
   * deleted with the credits of its seconds after {@code before}, and a window starting in them was
   * summed short).
   */
  Future<Instant> forgetBefore(Instant before) {
    Instant minute = before.truncatedTo(ChronoUnit.MINUTES);
    return conn.preparedQuery(SqlQueries.PRUNE_CREDITS).execute(Tuple.of(PgCompliance.utc(minute)))
      .map(minute.isAfter(countedFrom) ? minute : countedFrom);
  }
}
