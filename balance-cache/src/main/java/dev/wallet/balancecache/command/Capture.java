package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import java.util.Objects;

/**
 * Pay {@code amountMinor} of an authorization to its merchant, {@code feeMinor} of it to the fee
 * account; the rest is released unless {@code keepOpen}. {@code actor} is {@code "*"} when the
 * caller was checked to be the merchant's owner. {@code whole}: the request named no amount and
 * asks for all that the authorization holds, {@code amountMinor} as the caller read it (0 when it
 * read nothing left); its idempotency record is then the request's as asked, so that a retry is
 * answered as a replay whatever the authorization holds by then. The money core captures what it
 * finds held then, its fee at {@code feeBps} (the merchant's rate): another capture of part of it
 * may have come between the caller's read and the script (until 2026-12-06 the read amount was
 * asked, refused as more than held, and that refusal replayed under the key for good).
 */
public record Capture(HoldId authorization, long amountMinor, long feeMinor, boolean keepOpen, String actor,
                      IdempotencyKey idempotencyKey, boolean whole, int feeBps) {

  public Capture {
    Objects.requireNonNull(authorization, "authorization");
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    if (amountMinor < (whole ? 0 : 1) || feeMinor < 0 || feeMinor > amountMinor) {
      throw new IllegalArgumentException("a capture needs a positive amount (or, of the whole, none left) and a fee "
        + "between 0 and it");
    }
    if (feeBps < 0 || feeBps > 10_000) {
      throw new IllegalArgumentException("feeBps must be between 0 and 10000: " + feeBps);
    }
  }

  /** A capture of the amount given. */
  public Capture(HoldId authorization, long amountMinor, long feeMinor, boolean keepOpen, String actor,
                 IdempotencyKey idempotencyKey) {
    this(authorization, amountMinor, feeMinor, keepOpen, actor, idempotencyKey, false, 0);
  }

  /**
   * Without the fee, the merchant's rate at the moment (a capture of the whole never had it); until
   * 2026-12-06 a partial capture's had it, which is the earlier hash, for records written before.
   */
  public String requestHash() {
    if (whole) {
      return RequestHash.of(String.join("|", "capture", authorization.value(), "whole", Boolean.toString(keepOpen)));
    }
    return RequestHash.of(
      String.join("|", "capture/2", authorization.value(), Long.toString(amountMinor), Boolean.toString(keepOpen)),
      String.join("|", "capture", authorization.value(), Long.toString(amountMinor), Long.toString(feeMinor),
        Boolean.toString(keepOpen)));
  }
}
