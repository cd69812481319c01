package dev.wallet.ledger;

/** What a rebuild of the hot tier wrote back into Redis. */
public record RebuildReport(long wallets, long systemAccounts, long pendingTransfers, long creditDecisions,
                           long activeHolds, long idempotencyRecords, long limitCounters) {
}
