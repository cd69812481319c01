package dev.wallet.ledger;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.ledger.impl.StreamLedgerWriter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Moves every shard's outbox into PostgreSQL: reads each stream after its published position,
 * inserts the postings idempotently in one transaction per batch, and only after the commit gives
 * retired keys (e.g. idempotency records) their lifetime, publishes the new position and trims the
 * stream below it.
 */
public interface LedgerWriter {

  /** A writer on a money core client of its own (tools and tests). */
  static LedgerWriter create(Vertx vertx, LedgerWriterOptions options) {
    return new StreamLedgerWriter(vertx, options);
  }

  /** A writer on the process's money core client, which its owner starts before and closes after it. */
  static LedgerWriter create(Vertx vertx, LedgerWriterOptions options, BalanceCache cache) {
    return new StreamLedgerWriter(vertx, options, cache);
  }

  Future<Void> start();

  Future<Void> stop();

  /** Outbox entries not yet committed to the ledger, over all shards, as of the last count. */
  long lag();

  /** The lag per shard and how the writer's rounds go; safe to call from any thread. */
  LedgerWriterMetrics metrics();
}
