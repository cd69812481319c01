package dev.wallet.ledger;

import dev.wallet.balancecache.model.WalletId;
import java.time.Instant;

/**
 * A wallet's balance as the ledger knew it at an instant: each bucket's balance_after of the
 * last entry at or before it, and the wallet's sequence there (0 and zeros before its first entry).
 */
public record PointInTimeBalance(WalletId wallet, Instant at, long available, long held, long seq) {
}
