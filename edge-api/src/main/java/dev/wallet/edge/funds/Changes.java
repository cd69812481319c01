package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.HoldId;
import java.util.Optional;

/** What a state transition fills in besides the state; each is set once and kept afterwards. */
record Changes(Optional<String> gatewayRef, Optional<String> failureReason, Optional<HoldId> hold) {

  static Changes none() {
    return new Changes(Optional.empty(), Optional.empty(), Optional.empty());
  }

  static Changes gatewayRef(Optional<String> ref) {
    return new Changes(ref, Optional.empty(), Optional.empty());
  }

  static Changes failure(String reason) {
    return new Changes(Optional.empty(), Optional.of(reason), Optional.empty());
  }

  static Changes hold(HoldId hold) {
    return new Changes(Optional.empty(), Optional.empty(), Optional.of(hold));
  }
}
