package dev.wallet.limits;

import dev.wallet.limits.model.AmlFlag;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/**
 * AML monitors over the ledger and the reports a compliance officer hands to a regulator. The
 * monitors read postings after they reach PostgreSQL, never on the path that moves money.
 */
public interface Compliance {

  /** Reads the postings recorded since the last run and raises flags; idempotent. Returns how many postings it read. */
  Future<Integer> runMonitors();

  /** Flags raised in [from, to), by when they were detected, oldest first. */
  Future<List<AmlFlag>> flags(Instant from, Instant to, int limit);

  /** CSV: every movement in [from, to) (ledger time) at or above the large-transaction threshold of its currency. */
  Future<String> largeTransactionsCsv(Instant from, Instant to);

  /** CSV: every flag whose last movement happened in [from, to). */
  Future<String> amlFlagsCsv(Instant from, Instant to);
}
