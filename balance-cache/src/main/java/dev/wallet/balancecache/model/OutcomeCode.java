package dev.wallet.balancecache.model;

/**
 * What became of a request to the money core. Business refusals are values, not exceptions;
 * an exception from the money core means the infrastructure could not give an answer.
 */
public enum OutcomeCode {
  /** Done. */
  OK,
  /** A cross-shard transfer whose source was debited; its credit or reversal is on its way. */
  PENDING,
  AMOUNT_INVALID,
  SAME_WALLET,
  WALLET_NOT_FOUND,
  WALLET_EXISTS,
  WALLET_INACTIVE,
  CURRENCY_MISMATCH,
  INSUFFICIENT_FUNDS,
  /**
   * The system taking money back (a chargeback) that the wallet's available balance does not cover
   * and its held money would (a payout or an authorization in flight): nothing recorded, so that it
   * can be asked again once those holds have ended (hold.lua). Never a caller's answer.
   */
  FUNDS_HELD,
  BALANCE_OVERFLOW,
  BALANCE_NOT_ZERO,
  /**
   * A wallet does not close while money of it is held or on its way to another shard: a release
   * or a reversal would bring it back into a wallet that can never be reopened.
   */
  MONEY_IN_FLIGHT,
  HOLD_NOT_FOUND,
  HOLD_EXCEEDED,
  TRANSFER_NOT_FOUND,
  /** A payment's destination is not a merchant wallet. */
  NOT_A_MERCHANT,
  /** A transfer's destination is a merchant wallet: a merchant is paid with a payment. */
  MERCHANT_WALLET,
  /** No payment of this merchant wallet under that id (or not yet completed). */
  PAYMENT_NOT_FOUND,
  /** The refunds of a payment would add up to more than was paid. */
  REFUND_EXCEEDS_PAYMENT,
  /**
   * Never an answer: a refund found its payment record expired from the hot tier, and the money
   * core restores it from the ledger and asks again (lib.lua, refund_bound).
   */
  PAYMENT_RECORD_COLD,
  /** No authorization under that id that the caller may see. */
  AUTHORIZATION_NOT_FOUND,
  /** The authorization was captured or released already. */
  AUTHORIZATION_NOT_ACTIVE,
  /** The authorization's expiry has passed: it is (or is about to be) released by the system. */
  AUTHORIZATION_EXPIRED,
  /** A capture of more than the authorization still holds. */
  CAPTURE_EXCEEDS_AUTHORIZATION,
  /** The sweeper asked to release an authorization whose expiry (by Redis's clock) has not come. */
  NOT_EXPIRED,
  /** A {@link LimitCheck} would be exceeded; the outcome's detail names the rule. */
  LIMIT_EXCEEDED,
  /** The first request under this idempotency key has not reached its outcome yet. */
  IDEMPOTENCY_IN_FLIGHT,
  /** This idempotency key was used before for a different request. */
  IDEMPOTENCY_KEY_REUSED,
  /** Another item of an atomic batch was refused, so this one was not applied (nothing was recorded for it). */
  BATCH_REFUSED,
  /**
   * A credit its caller gave up before it was booked ({@code BalanceCache#forgoCredit}: a deposit the
   * gateway took back before the wallet credited it), recorded under the credit's key: the credit
   * asked afterwards is answered this and moves nothing. Never a client's answer.
   */
  CREDIT_FORGONE;

  public boolean accepted() {
    return this == OK || this == PENDING;
  }
}
