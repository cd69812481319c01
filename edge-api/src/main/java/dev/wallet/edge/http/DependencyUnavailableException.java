package dev.wallet.edge;

/** A dependency other than the money core (the ledger's database) could not answer: 503, retry later. */
final class DependencyUnavailableException extends RuntimeException {

  DependencyUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
