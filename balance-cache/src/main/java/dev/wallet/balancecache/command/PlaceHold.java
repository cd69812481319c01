package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import java.util.Objects;

/** Set {@code amount} of a wallet owned by {@code actor} aside, e.g. for a withdrawal in flight. */
public record PlaceHold(WalletId wallet, Money amount, String actor, String reference,
                        IdempotencyKey idempotencyKey) {

  public PlaceHold {
    Objects.requireNonNull(wallet, "wallet");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
  }

  public String canonical() {
    return String.join("|", "hold", wallet.value(), Long.toString(amount.minor()), amount.currencyCode(),
      reference);
  }
}
