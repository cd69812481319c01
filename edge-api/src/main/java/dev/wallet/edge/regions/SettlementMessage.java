package dev.wallet.edge.regions;

import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;
import io.vertx.core.json.JsonObject;

/**
 * A settlement on the wire between regions: {@code {"movementId", "kind", "fromWalletId",
 * "toWalletId", "amount", "currency", "sourceRegion"}}, signed as a whole (see {@link RegionChannel}).
 */
final class SettlementMessage {

  private SettlementMessage() {
  }

  static JsonObject toJson(Settlement s) {
    return new JsonObject().put("movementId", s.movementId()).put("kind", s.kind().wire())
      .put("fromWalletId", s.from().value()).put("toWalletId", s.to().value()).put("amount", s.amount().minor())
      .put("currency", s.amount().currencyCode()).put("sourceRegion", s.sourceRegion());
  }

  /**
   * The settlement a message carries.
   *
   * @throws IllegalArgumentException (or ClassCastException, NullPointerException) when a member is
   *     missing or malformed
   */
  static Settlement fromJson(JsonObject json) {
    long amount = json.getLong("amount");
    if (amount <= 0) {
      throw new IllegalArgumentException("amount must be positive");
    }
    return new Settlement(json.getString("movementId"), MovementKind.fromWire(json.getString("kind")),
      new WalletId(json.getString("fromWalletId")), new WalletId(json.getString("toWalletId")),
      new Money(amount, Currencies.parse(json.getString("currency"))), json.getString("sourceRegion"));
  }
}
