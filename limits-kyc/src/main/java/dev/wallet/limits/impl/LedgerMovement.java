package dev.wallet.limits.impl;

import java.time.Instant;

/** One wallet's leg of a posting that moved money in (amount &gt; 0) or out (amount &lt; 0), as the ledger holds it. */
record LedgerMovement(String postingId, String type, Instant createdAt, String walletId, String ownerId,
                      long amountMinor, String currency) {

  boolean outgoing() {
    return amountMinor < 0;
  }

  /** Movements the owner made: sent, paid, withdrew, or deposited. */
  boolean madeByOwner() {
    return outgoing() || type.equals("deposit");
  }

  long size() {
    return Math.abs(amountMinor);
  }
}
