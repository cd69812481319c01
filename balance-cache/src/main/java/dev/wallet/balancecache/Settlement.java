package dev.wallet.balancecache;

import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;

/**
 * A movement debited in one region for a wallet of another, as the source region delivers it to the
 * destination's (docs/architecture.md, "Regions"): delivered at least once, credited at most once
 * (the destination keeps its first decision under {@code movementId}).
 *
 * @param fee what of {@code amount} goes to the destination's fee account (a payment's; 0 otherwise)
 * @param paymentId the payment a payment opens (its own id) or a refund gives back from; empty otherwise
 * @param sourceRegion the region that debited it, whose clearing account the credit draws on
 */
public record Settlement(String movementId, MovementKind kind, WalletId from, WalletId to, Money amount, long fee,
                         String paymentId, String sourceRegion) {

  /** A transfer's: no fee, no payment. */
  public Settlement(String movementId, MovementKind kind, WalletId from, WalletId to, Money amount,
                    String sourceRegion) {
    this(movementId, kind, from, to, amount, 0, "", sourceRegion);
  }
}
