package dev.wallet.balancecache;

/**
 * The money core could not reach an answer in time (Redis down, failing over, or not
 * replicating). Nothing can be said about the request except that retrying it under the same
 * idempotency key is safe: it will either find the first outcome or decide a new one, never both.
 */
public class BalanceCacheUnavailableException extends RuntimeException {

  public BalanceCacheUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
