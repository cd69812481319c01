package dev.wallet.edge.gateway;

import dev.wallet.balancecache.model.Money;
import java.util.Objects;

/** One request to a gateway, named by the wallet's own {@code reference}. */
public record GatewayRequest(String reference, Money amount, Instrument instrument) {

  public GatewayRequest {
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(instrument, "instrument");
  }
}
