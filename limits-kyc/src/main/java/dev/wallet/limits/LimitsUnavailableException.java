package dev.wallet.limits;

import dev.wallet.ledger.DatabaseOutage;
import io.vertx.core.Future;
import java.util.function.Function;

/**
 * The limits module cannot decide or answer: no rules in force, the Hazelcast member is not
 * running, a KYC profile could not be read in time, or its database did not answer. Money must not
 * move (fail closed): answer 503.
 */
public class LimitsUnavailableException extends RuntimeException {

  public LimitsUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public LimitsUnavailableException(String message) {
    super(message);
  }

  /**
   * For a call to the module's PostgreSQL: a {@link DatabaseOutage} fails as this exception, naming
   * {@code what} was asked; the database's own answer (a refusal the caller maps, or a bug) stays.
   */
  public static <T> Function<Throwable, Future<T>> whenOutage(String what) {
    return failure -> Future.failedFuture(DatabaseOutage.is(failure)
      ? new LimitsUnavailableException(what + ": the database did not answer (" + failure + ")", failure) : failure);
  }
}
