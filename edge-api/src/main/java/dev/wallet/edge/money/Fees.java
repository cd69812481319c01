package dev.wallet.edge.money;

import dev.wallet.balancecache.model.Money;

/**
 * A merchant's fee on a payment, in integer arithmetic: amount × bps / 10 000, rounded half up to
 * the minor unit (10.18 USD at 250 bps is 25.45 cents, charged 25; 10.20 USD is 25.5, charged 26). Computed in two parts so that no product overflows a long for any amount the money core
 * accepts (2^53 - 1 × 10 000 would).
 */
public final class Fees {

  static final long BPS_PER_WHOLE = 10_000;

  private Fees() {
  }

  public static long feeMinor(Money amount, int bps) {
    if (bps < 0 || bps > BPS_PER_WHOLE) {
      throw new IllegalArgumentException("bps must be between 0 and 10000: " + bps);
    }
    long wholes = amount.minor() / BPS_PER_WHOLE;
    long rest = amount.minor() % BPS_PER_WHOLE;
    return wholes * bps + (rest * bps + BPS_PER_WHOLE / 2) / BPS_PER_WHOLE;
  }
}
