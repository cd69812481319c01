package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import java.util.List;
import java.util.Objects;

/**
 * Pay a merchant: {@code amount} from the payer's wallet (owned by {@code actor}); the merchant's
 * wallet receives it less {@code feeMinor}, which goes to the fee account, all in one posting.
 */
public record Payment(WalletId payer, WalletId merchant, Money amount, long feeMinor, String actor, String orderRef,
                      IdempotencyKey idempotencyKey, List<LimitCheck> limits) {

  public Payment {
    Objects.requireNonNull(payer, "payer");
    Objects.requireNonNull(merchant, "merchant");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(orderRef, "orderRef");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    limits = List.copyOf(limits);
    if (feeMinor < 0 || feeMinor > amount.minor()) {
      throw new IllegalArgumentException("the fee must be between 0 and the amount");
    }
  }

  public Payment withLimits(List<LimitCheck> checks) {
    return new Payment(payer, merchant, amount, feeMinor, actor, orderRef, idempotencyKey, checks);
  }

  /**
   * Without the fee, which is the merchant's rate at the moment and not the client's to send: a rate
   * changed between an attempt and its retry made the retry idempotency_key_reused (until 2026-12-06,
   * when the fee was part of it; that text is the earlier hash, for records written before).
   */
  public String requestHash() {
    return RequestHash.of(
      String.join("|", "payment/2", payer.value(), merchant.value(), Long.toString(amount.minor()),
        amount.currencyCode(), orderRef),
      String.join("|", "payment", payer.value(), merchant.value(), Long.toString(amount.minor()),
        amount.currencyCode(), Long.toString(feeMinor), orderRef));
  }
}
