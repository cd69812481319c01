package dev.wallet.ledger;

import java.time.Instant;

/**
 * A place in the order in which the ledger recorded its postings, {@code (recorded_at, id)}: where a
 * reader that follows the ledger (the AML monitor) stopped.
 */
public record LedgerPosition(Instant recordedAt, String postingId) {

  /** Before every posting. */
  public static final LedgerPosition BEGINNING = new LedgerPosition(Instant.EPOCH, "");
}
