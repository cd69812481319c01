package dev.wallet.edge.funds;

import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.GatewayStatus;
import java.util.Optional;

/**
 * What a gateway said about one request, whether it said it in a webhook or when asked: both
 * roads lead to the same state transitions.
 */
record Verdict(Kind kind, Optional<String> gatewayRef, Optional<String> reason) {

  enum Kind { SUCCEEDED, FAILED, REVERSED }

  static Verdict of(GatewayEvent event) {
    Kind kind = switch (event.type()) {
      case DEPOSIT_SUCCEEDED, PAYOUT_PAID -> Kind.SUCCEEDED;
      case DEPOSIT_FAILED, PAYOUT_FAILED -> Kind.FAILED;
      case DEPOSIT_REVERSED, PAYOUT_RETURNED -> Kind.REVERSED;
    };
    return new Verdict(kind, event.gatewayRef(), event.reason());
  }

  /** Empty while the gateway has no outcome yet (pending) or does not know the request. */
  static Optional<Verdict> of(GatewayStatus status) {
    Optional<Kind> kind = switch (status.state()) {
      case SUCCEEDED -> Optional.of(Kind.SUCCEEDED);
      case FAILED -> Optional.of(Kind.FAILED);
      case REVERSED -> Optional.of(Kind.REVERSED);
      case UNKNOWN, PENDING -> Optional.empty();
    };
    return kind.map(k -> new Verdict(k, status.gatewayRef(), status.reason()));
  }

  String reasonOr(String fallback) {
    return reason.orElse(fallback);
  }
}
