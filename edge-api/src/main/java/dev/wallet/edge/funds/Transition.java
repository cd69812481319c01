package dev.wallet.edge.funds;

/** Where a money-core step leaves a movement: the state it moves to and what that fills in. */
record Transition(MovementStatus to, Changes changes) {
}
