package dev.wallet.balancecache.model;

import java.util.Locale;

/** Only an active wallet sends or receives money; a frozen or closed one can still be read. */
public enum WalletStatus {
  ACTIVE, FROZEN, CLOSED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static WalletStatus fromWire(String text) {
    for (WalletStatus status : values()) {
      if (status.wire().equals(text)) {
        return status;
      }
    }
    throw new IllegalArgumentException("status must be active, frozen or closed");
  }
}
