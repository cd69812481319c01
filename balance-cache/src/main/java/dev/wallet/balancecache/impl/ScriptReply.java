package dev.wallet.balancecache.impl;

import io.vertx.core.json.JsonObject;

/** What a script answered: how the outcome was reached (see lib.lua) and the outcome itself. */
record ScriptReply(Kind kind, JsonObject outcome) {

  enum Kind { NEW, REPLAY, IN_FLIGHT, KEY_REUSED }

  static ScriptReply parse(String kind, String outcomeJson) {
    JsonObject outcome = outcomeJson == null || outcomeJson.isEmpty() ? new JsonObject() : new JsonObject(outcomeJson);
    return new ScriptReply(Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT)), outcome);
  }
}
