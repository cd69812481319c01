package dev.wallet.limits.model;

import dev.wallet.balancecache.model.Money;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A movement of money to be checked for one owner, before it moves: a transfer is checked as a
 * {@code P2P_SEND} for its sender and as a {@code RECEIVE} for its receiver.
 *
 * @param ownerId  the owner the check is for (the caller for outgoing movements)
 * @param merchant the merchant's owner id, for merchant payments (per-merchant overrides)
 */
public record Movement(String ownerId, Operation operation, Money amount, Optional<String> merchant, Instant at) {

  public Movement {
    Objects.requireNonNull(ownerId, "ownerId");
    Objects.requireNonNull(operation, "operation");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(merchant, "merchant");
    Objects.requireNonNull(at, "at");
    if (merchant.isPresent() != (operation == Operation.MERCHANT_PAYMENT)) {
      throw new IllegalArgumentException("a merchant is given for merchant payments, and only for them");
    }
  }

  public static Movement of(String ownerId, Operation operation, Money amount, Instant at) {
    return new Movement(ownerId, operation, amount, Optional.empty(), at);
  }
}
