package dev.wallet.edge.gateway;

/** The gateway gave no usable answer (refused, timed out, broke): the request's fate is unknown until asked. */
public final class GatewayUnavailableException extends RuntimeException {

  public GatewayUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public GatewayUnavailableException(String message) {
    super(message);
  }
}
