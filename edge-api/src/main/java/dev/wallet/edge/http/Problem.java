package dev.wallet.edge.http;

import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answer, RFC 9457 problem details: {@code {"type","title","status","code","detail"}}
 * plus extension members such as the {@code transferId} a refusal is about. This is the one
 * place where the money core's refusals become HTTP statuses and codes. A 401 names, in
 * {@code WWW-Authenticate}, the scheme that would have been accepted ({@code challenge}): a bearer token
 * for a caller, a signature for a gateway's webhook or another region.
 */
public record Problem(ProblemCode code, String detail, Map<String, Object> extensions, String challenge) {

  static final String CONTENT_TYPE = "application/problem+json";
  static final String RETRY_AFTER_SECONDS = "1";
  /** A halt lasts until a person acts: minutes, not seconds. */
  public static final String HALTED_RETRY_AFTER_SECONDS = "60";
  private static final String RETRY_AFTER_MEMBER = "retryAfterSeconds";
  private static final String HOME_REGION_MEMBER = "homeRegion";
  private static final String LOCATION_MEMBER = "location";

  static final String BEARER_CHALLENGE = "Bearer realm=\"wallet\", error=\"invalid_token\"";

  public Problem {
    extensions = Map.copyOf(extensions);
  }

  public Problem(ProblemCode code, String detail, Map<String, Object> extensions) {
    this(code, detail, extensions, BEARER_CHALLENGE);
  }

  public static Problem of(ProblemCode code, String detail) {
    return new Problem(code, detail, Map.of());
  }

  public static Problem invalidRequest(String detail) {
    return of(ProblemCode.INVALID_REQUEST, detail);
  }

  /** The same answer whether the thing does not exist or belongs to someone else: no data leaks. */
  public static Problem notFound() {
    return of(ProblemCode.NOT_FOUND, "no such resource, or not yours");
  }

  public static Problem unauthorized(String detail) {
    return of(ProblemCode.UNAUTHORIZED, detail);
  }

  /**
   * A request that must be signed, and was not (or not well): challenged with the signature's own header
   * name as its scheme, since a bearer token, which a plain 401 asks for, would not be accepted.
   */
  public static Problem unsigned(String signatureHeader, String realm, String detail) {
    return new Problem(ProblemCode.UNAUTHORIZED, detail, Map.of(), signatureHeader + " realm=\"" + realm + "\"");
  }

  public static Problem unavailable(String detail) {
    return of(ProblemCode.UNAVAILABLE, detail);
  }

  /**
   * Reconciliation found a discrepancy: no money moves until a person releases the halt. What it
   * found is for operators (/admin/reconciliation/halt), not for every caller: until 2026-12-07 the
   * detail carried the finding's evidence, such as the balances of the operator's own accounts.
   */
  public static Problem halted() {
    return of(ProblemCode.HALTED, "money movement is paused while reconciliation's finding is looked into; reads "
      + "keep working");
  }

  public static Problem forbidden(String detail) {
    return of(ProblemCode.FORBIDDEN, detail);
  }

  /** The request names what region {@code homeRegion} serves, at {@code location}. */
  public static Problem wrongRegion(String homeRegion, String location) {
    return of(ProblemCode.WRONG_REGION, "this is served by region " + homeRegion + "; send the same request to "
      + location).with(HOME_REGION_MEMBER, homeRegion).with(LOCATION_MEMBER, location);
  }

  /** A movement to (or an authorization for) a wallet this region does not hold. */
  public static Problem crossRegion() {
    return of(ProblemCode.CROSS_REGION, "the other wallet of this request is not a wallet of this region; money does not"
      + " move between regions yet, and nothing was moved");
  }

  public static Problem rateLimited(long retryAfterSeconds) {
    return of(ProblemCode.RATE_LIMITED, "too many requests from this caller; retry in " + retryAfterSeconds + " s")
      .with(RETRY_AFTER_MEMBER, retryAfterSeconds);
  }

