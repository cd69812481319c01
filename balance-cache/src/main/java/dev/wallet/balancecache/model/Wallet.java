package dev.wallet.balancecache.model;

import java.time.Instant;
import java.util.Currency;

/** A wallet as the money core holds it: balances in minor units and the sequence of its last posting. */
public record Wallet(WalletId id, String ownerId, Currency currency, WalletType type, WalletStatus status,
                     long available, long held, long seq, Instant createdAt) {
}
