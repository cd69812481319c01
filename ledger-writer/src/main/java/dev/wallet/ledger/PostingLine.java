package dev.wallet.ledger;

/** One entry of a posting, as a posting lookup shows it: which account, which bucket, how much. */
public record PostingLine(int idx, String accountId, String bucket, long amount, String currency, long balanceAfter,
                          long seq) {
}
