package dev.wallet.edge.http;

/** A dependency other than the money core (the ledger's database) could not answer: 503, retry later. */
public class DependencyUnavailableException extends RuntimeException {

  public DependencyUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
