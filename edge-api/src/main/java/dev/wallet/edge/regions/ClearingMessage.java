package dev.wallet.edge.regions;

import dev.wallet.balancecache.model.ClearingPosition;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * A region's {@link ClearingPosition} on the wire:
 * {@code {"totals": {"b": {"USD": 100}}, "sequences": {"b": 4}, "pending": {"b": 0}}}.
 */
final class ClearingMessage {

  private ClearingMessage() {
  }

  static JsonObject toJson(ClearingPosition position) {
    JsonObject totals = new JsonObject();
    position.totals().forEach((region, byCurrency) -> totals.put(region, new JsonObject(Map.copyOf(byCurrency))));
    return new JsonObject().put("totals", totals).put("sequences", new JsonObject(Map.copyOf(position.sequences())))
      .put("pending", new JsonObject(Map.copyOf(position.pending())));
  }

  static ClearingPosition fromJson(JsonObject json) {
    Map<String, Map<String, Long>> totals = new TreeMap<>();
    json.getJsonObject("totals").forEach(region -> totals.put(region.getKey(),
      longs((JsonObject) region.getValue())));
    return new ClearingPosition(totals, longs(json.getJsonObject("sequences")), longs(json.getJsonObject("pending")));
  }

  private static Map<String, Long> longs(JsonObject json) {
    Map<String, Long> values = new TreeMap<>();
    json.forEach(entry -> values.put(entry.getKey(), ((Number) entry.getValue()).longValue()));
    return values;
  }
}
