package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.PaymentId;
import java.util.Objects;

/**
 * Refund part or all of a payment, from the merchant's wallet (owned by {@code actor}) back to
 * the payer. The refunds of one payment never add up to more than the payment; the fee stays with
 * the fee account.
 */
public record Refund(PaymentId payment, Money amount, String actor, IdempotencyKey idempotencyKey) {

  public Refund {
    Objects.requireNonNull(payment, "payment");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
  }

  public String requestHash() {
    return RequestHash.of(
      String.join("|", "refund", payment.value(), Long.toString(amount.minor()), amount.currencyCode()));
  }
}
