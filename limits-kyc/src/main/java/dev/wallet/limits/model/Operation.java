package dev.wallet.limits.model;

import java.util.Arrays;
import java.util.Locale;

/** What a movement does, from the point of view of the owner it is checked for. */
public enum Operation {
  P2P_SEND(true),
  RECEIVE(false),
  MERCHANT_PAYMENT(true),
  DEPOSIT(false),
  WITHDRAWAL(true);

  private final boolean outgoing;

  Operation(boolean outgoing) {
    this.outgoing = outgoing;
  }

  /**
   * Outgoing movements debit the owner's wallet, so the money core can count them atomically with
   * the debit; only they have daily, monthly and velocity windows.
   */
  public boolean outgoing() {
    return outgoing;
  }

  /** p2p_send */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Operation fromWire(String wire) {
    return Arrays.stream(values()).filter(op -> op.wire().equals(wire)).findFirst()
      .orElseThrow(() -> new IllegalArgumentException("unknown operation '" + wire + "'; known: "
        + Arrays.stream(values()).map(Operation::wire).toList()));
  }
}
