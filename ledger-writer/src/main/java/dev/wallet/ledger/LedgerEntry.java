package dev.wallet.ledger;

import java.time.Instant;

/**
 * One line of the ledger as a wallet's history shows it: the posting it belongs to, the
 * business transaction behind that posting (a transfer, a deposit), and the balance right after.
 */
public record LedgerEntry(String id, String postingId, String transactionId, String type, String bucket,
                          long amount, String currency, long balanceAfter, long seq, Instant createdAt,
                          String accountId) {
}
