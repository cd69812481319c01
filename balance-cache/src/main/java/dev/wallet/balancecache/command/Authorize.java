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
                        long lifetimeMs, IdempotencyKey idempotencyKey, List<LimitCheck> limits, boolean lifetimeAsked) {

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

  /** An authorization whose lifetime the client asked for. */
  public Authorize(WalletId payer, WalletId merchant, Money amount, String actor, String orderRef, long lifetimeMs,
                   IdempotencyKey idempotencyKey, List<LimitCheck> limits) {
    this(payer, merchant, amount, actor, orderRef, lifetimeMs, idempotencyKey, limits, true);
  }

  /**
   * With the lifetime only when the client asked for one ({@code lifetimeAsked}): the configured
   * default may change between an attempt and its retry. Until 2026-12-06 the default was part of it,
   * which is the earlier hash, for records written before.
   */
  public String requestHash() {
    String asked = String.join("|", "authorize", payer.value(), merchant.value(), Long.toString(amount.minor()),
      amount.currencyCode(), orderRef, Long.toString(lifetimeMs));
    if (lifetimeAsked) {
      return RequestHash.of(asked);
    }
    return RequestHash.of(String.join("|", "authorize/2", payer.value(), merchant.value(),
      Long.toString(amount.minor()), amount.currencyCode(), orderRef, "default"), asked);
  }
}
