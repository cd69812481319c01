package dev.wallet.edge.gateway.sandbox;

import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import dev.wallet.edge.gateway.GatewayRequest;
import dev.wallet.edge.gateway.Instrument;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/** The sandbox's own small HTTP API, both sides of it in one place. */
final class SandboxProtocol {

  private SandboxProtocol() {
  }

  static JsonObject requestJson(GatewayRequest request) {
    JsonObject instrument = new JsonObject().put("type", request.instrument().type());
    request.instrument().account().ifPresent(account -> instrument.put("account", account));
    return new JsonObject().put("reference", request.reference()).put("amount", request.amount().minor())
      .put("currency", request.amount().currencyCode()).put("instrument", instrument);
  }

  /** Throws IllegalArgumentException (or ClassCastException, NullPointerException) for a malformed request. */
  static GatewayRequest request(JsonObject json) {
    JsonObject instrument = json.getJsonObject("instrument");
    return new GatewayRequest(json.getString("reference"),
      new Money(json.getLong("amount"), Currencies.parse(json.getString("currency"))),
      new Instrument(instrument.getString("type"), Optional.ofNullable(instrument.getString("account"))));
  }
}
