package dev.wallet.edge.funds;

import dev.wallet.edge.http.DependencyUnavailableException;

/** PostgreSQL did not answer in time (or at all): nothing is known to have changed; retry later. */
public final class StoreUnavailableException extends DependencyUnavailableException {

  StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
