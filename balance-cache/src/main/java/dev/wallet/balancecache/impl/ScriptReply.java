package dev.wallet.balancecache.impl;

import io.vertx.core.json.JsonObject;

/** What a script answered: how the outcome was reached (see lib.lua) and the outcome itself. */
record ScriptReply(Kind kind, JsonObject outcome) {

  /**
   * UNRECORDED: a refusal the caller asked not to record (move.lua's ARGV[13]), or capture.lua's and
   * finish_hold.lua's for a hold or authorization without a record; nothing was written.
   * ELSEWHERE: saga_local.lua's when its node does not serve the destination's shard; nothing was written.
   */
  enum Kind { NEW, REPLAY, IN_FLIGHT, KEY_REUSED, UNRECORDED, ELSEWHERE }

  static ScriptReply parse(String kind, String outcomeJson) {
    JsonObject outcome = outcomeJson == null || outcomeJson.isEmpty() ? new JsonObject() : new JsonObject(outcomeJson);
    return new ScriptReply(Kind.valueOf(kind.toUpperCase(java.util.Locale.ROOT)), outcome);
  }
}
