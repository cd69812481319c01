package dev.wallet.balancecache.testing;

import dev.wallet.balancecache.model.ShardId;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisCluster;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every key of one shard with its serialized value (DUMP), so a test can show that a refused
 * request wrote nothing, not even part of a posting. The shard's clock is left out: every script
 * writes it first, whatever it then does, so that the replication WAIT after it covers what it
 * answers for (it holds a time, no state of any movement); so is the counter older scripts increment.
 * Values are compared without their time to live, which Redis counts down on its own.
 */
public final class ShardSnapshot {

  /** Keys every script writes, whatever it decides: the shard's clock, and the counter older scripts increment. */
  private static final java.util.Set<String> WRITTEN_BY_EVERY_SCRIPT = java.util.Set.of(":clock", ":commit");
  private static final String EXPIRES_AT = "|expires-at=";

  private ShardSnapshot() {
  }

  /**
   * The keys whose value differs between two snapshots (added, removed or changed): for failure
   * messages. A key gone because its time to live ran out (a limit counter's window ending) is
   * Redis expiring it, not a change, and is left out.
   */
  public static java.util.Set<String> changedKeys(Map<String, String> before, Map<String, String> after) {
    java.util.Set<String> changed = new java.util.TreeSet<>();
    long now = System.currentTimeMillis();
    before.forEach((k, v) -> {
      String later = after.get(k);
      boolean expired = later == null && expiresAt(v) <= now + 1_000;
      if (!expired && (later == null || !dump(v).equals(dump(later)))) {
        changed.add(k);
      }
    });
    after.keySet().stream().filter(k -> !before.containsKey(k)).forEach(changed::add);
    return changed;
  }

  private static String dump(String value) {
    int at = value.indexOf(EXPIRES_AT);
    return at < 0 ? value : value.substring(0, at);
  }

  private static long expiresAt(String value) {
    int at = value.indexOf(EXPIRES_AT);
    return at < 0 ? Long.MAX_VALUE : Long.parseLong(value.substring(at + EXPIRES_AT.length()));
  }

  public static Map<String, String> take(Redis redis, ShardId shard) {
    int slot = RedisNodes.slotOf(shard.tag());
    Map<String, String> values = new TreeMap<>();
    for (Response node : Await.result(RedisCluster.create(redis)
        .onAllMasterNodes(Request.cmd(Command.CLUSTER).arg("GETKEYSINSLOT").arg(slot).arg(100_000)))) {
      for (Response key : node) {
        if (WRITTEN_BY_EVERY_SCRIPT.contains(key.toString().substring(shard.tag().length()))) {
          continue;
        }
        Response dump = Await.result(redis.send(Request.cmd(Command.DUMP).arg(key.toString())));
        if (dump == null) {
          continue; // listed but already expired: Redis reclaims expired keys lazily
        }
        long ttlMs = Await.result(redis.send(Request.cmd(Command.PTTL).arg(key.toString()))).toLong();
        String value = HexFormat.of().formatHex(dump.toBytes());
        values.put(key.toString(), ttlMs > 0 ? value + EXPIRES_AT + (System.currentTimeMillis() + ttlMs) : value);
      }
    }
    return values;
  }
}
