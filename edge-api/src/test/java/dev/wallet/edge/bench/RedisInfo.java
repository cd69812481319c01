package dev.wallet.edge.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.List;

/**
 * The cluster's nodes, and reading INFO's list lines, such as {@code db0:keys=120,expires=30} or
 * {@code cmdstat_get:calls=12,usec=340}.
 */
final class RedisInfo {

  private RedisInfo() {
  }

  /** Every node of the cluster that {@code seed} (host:port) belongs to, masters and replicas: host:port. */
  static Future<List<String>> nodes(Vertx vertx, String seed) {
    Redis cluster = Redis.createClient(vertx, "redis://" + seed);
    return cluster.send(Request.cmd(Command.CLUSTER).arg("NODES"))
      .map(nodes -> nodes.toString().lines().map(line -> line.split(" ")[1].split("@")[0]).toList())
      .eventually(cluster::close);
  }

  /** The number a line gives {@code field}, 0 when it names none. */
  static long field(String line, String field) {
    for (String pair : line.substring(line.indexOf(':') + 1).split(",")) {
      int equals = pair.indexOf('=');
      if (equals > 0 && pair.substring(0, equals).equals(field)) {
        return Long.parseLong(pair.substring(equals + 1).trim());
      }
    }
    return 0;
  }
}
