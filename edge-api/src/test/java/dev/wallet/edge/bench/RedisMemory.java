package dev.wallet.edge.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the cluster's masters hold in memory for their keys (INFO memory's {@code used_memory_dataset},
 * summed: {@code used_memory} without the clients' buffers, the replication backlog and the AOF's,
 * which swing by megabytes with the load and would swamp a short run) and in their outbox streams:
 * the bytes a movement leaves behind once the ledger has it are the difference over a run, after
 * the writer trimmed the outboxes.
 */
final class RedisMemory {

  /** {@code keysWithoutLifetime}: INFO keyspace's keys less its keys with a TTL (those kept until deleted). */
  record Sample(long usedBytes, long outboxEntries, long keysWithoutLifetime) {
  }

  private final Vertx vertx;
  private final String seed;

  RedisMemory(Vertx vertx, String seed) {
    this.vertx = vertx;
    this.seed = seed;
  }

  Future<Sample> sample() {
    Redis cluster = Redis.createClient(vertx, "redis://" + seed);
    return cluster.send(Request.cmd(Command.CLUSTER).arg("SLOTS"))
      .compose(slots -> {
        Set<String> masters = new LinkedHashSet<>();
        for (Response range : slots) {
          String host = range.get(2).get(0).toString();
          masters.add((host.isEmpty() ? seed.split(":")[0] : host) + ":" + range.get(2).get(1).toInteger());
        }
        List<Future<Sample>> each = new ArrayList<>();
        masters.forEach(master -> each.add(ofMaster(master)));
        return Future.all(each).map(all -> each.stream().map(Future::result)
          .reduce(new Sample(0, 0, 0), (a, b) -> new Sample(a.usedBytes() + b.usedBytes(),
            a.outboxEntries() + b.outboxEntries(), a.keysWithoutLifetime() + b.keysWithoutLifetime())));
      })
      .eventually(cluster::close);
  }

  /** On one connection: the outboxes' lengths in one batch, then INFO memory and keyspace. */
  private Future<Sample> ofMaster(String master) {
    Redis node = Redis.createClient(vertx, "redis://" + master);
    return node.connect().compose(connection -> connection
        .send(Request.cmd(Command.SCAN).arg(0).arg("MATCH").arg("*:outbox").arg("COUNT").arg(1_000_000))
        .compose(scan -> {
          List<Request> lengths = new ArrayList<>();
          scan.get(1).forEach(key -> lengths.add(Request.cmd(Command.XLEN).arg(key.toString())));
          return lengths.isEmpty() ? Future.succeededFuture(0L) : connection.batch(lengths)
            .map(replies -> replies.stream().mapToLong(Response::toLong).sum());
        })
        .compose(entries -> connection.send(Request.cmd(Command.INFO).arg("memory")).compose(memory -> connection
          .send(Request.cmd(Command.INFO).arg("keyspace")).map(keyspace -> new Sample(usedMemory(memory.toString()),
            entries, keysWithoutLifetime(keyspace.toString())))))
        .eventually(connection::close))
      .eventually(node::close);
  }

  /** From lines such as {@code db0:keys=120,expires=30,avg_ttl=0}. */
  private static long keysWithoutLifetime(String keyspace) {
    return keyspace.lines().filter(line -> line.startsWith("db"))
      .mapToLong(line -> RedisInfo.field(line, "keys") - RedisInfo.field(line, "expires")).sum();
  }

  private static long usedMemory(String info) {
    return info.lines().filter(line -> line.startsWith("used_memory_dataset:")).findFirst()
      .map(line -> Long.parseLong(line.substring("used_memory_dataset:".length()).trim()))
      .orElseThrow(() -> new IllegalStateException("INFO memory without used_memory_dataset"));
  }
}
