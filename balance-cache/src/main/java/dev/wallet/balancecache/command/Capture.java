package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import java.util.Objects;

/**
 * Pay {@code amountMinor} of an authorization to its merchant, {@code feeMinor} of it to the fee
 * account; the rest is released unless {@code keepOpen}. {@code actor} is {@code "*"} when the
 * caller was checked to be the merchant's owner.
 */
public record Capture(HoldId authorization, long amountMinor, long feeMinor, boolean keepOpen, String actor,
                      IdempotencyKey idempotencyKey) {

  public Capture {
    Objects.requireNonNull(authorization, "authorization");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    if (amountMinor <= 0 || feeMinor < 0 || feeMinor > amountMinor) {
      throw new IllegalArgumentException("a capture needs a positive amount and a fee between 0 and it");
    }
  }

  public String canonical() {
    return String.join("|", "capture", authorization.value(), Long.toString(amountMinor), Long.toString(feeMinor),
      Boolean.toString(keepOpen));
  }
}
