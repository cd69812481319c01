package dev.wallet.ledger.impl;

import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In Redis, over all shards and per currency, the in-transit accounts must hold exactly the
 * amounts of the cross-shard movements that are debited and not yet credited (a credit moves the
 * amount out of transit on the destination's shard; a reversal back out on the source's). The
 * shards cannot be read at one instant, so only a settled reading counts
 * ({@link HotTierAccess.InTransitReading}: no in-transit account changed while the movements were
 * read, and the difference is then exact), and a difference is reported when {@link #AGREEING}
 * settled readings show it alike. An unsettled reading may show a movement under way as a
 * difference; three alike unsettled readings of one unit did (2026-11-30, 200 cross-shard transfers
 * of one cent a second) and halted all money movement for nothing.
 *
 * <p>While cross-shard movements never pause for the length of a reading (tens of milliseconds),
 * no reading settles within {@link #ATTEMPTS}, and the check says so in the log and in the run's
 * report ({@code inTransitChecked} false): each in-transit account is still compared with the
 * ledger by the per-account reconciliation, {@link MovementStepsCheck} accounts for what they hold
 * movement by movement in the ledger, and this check concludes at the first pause.
 *
 * <p>No key is searched for: the in-transit accounts read are those the ledger knows (an account
 * gets a balance only through postings, which all reach the ledger) plus those of the pending
 * movements, which the money core reads from each shard's pending set.
 */
final class InTransitCheck {

  private static final Logger LOG = LoggerFactory.getLogger(InTransitCheck.class);
  private static final int ATTEMPTS = 10;
  private static final int AGREEING = 2;

  private long unsettledRuns;

  /** Whether the check concluded, and what it found if it did. */
  record Result(boolean concluded, Optional<Discrepancy> found) {

    static final Result AGREE = new Result(true, Optional.empty());
    static final Result UNSETTLED = new Result(false, Optional.empty());
  }

  Future<Result> check(HotTierAccess hotTier, LedgerNodes ledger) {
    return ledger.everywhere(SqlQueries.TRANSIT_ACCOUNTS).compose(rows -> {
      List<String> known = new ArrayList<>();
      rows.forEach(row -> known.add(row.getString("id")));
      return read(hotTier, known, ATTEMPTS, Map.of(), 0);
    });
  }

  /** {@code alike} settled readings in a row have shown {@code difference} (not empty). */
  private Future<Result> read(HotTierAccess hotTier, List<String> known, int attemptsLeft, Map<String, Long> difference,
                              int alike) {
    if (attemptsLeft == 0) {
      unsettledRuns++;
      LOG.info("in-transit check: no {} settled readings alike in {} (cross-shard movements under way); nothing "
        + "concluded this run ({} such runs since start)", AGREEING, ATTEMPTS, unsettledRuns);
      return Future.succeededFuture(Result.UNSETTLED);
    }
    return hotTier.inTransitImbalance(known).compose(reading -> {
      if (!reading.settled()) {
        return read(hotTier, known, attemptsLeft - 1, difference, alike);
      }
      Map<String, Long> now = reading.imbalance();
      if (now.isEmpty()) {
        return Future.succeededFuture(Result.AGREE);
      }
      int seen = now.equals(difference) ? alike + 1 : 1;
      if (seen < AGREEING) {
        return read(hotTier, known, attemptsLeft - 1, now, seen);
      }
      return Future.succeededFuture(new Result(true, Optional.of(new Discrepancy(Kind.IN_TRANSIT,
        String.join(",", now.keySet()), "in-transit accounts minus pending uncredited transfers, per currency: " + now))));
    });
  }
}
