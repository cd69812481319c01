package dev.wallet.edge.gateway;

import dev.wallet.balancecache.model.Money;
import java.util.Optional;

/**
 * What a gateway says about one of the wallet's references when asked; {@code amount}, when it says,
 * is what it moved under that reference.
 */
public record GatewayStatus(State state, Optional<String> gatewayRef, Optional<String> reason, Optional<Money> amount) {

  public enum State {
    /**
     * The gateway does not know the reference: it never got the request, and asking again is safe
     * (idempotent); or it forgot a request it had acknowledged, and asking again could move the money twice.
     */
    UNKNOWN,
    PENDING,
    SUCCEEDED,
    FAILED,
    /** Succeeded, then reversed (a chargeback, a returned payout). */
    REVERSED
  }

  public static GatewayStatus unknown() {
    return new GatewayStatus(State.UNKNOWN, Optional.empty(), Optional.empty(), Optional.empty());
  }
}
