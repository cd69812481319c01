package dev.wallet.edge.funds;

/**
 * Where a money-core step leaves a movement: the state it moves to and what that fills in.
 * {@code strandsMoney}: the step leaves money the gateway moved where no balance shows it (a
 * collected deposit or a returned payout the wallet could not take, a chargeback it could no longer
 * pay), which only an operator can settle.
 */
record Transition(MovementStatus to, Changes changes, boolean strandsMoney) {

  Transition(MovementStatus to, Changes changes) {
    this(to, changes, false);
  }

  static Transition stranding(MovementStatus to, Changes changes) {
    return new Transition(to, changes, true);
  }

  /** The step cannot end yet: the movement stays as it is, and the reconciler drives it again. */
  static Transition stay(MovementStatus where) {
    return new Transition(where, Changes.none(), false);
  }
}
