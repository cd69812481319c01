package dev.wallet.edge.regions;

import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;
import io.vertx.core.json.JsonObject;

/**
 * A settlement on the wire between regions: {@code {"movementId", "kind", "fromWalletId",
 * "toWalletId", "amount", "currency", "sourceRegion"}} and for a payment or a refund {@code "fee"} and
 * {@code "paymentId"}, signed as a whole (see {@link RegionChannel}).
 */
final class SettlementMessage {

  private SettlementMessage() {
  }

  static JsonObject toJson(Settlement s) {
    return new JsonObject().put("movementId", s.movementId()).put("kind", s.kind().wire())
      .put("fromWalletId", s.from().value()).put("toWalletId", s.to().value()).put("amount", s.amount().minor())
      .put("currency", s.amount().currencyCode()).put("fee", s.fee()).put("paymentId", s.paymentId())
      .put("sourceRegion", s.sourceRegion());
  }

  /**
   * The settlement a message carries.
   *
   * @throws IllegalArgumentException (or ClassCastException, NullPointerException) when a member is
   *     missing or malformed
   */
  static Settlement fromJson(JsonObject json) {
    long amount = json.getLong("amount");
    long fee = json.getLong("fee", 0L);
    if (amount <= 0) {
      throw new IllegalArgumentException("amount must be positive");
    }
    if (fee < 0 || fee > amount) {
      throw new IllegalArgumentException("fee must be between 0 and the amount");
    }
    return new Settlement(json.getString("movementId"), MovementKind.fromWire(json.getString("kind")),
      new WalletId(json.getString("fromWalletId")), new WalletId(json.getString("toWalletId")),
      new Money(amount, Currencies.parse(json.getString("currency"))), fee, json.getString("paymentId", ""),
      json.getString("sourceRegion"));
  }
}
