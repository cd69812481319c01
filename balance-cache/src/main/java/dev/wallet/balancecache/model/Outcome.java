package dev.wallet.balancecache.model;

import java.util.Objects;

/**
 * The answer to a request: its code, the resulting value when there is one (also on some
 * refusals, e.g. the pending transfer behind IDEMPOTENCY_IN_FLIGHT), whether the answer was
 * decided by an earlier request under the same idempotency key, and for some refusals a detail
 * (the rule behind LIMIT_EXCEEDED); the detail is empty otherwise.
 */
public record Outcome<T>(OutcomeCode code, T value, boolean replayed, String detail) {

  public Outcome {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(detail, "detail");
  }

  public Outcome(OutcomeCode code, T value, boolean replayed) {
    this(code, value, replayed, "");
  }

  public static <T> Outcome<T> refused(OutcomeCode code) {
    return new Outcome<>(code, null, false);
  }

  public boolean accepted() {
    return code.accepted();
  }
}
