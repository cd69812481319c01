package dev.wallet.edge.funds;

/**
 * A signed gateway event the wallet cannot apply; nothing was recorded, so the gateway may send
 * it again. {@link Reason#NOT_YET} is the one worth retrying: the event is ahead of the state it
 * follows (a reversal of a deposit whose credit is still being booked).
 */
public final class EventRefusedException extends RuntimeException {

  public enum Reason { UNKNOWN_REFERENCE, MISMATCH, NOT_YET }

  private final Reason reason;

  EventRefusedException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
