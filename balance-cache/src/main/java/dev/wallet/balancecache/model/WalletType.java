package dev.wallet.balancecache.model;

import java.util.Locale;

public enum WalletType {
  PERSONAL, MERCHANT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static WalletType fromWire(String text) {
    for (WalletType type : values()) {
      if (type.wire().equals(text)) {
        return type;
      }
    }
    throw new IllegalArgumentException("type must be personal or merchant");
  }
}
