package dev.wallet.balancecache.model;

import java.util.Currency;

/** What a wallet is for life, fixed when it is opened: whose it is, its currency and its type. */
public record WalletIdentity(WalletId id, String ownerId, Currency currency, WalletType type) {
}
