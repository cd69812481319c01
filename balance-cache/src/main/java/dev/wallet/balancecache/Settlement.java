package dev.wallet.balancecache;

import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;

/**
 * A movement debited in one region for a wallet of another, as the source region delivers it to the
 * destination's (docs/architecture.md, "Regions"): delivered at least once, credited at most once
 * (the destination keeps its first decision under {@code movementId}).
 *
 * @param sourceRegion the region that debited it, whose clearing account the credit draws on
 */
public record Settlement(String movementId, MovementKind kind, WalletId from, WalletId to, Money amount,
                         String sourceRegion) {
}
