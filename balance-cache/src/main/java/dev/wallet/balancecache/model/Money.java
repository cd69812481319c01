package dev.wallet.balancecache.model;

import java.util.Currency;
import java.util.Objects;

/** An amount of money in minor units (cents for USD, yen for JPY) of one ISO-4217 currency. */
public record Money(long minor, Currency currency) {

  /** Lua scripts hold amounts as doubles, which are exact up to 2^53; nothing larger is accepted. */
  public static final long MAX_MINOR = (1L << 53) - 1;

  public Money {
    Objects.requireNonNull(currency, "currency");
    if (minor > MAX_MINOR || minor < -MAX_MINOR) {
      throw new IllegalArgumentException("amount out of range: " + minor);
    }
  }

  public static Money of(long minor, String currencyCode) {
    return new Money(minor, Currencies.parse(currencyCode));
  }

  /** Movements carry a positive amount; the direction is given by the operation. */
  public Money requirePositive() {
    if (minor <= 0) {
      throw new IllegalArgumentException("amount must be positive: " + minor);
    }
    return this;
  }

  public String currencyCode() {
    return currency.getCurrencyCode();
  }

  @Override
  public String toString() {
    return minor + " " + currency.getCurrencyCode();
  }
}
