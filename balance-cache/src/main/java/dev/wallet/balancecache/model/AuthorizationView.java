package dev.wallet.balancecache.model;

import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * An authorization: {@code authorized} set aside on the payer's wallet for a merchant wallet, of
 * which {@code capturedMinor} was paid to the merchant and {@code heldMinor} is still held.
 * {@code releasedBy} says who released it (void or expiry) once released.
 */
public record AuthorizationView(HoldId id, Status status, WalletId payer, WalletId merchant, Money authorized,
                                long capturedMinor, long heldMinor, Optional<String> releasedBy,
                                Optional<String> orderRef, Instant createdAt, Instant expiresAt) {

  public enum Status {
    ACTIVE, CAPTURED, RELEASED;

    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }
  }
}
