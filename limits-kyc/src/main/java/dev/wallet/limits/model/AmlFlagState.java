package dev.wallet.limits.model;

import java.util.Locale;

/** Where a flag stands with compliance: open until someone decides, then the latest decision. */
public enum AmlFlagState {
  OPEN, REVIEWED, ESCALATED, DISMISSED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static AmlFlagState fromWire(String wire) {
    for (AmlFlagState state : values()) {
      if (state.wire().equals(wire)) {
        return state;
      }
    }
    throw new IllegalArgumentException("a flag's state is one of open, reviewed, escalated, dismissed");
  }
}