  /** The money core's refusals as the contract names them. */
  public static Problem forRefusal(OutcomeCode refusal) {
    return switch (refusal) {
      case OK, PENDING -> throw new IllegalArgumentException(refusal + " is not a refusal");
      case AMOUNT_INVALID -> invalidRequest("amount must be a positive integer of minor units");
      case SAME_WALLET -> invalidRequest("the money must go to a wallet other than the one it comes from");
      case BALANCE_OVERFLOW -> invalidRequest("the amount would take a balance past 2^53-1 minor units");
      case BALANCE_NOT_ZERO -> invalidRequest("the wallet still holds money");
      case MONEY_IN_FLIGHT -> of(ProblemCode.MONEY_IN_FLIGHT,
        "the wallet cannot close while money of it is held or on its way to another wallet; retry once that has ended");
      case WALLET_NOT_FOUND, TRANSFER_NOT_FOUND, HOLD_NOT_FOUND, PAYMENT_NOT_FOUND, AUTHORIZATION_NOT_FOUND -> notFound();
      case AUTHORIZATION_NOT_ACTIVE -> of(ProblemCode.AUTHORIZATION_NOT_ACTIVE,
        "the authorization was captured or released already");
      case AUTHORIZATION_EXPIRED -> of(ProblemCode.AUTHORIZATION_EXPIRED,
        "the authorization has expired; its money is released to the payer");
      case CAPTURE_EXCEEDS_AUTHORIZATION -> of(ProblemCode.CAPTURE_EXCEEDS_AUTHORIZATION,
        "the capture is more than the authorization still holds");
      case NOT_EXPIRED -> throw new IllegalArgumentException(refusal + " is the sweeper's, never a caller's");
      case PAYMENT_RECORD_COLD, CREDIT_FORGONE ->
        throw new IllegalArgumentException(refusal + " is the money core's, never a caller's");
      // 404 rather than 400: a 400 would tell a payer that a personal wallet exists under this id
      case NOT_A_MERCHANT -> of(ProblemCode.NOT_FOUND, "no merchant wallet with this id");
      case MERCHANT_WALLET -> of(ProblemCode.MERCHANT_WALLET,
        "the receiver is a merchant wallet: pay it with POST /v1/payments, where its fee and its rules apply");
      case REFUND_EXCEEDS_PAYMENT -> of(ProblemCode.REFUND_EXCEEDS_PAYMENT,
        "the refunds of this payment would add up to more than was paid");
      case WALLET_EXISTS -> of(ProblemCode.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key already opened a wallet");
      case WALLET_INACTIVE -> of(ProblemCode.WALLET_INACTIVE, "a wallet of this request is frozen or closed");
      case CURRENCY_MISMATCH -> of(ProblemCode.CURRENCY_MISMATCH, "the currency differs from the wallet's");
      case INSUFFICIENT_FUNDS, HOLD_EXCEEDED, FUNDS_HELD -> of(ProblemCode.INSUFFICIENT_FUNDS, "the available balance is too low");
      case LIMIT_EXCEEDED -> of(ProblemCode.LIMIT_EXCEEDED, "a limit of the sender's KYC tier would be exceeded");
      case IDEMPOTENCY_IN_FLIGHT -> of(ProblemCode.IDEMPOTENCY_IN_FLIGHT,
        "the first request with this Idempotency-Key has not finished; retry later");
      case IDEMPOTENCY_KEY_REUSED -> of(ProblemCode.IDEMPOTENCY_KEY_REUSED,
        "this Idempotency-Key was used for a different request");
      case BATCH_REFUSED -> of(ProblemCode.ATOMIC_BATCH_REFUSED,
        "another item of this atomic batch was refused, so this one was not applied");
    };
  }

  /** A refusal with what the money core said about it (e.g. the limit rule behind LIMIT_EXCEEDED). */
  public static Problem forRefusal(Outcome<?> outcome) {
    return withDetail(forRefusal(outcome.code()), outcome);
  }

  /**
   * The destination's refusal that reversed a movement, as its sender is told it. A movement is
   * reversed for limits only by another region judging its receiver's (the sender's own are checked
   * before the money leaves), which within a region is {@code receiver_cannot_accept}: the receiver's
   * limits are not the sender's business (until 2026-12-06 such a reversal read {@code limit_exceeded},
   * as if the sender's own).
   */
  public static Problem forReversal(OutcomeCode reason) {
    return reason == OutcomeCode.LIMIT_EXCEEDED ? receiverCannotAccept() : forRefusal(reason);
  }

  public static Problem forReversal(Outcome<?> outcome) {
    return outcome.code() == OutcomeCode.LIMIT_EXCEEDED ? receiverCannotAccept() : forRefusal(outcome);
  }

  public static Problem receiverCannotAccept() {
    return of(ProblemCode.RECEIVER_CANNOT_ACCEPT, "the receiver cannot accept this transfer");
  }

  private static Problem withDetail(Problem problem, Outcome<?> outcome) {
    return outcome.detail().isEmpty() ? problem : new Problem(problem.code(), problem.detail() + ": "
      + outcome.detail(), problem.extensions(), problem.challenge());
  }

  public Problem with(String name, Object value) {
    Map<String, Object> more = new LinkedHashMap<>(extensions);
    more.put(name, value);
    return new Problem(code, detail, more, challenge);
  }

  public int status() {
    return code.status();
  }

  public JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("type", "urn:wallet:problem:" + code.wire())
      .put("title", code.title())
      .put("status", code.status())
      .put("code", code.wire())
      .put("detail", detail);
    extensions.forEach(json::put);
    return json;
  }

  public Reply reply() {
    Reply reply = new Reply(code.status(), CONTENT_TYPE, toJson(), Map.of());
    return switch (code) {
      case UNAVAILABLE -> reply.withHeader("Retry-After", RETRY_AFTER_SECONDS);
      case HALTED -> reply.withHeader("Retry-After", HALTED_RETRY_AFTER_SECONDS);
      case RATE_LIMITED -> reply.withHeader("Retry-After", String.valueOf(extensions.get(RETRY_AFTER_MEMBER)));
      case WRONG_REGION -> reply.withHeader("Location", String.valueOf(extensions.get(LOCATION_MEMBER)));
      case UNAUTHORIZED -> reply.withHeader("WWW-Authenticate", challenge);
      default -> reply;
    };
  }
}
