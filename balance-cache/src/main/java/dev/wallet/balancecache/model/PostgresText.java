package dev.wallet.balancecache.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Text from outside the wallet's own checks as PostgreSQL's text can hold it: a NUL, which it
 * refuses, read as U+FFFD. A value the database refuses at every retry stops whatever reads it in
 * order (a shard's ledger, the gateway's event feed); the edge refuses NUL in what callers send it,
 * and this is for what reaches the wallet another way (a script's record, a gateway's answer).
 */
public final class PostgresText {

  private PostgresText() {
  }

  public static JsonObject withoutNul(JsonObject object) {
    if (!object.encode().contains("\\u0000")) {
      return object;
    }
    return clean(object);
  }

  private static JsonObject clean(JsonObject object) {
    JsonObject clean = new JsonObject();
    object.forEach(field -> clean.put(field.getKey().replace('\0', '\uFFFD'), clean(field.getValue())));
    return clean;
  }

  private static Object clean(Object value) {
    if (value instanceof String text) {
      return text.replace('\0', '\uFFFD');
    }
    if (value instanceof JsonObject object) {
      return clean(object);
    }
    if (value instanceof JsonArray array) {
      JsonArray clean = new JsonArray();
      array.forEach(item -> clean.add(clean(item)));
      return clean;
    }
    return value;
  }
}
