package dev.wallet.ledger;

/**
 * How a batch reaches PostgreSQL. All three are idempotent and commit a batch in one
 * transaction; they differ only in round trips. docs/benchmarks.md has the measured rates.
 */
public enum InsertMode {
  /** One statement per table, the rows as arrays spread by unnest: one round trip per table. */
  UNNEST,
  /** One prepared statement per table, executed for every row in a pipelined batch (executeBatch). */
  EXECUTE_BATCH,
  /** One statement per row, each awaited before the next: the baseline. */
  ONE_BY_ONE
}
