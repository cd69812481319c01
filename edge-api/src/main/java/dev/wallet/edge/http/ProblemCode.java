package dev.wallet.edge.http;

import java.util.Locale;

/**
 * The stable error codes of the API contract, each with its HTTP status. Clients branch on the
 * code, so a code never changes meaning; only codes this edge can answer today are listed.
 */
public enum ProblemCode {
  /**
   * The wallet (or the movement, payment, authorization) a request is about belongs to another region:
   * nothing was done here; the same request goes to the URL in {@code Location} (docs/architecture.md,
   * "Regions").
   */
  WRONG_REGION(307, "This is served by another region"),
  INVALID_REQUEST(400, "The request is not valid"),
  IDEMPOTENCY_KEY_MISSING(400, "An Idempotency-Key header is required"),
  /** A batch of more items than the batch routes take (BatchHandlers.MAX_ITEMS). */
  BATCH_TOO_LARGE(400, "The batch has too many items"),
  UNAUTHORIZED(401, "Authentication is required"),
  FORBIDDEN(403, "Not allowed"),
  NOT_FOUND(404, "Not found"),
  METHOD_NOT_ALLOWED(405, "Method not allowed"),
  IDEMPOTENCY_IN_FLIGHT(409, "A request with this Idempotency-Key is still in progress"),
  MONEY_IN_FLIGHT(409, "Money of this wallet is held or on its way out"),
  AUTHORIZATION_NOT_ACTIVE(409, "The authorization was captured or released"),
  AUTHORIZATION_EXPIRED(409, "The authorization has expired"),
  /** A rules change made against a version that is no longer the latest (If-Match): nothing was published. */
  RULES_SUPERSEDED(412, "Another rules version was published since the one this change was made against"),
  PAYLOAD_TOO_LARGE(413, "The request body is too large"),
  UNSUPPORTED_MEDIA_TYPE(415, "The body must be JSON"),
  IDEMPOTENCY_KEY_REUSED(422, "This Idempotency-Key was used for a different request"),
  INSUFFICIENT_FUNDS(422, "Insufficient funds"),
  CURRENCY_MISMATCH(422, "Currency mismatch"),
  WALLET_INACTIVE(422, "The wallet is not active"),
  LIMIT_EXCEEDED(422, "A limit would be exceeded"),
  KYC_REQUIRED(422, "A higher KYC tier is required"),
  /** The receiver's tier, country or limits refused: the sender learns nothing more about the receiver. */
  RECEIVER_CANNOT_ACCEPT(422, "The receiver cannot accept this transfer"),
  /** A transfer to a merchant wallet: a merchant is paid with POST /v1/payments (its fee and rules applied). */
  MERCHANT_WALLET(422, "A merchant wallet is paid with a payment, not a transfer"),
  REFUND_EXCEEDS_PAYMENT(422, "The refunds would exceed the payment"),
  CAPTURE_EXCEEDS_AUTHORIZATION(422, "The capture exceeds what the authorization holds"),
  /** The wallets of an atomic batch are on more than one shard: no single atomic step can move them. */
  ATOMIC_BATCH_SPANS_SHARDS(422, "The wallets of this atomic batch cannot be moved in one atomic step"),
  /** The other wallet of a movement is not in this region: money does not move between regions yet. */
  CROSS_REGION(422, "The other wallet is not in this region"),
  /** An item of an atomic batch was refused, so none was applied. */
  ATOMIC_BATCH_REFUSED(422, "An item of the atomic batch was refused; nothing was applied"),
  RATE_LIMITED(429, "Too many requests"),
  TOO_MANY_SOCKETS(429, "Too many live sockets"),
  INTERNAL_ERROR(500, "Internal error"),
  UNAVAILABLE(503, "Temporarily unavailable"),
  HALTED(503, "Money movement is halted until a discrepancy is resolved");

  private final int status;
  private final String title;

  ProblemCode(int status, String title) {
    this.status = status;
    this.title = title;
  }

  public int status() {
    return status;
  }

  public String title() {
    return title;
  }

  /** insufficient_funds */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
