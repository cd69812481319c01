package dev.wallet.edge.gateway;

import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One webhook event of a gateway: what happened to one of the wallet's references. Its
 * {@code id} is the gateway's, unique per gateway: the wallet applies each id at most once.
 */
public record GatewayEvent(String id, Type type, String reference, Money amount, Optional<String> gatewayRef,
                           Optional<String> reason, Instant created) implements GatewayFeedPage.Entry {

  public enum Type {
    DEPOSIT_SUCCEEDED("deposit.succeeded"),
    DEPOSIT_FAILED("deposit.failed"),
    DEPOSIT_REVERSED("deposit.reversed"),
    PAYOUT_PAID("payout.paid"),
    PAYOUT_FAILED("payout.failed"),
    PAYOUT_RETURNED("payout.returned");

    private final String wire;

    Type(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }

    public boolean aboutDeposit() {
      return wire.startsWith("deposit.");
    }

    public static Type fromWire(String text) {
      return Arrays.stream(values()).filter(type -> type.wire.equals(text)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown event type " + text));
    }
  }

  public GatewayEvent {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(amount, "amount");
    Objects.requireNonNull(gatewayRef, "gatewayRef");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(created, "created");
  }

  /** The wire form; the wallet's OpenAPI document (GatewayEvent) describes it. */
  public JsonObject toJson() {
    JsonObject data = new JsonObject().put("reference", reference).put("amount", amount.minor())
      .put("currency", amount.currencyCode());
    gatewayRef.ifPresent(ref -> data.put("gatewayRef", ref));
    reason.ifPresent(why -> data.put("reason", why));
    return new JsonObject().put("id", id).put("type", type.wire()).put("created", created.getEpochSecond())
      .put("data", data);
  }

  /** From a body already validated against the GatewayEvent schema. */
  public static GatewayEvent fromJson(JsonObject json) {
    JsonObject data = json.getJsonObject("data");
    return new GatewayEvent(json.getString("id"), Type.fromWire(json.getString("type")), data.getString("reference"),
      new Money(data.getLong("amount"), Currencies.parse(data.getString("currency"))),
      Optional.ofNullable(data.getString("gatewayRef")), Optional.ofNullable(data.getString("reason")),
      Instant.ofEpochSecond(json.getLong("created")));
  }
}
