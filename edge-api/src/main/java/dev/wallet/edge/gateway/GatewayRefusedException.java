package dev.wallet.edge.gateway;

/**
 * The gateway refused a request outright, as malformed or not acceptable (an HTTP 400 or 422 to a
 * collection or a payout): it did not take it, and will not under this reference. That is its word
 * that no money moved, as a decline is; any other failure leaves the request's fate unknown
 * ({@link GatewayUnavailableException}).
 */
public final class GatewayRefusedException extends RuntimeException {

  private final int status;

  public GatewayRefusedException(int status, String message) {
    super(message);
    this.status = status;
  }

  /** The HTTP status the gateway refused with. */
  public int status() {
    return status;
  }
}
