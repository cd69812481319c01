package dev.wallet.edge.http;

import dev.wallet.ledger.DatabaseOutage;
import io.vertx.core.Future;

/** A dependency other than the money core (the ledger's database) could not answer: 503, retry later. */
public class DependencyUnavailableException extends RuntimeException {

  public DependencyUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * A read of the ledger that failed: the database answering with an error is a bug (500); a
   * {@link DatabaseOutage}, or a refusal of this process's out-of-date placement, is an outage (503).
   */
  public static <T> Future<T> ledgerRead(Throwable failure) {
    if (!DatabaseOutage.is(failure)) {
      return Future.failedFuture(failure);
    }
    return Future.failedFuture(new DependencyUnavailableException("the ledger did not answer", failure));
  }
}
