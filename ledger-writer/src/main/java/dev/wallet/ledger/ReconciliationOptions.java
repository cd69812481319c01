package dev.wallet.ledger;

/**
 * @param placement      the ledger's databases, as the application role
 * @param instance       this process's name in the published results
 * @param intervalMs     pause between the end of one run and the start of the next
 * @param stallAfterMs   how long the ledger may stay behind an account's Redis sequence without advancing before
 *                       that is a discrepancy ({@code LEDGER_STALLED}); normal lag lasts well under a second
 */
public record ReconciliationOptions(LedgerPlacement placement, String instance, long intervalMs, long stallAfterMs) {

  /** Five minutes: the writer's lag p99 is under a second, and a PostgreSQL outage stops the runs too. */
  public static final long DEFAULT_STALL_AFTER_MS = 300_000;

  public ReconciliationOptions {
    if (stallAfterMs <= 0) {
      throw new IllegalArgumentException("stallAfterMs must be positive");
    }
  }

  public ReconciliationOptions(LedgerDatabase database, String instance, long intervalMs) {
    this(database, instance, intervalMs, DEFAULT_STALL_AFTER_MS);
  }

  /** Over one database. */
  public ReconciliationOptions(LedgerDatabase database, String instance, long intervalMs, long stallAfterMs) {
    this(LedgerPlacement.single(database), instance, intervalMs, stallAfterMs);
  }
}
