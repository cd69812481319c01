package dev.wallet.ledger;

import java.time.Instant;
import java.util.Map;

/**
 * The continuous runs as a whole, where one run covers a sixth of the shards and only the last of a
 * cycle the global checks: the last run's verdict ({@link Reconciliation#last()}) holds for a few
 * seconds of a cycle, and a slice that failed every cycle, or a finding made once, was gone from it
 * before an alert's {@code for} had passed.
 *
 * @param lastCompleteCycle when a cycle last ended with every one of its runs completed (a whole run
 *                          by itself is one); until the first, when reconciliation started
 * @param failedRuns        runs that could not check what they were to check, since the start
 * @param found             discrepancies found since the start, by kind (every kind, zeros too);
 *                          one that stands is found again by each cycle
 * @param inTransitLastConcluded when the in-transit check last concluded, in a run of any instance
 *                          (the runs in the ledger's home database); without one, when reconciliation
 *                          started. A run whose check could not conclude (movements
 *                          between shards under way at every reading) is published ok, as nothing was
 *                          found: this says for how long money in transit has gone unchecked
 */
public record ReconciliationProgress(Instant lastCompleteCycle, long failedRuns,
                                     Map<ReconciliationReport.Kind, Long> found, Instant inTransitLastConcluded) {
}
