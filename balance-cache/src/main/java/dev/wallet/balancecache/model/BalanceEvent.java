package dev.wallet.balancecache.model;

import java.time.Instant;

/**
 * A wallet's balances right after a posting, as the outbox reports it: what a live balance feed
 * pushes. {@code seq} numbers the wallet's postings without gaps, so a client that sees a jump has
 * missed an event and should read the wallet again.
 */
public record BalanceEvent(WalletId wallet, long available, long held, long seq, String transactionId,
                           String postingType, Instant at) {
}
