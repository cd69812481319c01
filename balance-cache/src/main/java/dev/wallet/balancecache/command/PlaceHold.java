package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.LimitCheck;
import java.util.List;
import java.util.Objects;

/**
 * Set {@code amount} of a wallet owned by {@code actor} aside, e.g. for a withdrawal in flight,
 * within the owner's {@code limits}; a released hold gives back what it counted.
 */
public record PlaceHold(WalletId wallet, Money amount, String actor, String reference,
                        IdempotencyKey idempotencyKey, List<LimitCheck> limits) {

  public PlaceHold {
    Objects.requireNonNull(wallet, "wallet");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    limits = List.copyOf(limits);
  }

  public PlaceHold(WalletId wallet, Money amount, String actor, String reference, IdempotencyKey idempotencyKey) {
    this(wallet, amount, actor, reference, idempotencyKey, List.of());
  }

  public String requestHash() {
    return RequestHash.of(
      String.join("|", "hold", wallet.value(), Long.toString(amount.minor()), amount.currencyCode(),
      reference));
  }
}
