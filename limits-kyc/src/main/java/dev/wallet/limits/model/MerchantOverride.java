package dev.wallet.limits.model;

import java.util.Map;

/**
 * Maxima that replace a tier's merchant-payment maxima for payments to one merchant, where given
 * (per currency, minor units). It never grants the operation to a tier that lacks it; its windows
 * are counted apart from the tier's general merchant-payment windows.
 */
public record MerchantOverride(String merchant, Map<String, Long> perTransaction, Map<String, Long> daily,
                               Map<String, Long> monthly) {

  public MerchantOverride {
    perTransaction = Map.copyOf(perTransaction);
    daily = Map.copyOf(daily);
    monthly = Map.copyOf(monthly);
  }
}
