package dev.wallet.balancecache.model;

import java.util.Locale;

public enum TransferStatus {
  COMPLETED, PENDING, REVERSED;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static TransferStatus fromWire(String text) {
    return valueOf(text.toUpperCase(Locale.ROOT));
  }
}
