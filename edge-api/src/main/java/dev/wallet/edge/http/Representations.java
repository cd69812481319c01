package dev.wallet.edge.http;

import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.CaptureView;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.RefundView;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.ledger.EntryPage;
import dev.wallet.ledger.LedgerEntry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The contract's JSON shapes, built from the model's records at this one place. */
public final class Representations {

  private Representations() {
  }

  /**
   * The contract's wallet with its owner's KYC tier, null when the limits module cannot say
   * ({@code LimitsHandlers.wallet}, the one way a wallet is answered: until 2026-12-07 the admin routes
   * answered every wallet's tier as unverified, whatever its owner's).
   */
  public static JsonObject wallet(Wallet wallet, String kycTier) {
    return new JsonObject()
      .put("id", wallet.id().value())
      .put("ownerId", wallet.ownerId())
      .put("currency", wallet.currency().getCurrencyCode())
      .put("type", wallet.type().wire())
      .put("status", wallet.status().wire())
      .put("kycTier", kycTier)
      .put("balance", new JsonObject().put("available", wallet.available()).put("held", wallet.held()))
      .put("seq", wallet.seq());
  }

  /** A reversed transfer also names why, as the code the destination's refusal has in the contract. */
  public static JsonObject transfer(TransferView transfer) {
    JsonObject json = new JsonObject()
      .put("id", transfer.id().value())
      .put("status", transfer.status().wire())
      .put("fromWalletId", transfer.from().value())
      .put("toWalletId", transfer.to().value())
      .put("amount", transfer.amount().minor())
      .put("currency", transfer.amount().currencyCode())
      .put("createdAt", transfer.createdAt().toString());
    transfer.reversalReason().ifPresent(reason -> json.put("reversalCode", reversalCode(reason)));
    return json;
  }

  /** The destination's refusal that reversed a movement, as the contract names it for the sender. */
  private static String reversalCode(OutcomeCode reason) {
    return Problem.forReversal(reason).code().wire();
  }

  /** The contract's payment; fee and refunded are additions (minor units), reversalCode when reversed. */
  public static JsonObject payment(PaymentView payment) {
    JsonObject json = new JsonObject()
      .put("id", payment.id().value())
      .put("status", payment.status().wire())
      .put("fromWalletId", payment.payer().value())
      .put("merchantWalletId", payment.merchant().value())
      .put("amount", payment.amount().minor())
      .put("fee", payment.feeMinor())
      .put("currency", payment.amount().currencyCode())
      .put("refunded", payment.refundedMinor())
      .put("createdAt", payment.createdAt().toString());
    payment.orderRef().filter(ref -> !ref.isEmpty()).ifPresent(ref -> json.put("orderRef", ref));
    payment.reversalReason().ifPresent(reason -> json.put("reversalCode", reversalCode(reason)));
    return json;
  }

  /** An authorization: amount authorized, captured so far, still held; releasedBy (void|expiry) once released. */
  public static JsonObject authorization(AuthorizationView authorization) {
    JsonObject json = new JsonObject()
      .put("id", authorization.id().value())
      .put("status", authorization.status().wire())
      .put("fromWalletId", authorization.payer().value())
      .put("merchantWalletId", authorization.merchant().value())
      .put("amount", authorization.authorized().minor())
      .put("captured", authorization.capturedMinor())
      .put("held", authorization.heldMinor())
      .put("currency", authorization.authorized().currencyCode())
      .put("createdAt", authorization.createdAt().toString())
      .put("expiresAt", authorization.expiresAt().toString());
    authorization.orderRef().ifPresent(ref -> json.put("orderRef", ref));
    authorization.releasedBy().ifPresent(by -> json.put("releasedBy", by));
    return json;
  }

  /** A capture: the payment it made (refundable at /v1/payments/{id}/refunds) and the authorization after it. */
  public static JsonObject capture(CaptureView capture) {
    JsonObject json = new JsonObject().put("payment", payment(capture.payment()));
    capture.authorization().ifPresent(authorization -> json.put("authorization", authorization(authorization)));
    return json;
  }

  public static JsonObject refund(RefundView refund) {
    JsonObject json = new JsonObject()
      .put("id", refund.id().value())
      .put("paymentId", refund.payment().value())
      .put("status", refund.status().wire())
      .put("amount", refund.amount().minor())
      .put("currency", refund.amount().currencyCode())
      .put("createdAt", refund.createdAt().toString());
    refund.reversalReason().ifPresent(reason -> json.put("reversalCode", reversalCode(reason)));
    return json;
  }

  /** A page of a wallet's entries; one on a hot merchant's credit stripe names it in accountId. */
  public static JsonObject entries(EntryPage page, WalletId wallet) {
    JsonArray entries = new JsonArray();
    page.entries().forEach(entry -> entries.add(wallet.value().equals(entry.accountId()) ? entry(entry)
      : entry(entry).put("accountId", entry.accountId())));
    return new JsonObject()
      .put("entries", entries)
      .put("nextCursor", page.nextCursor().orElse(null));
  }

  /** amount is signed: + credit, - debit; bucket says which balance (available or held) it moved. */
  public static JsonObject entry(LedgerEntry entry) {
    return new JsonObject()
      .put("id", entry.id())
      .put("transactionId", entry.transactionId())
      .put("type", entry.type())
      .put("amount", entry.amount())
      .put("currency", entry.currency())
      .put("bucket", entry.bucket())
      .put("balanceAfter", entry.balanceAfter())
      .put("seq", entry.seq())
      .put("createdAt", entry.createdAt().toString());
  }
}
