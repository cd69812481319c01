package dev.wallet.balancecache.model;

import java.util.Currency;
import java.util.regex.Pattern;

/** Parses ISO-4217 codes strictly: three upper-case letters that the JDK knows. */
public final class Currencies {

  private static final Pattern CODE = Pattern.compile("[A-Z]{3}");

  private Currencies() {
  }

  public static Currency parse(String code) {
    if (code == null || !CODE.matcher(code).matches()) {
      throw new IllegalArgumentException("currency must be an ISO-4217 code such as USD");
    }
    try {
      Currency currency = Currency.getInstance(code);
      if (currency.getDefaultFractionDigits() < 0) {
        throw new IllegalArgumentException("currency " + code + " has no minor unit");
      }
      return currency;
    } catch (IllegalArgumentException unknown) {
      throw new IllegalArgumentException("unknown currency " + code);
    }
  }
}
