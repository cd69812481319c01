package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import java.util.List;
import java.util.Objects;

/**
 * Hold {@code amount} of the payer's wallet (owned by {@code actor}) for a merchant wallet, until
 * it is captured, voided, or released by the system {@code lifetimeMs} after it was placed. The
 * owner's {@code limits} are checked and counted now, as for a payment.
 */
public record Authorize(WalletId payer, WalletId merchant, Money amount, String actor, String orderRef,
                        long lifetimeMs, IdempotencyKey idempotencyKey, List<LimitCheck> limits) {

  public Authorize {
    Objects.requireNonNull(payer, "payer");
    Objects.requireNonNull(merchant, "merchant");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(orderRef, "orderRef");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    limits = List.copyOf(limits);
    if (lifetimeMs <= 0) {
      throw new IllegalArgumentException("an authorization needs a positive lifetime");
    }
  }

  public String canonical() {
    return String.join("|", "authorize", payer.value(), merchant.value(), Long.toString(amount.minor()),
      amount.currencyCode(), orderRef, Long.toString(lifetimeMs));
  }
}
