package dev.wallet.edge.funds;

import java.util.Locale;

/**
 * A deposit's or a withdrawal's stored state. Each kind names its states in its own words (a
 * deposit is "crediting" where a withdrawal is "settling"); the {@link Phase} says what the one
 * machine both share does with it.
 */
public interface MovementStatus {

  /** The machine's view of a state: what is to be done next, and what a client is told. */
  enum Phase {
    /** The money core's first step (a withdrawal's hold) is under way; the gateway is not asked yet. */
    PREPARING,
    /** The gateway has been asked, or is about to be; its verdict is awaited. */
    AWAITING,
    /** The gateway said yes; the money core is applying it (a deposit's credit, a payout's hold settled). */
    APPLYING,
    /** The gateway said no after the first step; the money core is undoing it (a withdrawal's hold released). */
    RELEASING,
    /** The gateway took back what it had done (a chargeback, a returned payout); the money core follows. */
    REVERSING,
    COMPLETED,
    FAILED,
    REVERSED;

    /** Nothing is left to do: the reconciler leaves it alone. */
    boolean settled() {
      return this == COMPLETED || this == FAILED || this == REVERSED;
    }

    /** The contract's status: pending, completed, failed, or (an addition) reversed. */
    String wire() {
      return switch (this) {
        case PREPARING, AWAITING, APPLYING, RELEASING -> "pending";
        case COMPLETED, REVERSING -> "completed";
        case FAILED -> "failed";
        case REVERSED -> "reversed";
      };
    }
  }

  Phase phase();

  /** Every state is an enum constant; its column value is its name in lower case. */
  String name();

  default String wire() {
    return phase().wire();
  }

  default String column() {
    return name().toLowerCase(Locale.ROOT);
  }

  static <S extends Enum<S> & MovementStatus> S fromColumn(Class<S> states, String text) {
    return Enum.valueOf(states, text.toUpperCase(Locale.ROOT));
  }
}
