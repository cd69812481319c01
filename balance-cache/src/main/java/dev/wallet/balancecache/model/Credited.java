package dev.wallet.balancecache.model;

import java.time.Instant;

/** A credit that was booked: its posting id and the wallet's balances right after it. */
public record Credited(String postingId, Money amount, Instant at, BalanceChange wallet) {
}
