package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletType;
import java.util.Currency;
import java.util.Objects;
import java.util.Optional;

/**
 * Open a wallet for {@code ownerId}. It lands on the owner's home shard ({@link ShardId#homeOf}), with
 * every other wallet of the owner, so the owner's limits are counted in one place; or on
 * {@code colocateWith}'s shard when given. The API only colocates with a wallet of the same owner;
 * colocating with another owner's wallet (the money core allows it) puts this owner's limits in
 * a window per shard.
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

  public String requestHash() {
    return RequestHash.of(
      String.join("|", "open_wallet", ownerId, currency.getCurrencyCode(), type.wire(),
      colocateWith.map(WalletId::value).orElse("")));
  }
}
