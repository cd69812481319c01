package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.OutcomeCode;
import java.util.Locale;
import java.util.Optional;

/** What a state transition fills in besides the state; each is set once and kept afterwards. */
record Changes(Optional<String> gatewayRef, Optional<String> failureReason, Optional<HoldId> hold,
               Optional<String> reversalLearnt) {

  static Changes none() {
    return new Changes(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  static Changes gatewayRef(Optional<String> ref) {
    return new Changes(ref, Optional.empty(), Optional.empty(), Optional.empty());
  }

  static Changes failure(String reason) {
    return new Changes(Optional.empty(), Optional.of(reason), Optional.empty(), Optional.empty());
  }

  /** A succeeded verdict that comes with its reversal: see {@link GatewayMovement#reversalLearnt()}. */
  static Changes succeededThenReversed(Optional<String> ref, String reason) {
    return new Changes(ref, Optional.empty(), Optional.empty(), Optional.of(reason));
  }

  /** A step the money core refused: {@code what} followed by its code, e.g. "credit refused: wallet_inactive". */
  static Changes refused(String what, OutcomeCode code) {
    return failure(refusal(what, code));
  }

  /** The failure reason {@link #refused} writes. */
  static String refusal(String what, OutcomeCode code) {
    return what + code.name().toLowerCase(Locale.ROOT);
  }

  static Changes hold(HoldId hold) {
    return new Changes(Optional.empty(), Optional.empty(), Optional.of(hold), Optional.empty());
  }
}
