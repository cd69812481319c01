package dev.wallet.edge.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The commands every node of the cluster (masters and replicas) ran, from INFO commandstats: the
 * difference over a run, per answered request, says how many calls of each kind a movement costs
 * the cluster and how long each kind ran (INFO's usec: wall time inside the command, which on a
 * saturated machine includes waiting for a core; not the AOF's fsync nor the replies' writes). The
 * profiling line of {@code --only}.
 */
final class RedisCommands {

  /** Calls and microseconds spent, by command name, summed over the nodes. */
  record Sample(Map<String, long[]> byCommand) {
  }

  private final Vertx vertx;
  private final String seed;

  RedisCommands(Vertx vertx, String seed) {
    this.vertx = vertx;
    this.seed = seed;
  }

  Future<Sample> sample() {
    Redis cluster = Redis.createClient(vertx, "redis://" + seed);
    return cluster.send(Request.cmd(Command.CLUSTER).arg("NODES"))
      .compose(nodes -> {
        List<Future<Map<String, long[]>>> each = new ArrayList<>();
        nodes.toString().lines().map(line -> line.split(" ")[1].split("@")[0]).forEach(node -> each.add(ofNode(node)));
        return Future.all(each).map(all -> {
          Map<String, long[]> summed = new HashMap<>();
          each.forEach(node -> node.result().forEach((name, stats) -> summed.merge(name, stats,
            (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]})));
          return new Sample(summed);
        });
      })
      .eventually(cluster::close);
  }

  /** The commands with at least 0.01 calls per request, most expensive first: name calls (µs). */
  static String perRequest(Sample before, Sample after, long answered) {
    Map<String, long[]> used = new HashMap<>();
    after.byCommand().forEach((name, stats) -> {
      long[] was = before.byCommand().getOrDefault(name, new long[2]);
      used.put(name, new long[] {stats[0] - was[0], stats[1] - was[1]});
    });
    long requests = Math.max(1, answered);
    return used.entrySet().stream()
      .filter(command -> command.getValue()[0] >= requests / 100)
      .sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]))
      .map(command -> String.format(Locale.ROOT, "%s %.2f (%.0f µs)", command.getKey(),
        command.getValue()[0] / (double) requests, command.getValue()[1] / (double) requests))
      .collect(Collectors.joining(", "));
  }

  private Future<Map<String, long[]>> ofNode(String node) {
    Redis client = Redis.createClient(vertx, "redis://" + node);
    return client.send(Request.cmd(Command.INFO).arg("commandstats"))
      .map(info -> parse(info.toString()))
      .eventually(client::close);
  }

  /** From lines such as {@code cmdstat_evalsha:calls=12,usec=340,usec_per_call=28.33,...}. */
  private static Map<String, long[]> parse(String info) {
    Map<String, long[]> stats = new HashMap<>();
    info.lines().filter(line -> line.startsWith("cmdstat_")).forEach(line -> {
      String name = line.substring("cmdstat_".length(), line.indexOf(':'));
      long calls = 0;
      long usec = 0;
      for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
        String[] pair = field.split("=");
        if (pair[0].equals("calls")) {
          calls = Long.parseLong(pair[1].trim());
        } else if (pair[0].equals("usec")) {
          usec = Long.parseLong(pair[1].trim());
        }
      }
      stats.put(name, new long[] {calls, usec});
    });
    return stats;
  }
}
