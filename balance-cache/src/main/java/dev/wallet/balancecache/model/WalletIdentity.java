package dev.wallet.balancecache.model;

import java.util.Currency;
import java.util.Optional;

/**
 * What a wallet is for life, fixed when it is opened: whose it is, its currency and its type, and
 * for a hot merchant's credit stripe the merchant wallet it belongs to.
 */
public record WalletIdentity(WalletId id, String ownerId, Currency currency, WalletType type,
                             Optional<WalletId> parent) {

  public WalletIdentity(WalletId id, String ownerId, Currency currency, WalletType type) {
    this(id, ownerId, currency, type, Optional.empty());
  }

  /** A credit stripe of a merchant wallet rather than a wallet opened by its owner. */
  public boolean stripe() {
    return parent.isPresent();
  }
}
