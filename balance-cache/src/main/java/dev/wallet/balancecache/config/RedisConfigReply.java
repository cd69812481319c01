package dev.wallet.balancecache.config;

import io.vertx.redis.client.Response;

/** Reading a Redis node's answer to {@code CONFIG GET name}. */
public final class RedisConfigReply {

  private RedisConfigReply() {
  }

  /** The setting's value: CONFIG GET answers a map (RESP3) or a [name, value] list (RESP2); "" when it has none. */
  public static String value(Response reply, String name) {
    if (reply == null) {
      return "";
    }
    if (reply.isMap()) {
      Response value = reply.get(name);
      return value == null ? "" : value.toString();
    }
    return reply.size() >= 2 ? reply.get(1).toString() : "";
  }
}
