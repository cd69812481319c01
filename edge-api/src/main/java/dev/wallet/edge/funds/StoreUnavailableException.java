package dev.wallet.edge.funds;

/** PostgreSQL did not answer in time (or at all): nothing is known to have changed; retry later. */
public final class StoreUnavailableException extends RuntimeException {

  StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
