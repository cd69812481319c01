package dev.wallet.ledger;

import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.impl.PgMoneyHalts;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The halts of money movement, stored in the ledger's database (tables money_halts and
 * money_halt_releases, append-only: the halts and their releases are the audit trail).
 * Reconciliation raises them; every edge polls {@link #open()} and refuses money movements while
 * one is open; a person releases them with a reason.
 */
public interface MoneyHalts {

  static MoneyHalts create(Pool pool) {
    return new PgMoneyHalts(pool);
  }

  /** The halts in force, oldest first. */
  Future<List<MoneyHalt>> open();

  /**
   * Halts money movement for {@code finding}, unless a halt for the same finding (kind and subject)
   * is open, or one was released after {@code runStartedAt}: a run that began before a person's
   * release does not undo it; the next run that finds it again halts again.
   *
   * @return the halt raised, or empty when none was
   */
  Future<Optional<MoneyHalt>> raise(Discrepancy finding, String instance, Instant runStartedAt);

  /**
   * Releases every open halt, recording who and why with each.
   *
   * @return the halts released (none when nothing was halted)
   * @throws IllegalArgumentException (as a failed future) for a blank reason or releaser
   */
  Future<List<MoneyHalt>> releaseAll(String releasedBy, String reason);

  /**
   * Releases the open halts among {@code ids} (the ones a person looked at), recording who and why
   * with each; a halt raised since, or not named, stays open.
   *
   * @return the halts released
   * @throws IllegalArgumentException (as a failed future) for a blank reason or releaser
   */
  Future<List<MoneyHalt>> release(List<Long> ids, String releasedBy, String reason);
}
