package dev.wallet.limits.model;

import java.util.Map;

/**
 * A payer's merchant-payment maxima for payments to one merchant, where given (per currency, minor
 * units). It never grants the operation to a tier that lacks it. A window at or below the payer's
 * tier's is a further cap, counted with the tier's general window; one above it is counted apart,
 * under the merchant's own counter alone (see {@code LimitsEngine}).
 */
public record MerchantOverride(String merchant, Map<String, Long> perTransaction, Map<String, Long> daily,
                               Map<String, Long> monthly) {

  public MerchantOverride {
    perTransaction = Map.copyOf(perTransaction);
    daily = Map.copyOf(daily);
    monthly = Map.copyOf(monthly);
  }
}
