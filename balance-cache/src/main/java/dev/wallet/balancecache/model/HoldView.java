package dev.wallet.balancecache.model;

import java.time.Instant;

/** A hold and the wallet's balances right after it was placed or ended. */
public record HoldView(HoldId id, HoldStatus status, Money amount, String reference, Instant at,
                       BalanceChange wallet) {

  public enum HoldStatus { ACTIVE, SETTLED, RELEASED }
}
