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
 * request wrote nothing, not even part of a posting. The shard's commit marker is left out: the
 * money core's group commit increments it after every batch of scripts, whatever they did, so
 * that the replication WAIT covers the batch (it holds a counter, no state of any movement).
 */
public final class ShardSnapshot {

  private static final String COMMIT_MARKER = ":commit";
  /** Marks the value of a key that has a time to live (limit counters, refusal records). */
  private static final String EXPIRING = "|expiring";

  private ShardSnapshot() {
  }

  /**
   * The keys whose value differs between two snapshots (added, removed or changed): for failure
   * messages. A key with a time to live that is gone is not a change: it expired (an earlier test's
   * limit counter whose window ended between the two snapshots), no script deletes one.
   */
  public static java.util.Set<String> changedKeys(Map<String, String> before, Map<String, String> after) {
    java.util.Set<String> changed = new java.util.TreeSet<>();
    before.forEach((k, v) -> {
      boolean expired = v.endsWith(EXPIRING) && !after.containsKey(k);
      if (!expired && !v.equals(after.get(k))) {
        changed.add(k);
      }
    });
    after.keySet().stream().filter(k -> !before.containsKey(k)).forEach(changed::add);
    return changed;
  }

  public static Map<String, String> take(Redis redis, ShardId shard) {
    int slot = RedisNodes.slotOf(shard.tag());
    Map<String, String> values = new TreeMap<>();
    for (Response node : Await.result(RedisCluster.create(redis)
        .onAllMasterNodes(Request.cmd(Command.CLUSTER).arg("GETKEYSINSLOT").arg(slot).arg(100_000)))) {
      for (Response key : node) {
        if (key.toString().equals(shard.tag() + COMMIT_MARKER)) {
          continue;
        }
        Response dump = Await.result(redis.send(Request.cmd(Command.DUMP).arg(key.toString())));
        if (dump != null) {
          boolean expiring = Await.result(redis.send(Request.cmd(Command.PTTL).arg(key.toString()))).toLong() > 0;
          values.put(key.toString(), HexFormat.of().formatHex(dump.toBytes()) + (expiring ? EXPIRING : ""));
        }
      }
    }
    return values;
  }
}
