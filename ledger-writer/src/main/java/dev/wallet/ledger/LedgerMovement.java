package dev.wallet.ledger;

import dev.wallet.balancecache.outbox.PostingType;
import java.time.Instant;

/**
 * One wallet's leg of a posting that moved money in (amount &gt; 0) or out (amount &lt; 0), as the
 * ledger holds it: a posting of a type in {@link PostingType#MOVEMENTS} (or, where a reader asks for
 * them, {@link PostingType#RETURNS}: money that came back in). A leg on a hot merchant's
 * credit stripe is its merchant wallet's ({@code walletId} names the merchant wallet).
 */
public record LedgerMovement(String postingId, PostingType type, Instant createdAt, String walletId, String ownerId,
                             long amountMinor, String currency) {

  public boolean outgoing() {
    return amountMinor < 0;
  }

  /** Movements the owner made: sent, paid, withdrew, or deposited. */
  public boolean madeByOwner() {
    return outgoing() || type == PostingType.DEPOSIT;
  }

  /** Money given back to the wallet that had sent it (a reversal, a returned withdrawal): it came in, but no one paid it. */
  public boolean returned() {
    return PostingType.RETURNS.contains(type);
  }

  public long size() {
    return Math.abs(amountMinor);
  }
}
