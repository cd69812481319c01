package dev.wallet.edge.regions;

import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.money.Merchants;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What regions tell each other about their merchants, on the wire:
 * <ul>
 *   <li>a merchant: {@code {"walletId", "ownerId", "currency", "feeBps"}}, or {@code {}} for a wallet that is none;</li>
 *   <li>a refund asked of the merchant's region: {@code {"paymentId", "merchantWalletId", "amount",
 *       "currency", "actor", "idempotencyScope", "idempotencyKey"}};</li>
 *   <li>the answer the merchant's region gives its caller, to be sent as is:
 *       {@code {"status", "contentType", "body", "headers"}}.</li>
 * </ul>
 */
final class MerchantMessage {

  private MerchantMessage() {
  }

  /** A region's refund of a payment to {@code merchant}, as the payment's region asks for it. */
  record RefundAsked(Refund refund, WalletId merchant) {
  }

  static JsonObject merchantToJson(Optional<Merchants.Merchant> merchant) {
    return merchant.map(m -> new JsonObject().put("walletId", m.wallet().id().value())
      .put("ownerId", m.wallet().ownerId()).put("currency", m.wallet().currency().getCurrencyCode())
      .put("feeBps", m.feeBps())).orElseGet(JsonObject::new);
  }

  static Optional<Merchants.Merchant> merchantFromJson(JsonObject json) {
    if (!json.containsKey("walletId")) {
      return Optional.empty();
    }
    return Optional.of(new Merchants.Merchant(new WalletIdentity(new WalletId(json.getString("walletId")),
      json.getString("ownerId"), Currencies.parse(json.getString("currency")), WalletType.MERCHANT),
      json.getInteger("feeBps")));
  }

  static JsonObject refundToJson(Refund refund, WalletId merchant) {
    return new JsonObject().put("paymentId", refund.payment().value()).put("merchantWalletId", merchant.value())
      .put("amount", refund.amount().minor()).put("currency", refund.amount().currencyCode())
      .put("actor", refund.actor()).put("idempotencyScope", refund.idempotencyKey().scope())
      .put("idempotencyKey", refund.idempotencyKey().key());
  }

  /**
   * The refund a message asks for.
   *
   * @throws IllegalArgumentException (or ClassCastException, NullPointerException) when a member is
   *     missing or malformed
   */
  static RefundAsked refundFromJson(JsonObject json) {
    Refund refund = new Refund(new PaymentId(json.getString("paymentId")),
      new Money(json.getLong("amount"), Currencies.parse(json.getString("currency"))), json.getString("actor"),
      new IdempotencyKey(json.getString("idempotencyScope"), json.getString("idempotencyKey")));
    return new RefundAsked(refund, new WalletId(json.getString("merchantWalletId")));
  }

  static JsonObject replyToJson(Reply reply) {
    return new JsonObject().put("status", reply.status()).put("contentType", reply.contentType())
      .put("body", reply.body()).put("headers", new JsonObject(new HashMap<>(reply.headers())));
  }

  static Reply replyFromJson(JsonObject json) {
    Map<String, String> headers = new HashMap<>();
    json.getJsonObject("headers").forEach(header -> headers.put(header.getKey(), String.valueOf(header.getValue())));
    return new Reply(json.getInteger("status"), json.getString("contentType"), json.getJsonObject("body"), headers);
  }
}
