package dev.wallet.edge.gateway;

import java.util.Objects;
import java.util.Optional;

/** Where money comes from or goes to at the gateway: a bank account, a card, or the sandbox. */
public record Instrument(String type, Optional<String> account) {

  public Instrument {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(account, "account");
  }
}
