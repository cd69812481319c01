package dev.wallet.ledger;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.ledger.impl.Reconciler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;

/**
 * The continuous proof that the hot tier and the ledger agree. A run compares the Redis balances
 * of wallets and system accounts with the ledger's balance_after at the same sequence (an account
 * the ledger has not caught up with yet is lag, compared on a later run; unless the ledger has stood
 * still behind it for longer than {@code stallAfterMs}: a lost outbox entry), checks that recent
 * postings balance and that the accounts they touched have no sequence holes, and, once per cycle,
 * that all accounts sum to zero and that the in-transit accounts hold exactly the pending
 * transfers. The continuous runs compare every wallet that moved since the previous run plus a
 * sixth of the shards in turn (every wallet within six runs); {@link #runOnce()} compares all of
 * them. A discrepancy is logged as an ERROR with its evidence and fails closed on what it touches
 * (its {@link ReconciliationReport.Scope}): a wallet's own finding freezes the wallet; any other
 * halts every money movement ({@link MoneyHalts}) until a person releases it. Reads still work. Every run is published (see
 * {@link LedgerReader#lastReconciliation()}), a failed one too, as not ok with its reason.
 */
public interface Reconciliation {

  static Reconciliation create(Vertx vertx, ReconciliationOptions options, BalanceCache cache) {
    return new Reconciler(vertx, options, cache);
  }

  /** Runs continuously, one run after another with {@code intervalMs} between them. */
  Future<Void> start();

  /** One run over every shard with the global checks, now; published and kept as {@link #last()}. */
  Future<ReconciliationReport> runOnce();

  /**
   * The next continuous run, now: the wallets that moved since the previous run and the next slice
   * of shards (what {@link #start()} repeats); published and kept as {@link #last()}.
   */
  Future<ReconciliationReport> runNext();

  Optional<ReconciliationReport> last();

  /** What the runs since this process started add up to, for the alerts (the last run alone covers a slice). */
  ReconciliationProgress progress();

  Future<Void> stop();
}
