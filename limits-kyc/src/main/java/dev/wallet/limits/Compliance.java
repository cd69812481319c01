package dev.wallet.limits;

import dev.wallet.limits.model.AmlCase;
import dev.wallet.limits.model.AmlFlag;
import dev.wallet.limits.model.AmlFlagState;
import dev.wallet.limits.model.AmlQueueFilter;
import dev.wallet.limits.model.AmlReview;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * AML monitors over the ledger and the reports a compliance officer hands to a regulator. The
 * monitors read postings after they reach PostgreSQL, never on the path that moves money.
 */
public interface Compliance {

  /** How many postings one monitor transaction reads at most. */
  int MONITOR_BATCH_POSTINGS = 2_000;

  /**
   * Reads every posting recorded since the last run, a batch (one transaction) at a time, and raises
   * flags; idempotent. Returns how many postings it read.
   */
  Future<Integer> runMonitors();

  /**
   * When a run of this process last read what was recorded to its end (the epoch until one has): a
   * run that fails every time (no rules in force, a batch that always fails), or one that finds the
   * monitors' lock held by another process, does not move it.
   */
  Instant monitorsRanAt();

  /** Whether this process runs the monitors on a timer ({@code WALLET_AML_INTERVAL_MS} above 0). */
  boolean monitorsRunHere();

  /**
   * Flags detected in [from, to) whose id is above {@code afterId} (0: from the first), oldest first,
   * at most {@code limit}: a page, the next one after the last id of this one.
   */
  Future<List<AmlFlag>> flags(Instant from, Instant to, long afterId, int limit);

  /** The compliance queue: flags with their state, newest first. */
  Future<List<AmlCase>> queue(AmlQueueFilter filter);

  /** One flag with every review of it, or empty when there is no such flag. */
  Future<Optional<AmlCase>> flagCase(long flagId);

  /**
   * Records a decision about a flag (append-only: the latest decision is the flag's state).
   *
   * @throws IllegalArgumentException (failed future) for {@link AmlFlagState#OPEN}, a blank or
   *                                  too long note (2000 characters), or a flag that does not exist
   */
  Future<AmlReview> review(long flagId, AmlFlagState state, String note, String actor);

  /** CSV: every movement in [from, to) (ledger time) at or above the large-transaction threshold of its currency. */
  Future<String> largeTransactionsCsv(Instant from, Instant to);

  /** CSV: every flag whose last movement happened in [from, to). */
  Future<String> amlFlagsCsv(Instant from, Instant to);
}
