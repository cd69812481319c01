package dev.wallet.balancecache.model;

/** A wallet's balances right after a posting, and that posting's place in the wallet's sequence. */
public record BalanceChange(WalletId walletId, long available, long held, long seq) {
}
