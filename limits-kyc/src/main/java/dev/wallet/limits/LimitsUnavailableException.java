package dev.wallet.limits;

/**
 * The limits module cannot decide: no rules in force, the Hazelcast member is not running, or a
 * KYC profile could not be read in time. Money must not move (fail closed): answer 503.
 */
public class LimitsUnavailableException extends RuntimeException {

  public LimitsUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public LimitsUnavailableException(String message) {
    super(message);
  }
}
