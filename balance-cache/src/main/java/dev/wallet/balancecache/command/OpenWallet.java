package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletType;
import java.util.Currency;
import java.util.Objects;
import java.util.Optional;

/**
 * Open a wallet for {@code ownerId}. It lands on {@code colocateWith}'s shard when given (so the
 * two can move money in one script), otherwise on a shard derived from its own id.
 */
public record OpenWallet(String ownerId, Currency currency, WalletType type, Optional<WalletId> colocateWith,
                         IdempotencyKey idempotencyKey) {

  public OpenWallet {
    Objects.requireNonNull(ownerId, "ownerId");
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(colocateWith, "colocateWith");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
  }

  public String canonical() {
    return String.join("|", "open_wallet", ownerId, currency.getCurrencyCode(), type.wire(),
      colocateWith.map(WalletId::value).orElse(""));
  }
}
