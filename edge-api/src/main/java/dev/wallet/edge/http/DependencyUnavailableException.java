package dev.wallet.edge.http;

import io.vertx.core.Future;
import io.vertx.sqlclient.DatabaseException;

/** A dependency other than the money core (the ledger's database) could not answer: 503, retry later. */
public class DependencyUnavailableException extends RuntimeException {

  public DependencyUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * A read of the ledger that failed: the database answering with an error is a bug (500); not
   * answering, or refusing this process's out-of-date placement, is an outage (503).
   */
  public static <T> Future<T> ledgerRead(Throwable failure) {
    if (failure instanceof DatabaseException) {
      return Future.failedFuture(failure);
    }
    return Future.failedFuture(new DependencyUnavailableException("the ledger did not answer", failure));
  }
}
