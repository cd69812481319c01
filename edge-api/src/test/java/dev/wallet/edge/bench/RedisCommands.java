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
 * profiling line of {@code --only}. Beside the commands, INFO stats' counts of the reads from and
 * writes to clients' sockets (replicas' and the master link's included) that the nodes' event loops
 * handled: each a system call and often a wake-up, which a change that sends fewer, fuller writes to
 * Redis should lower whatever the machine's noise does to the times.
 */
final class RedisCommands {

  /** Calls and microseconds spent, by command name, summed over the nodes. */
  record Sample(Map<String, Used> byCommand) {
  }

  /** A command's calls and the microseconds INFO counted inside them. */
  record Used(long calls, long usec) {

    Used plus(Used other) {
      return new Used(calls + other.calls, usec + other.usec);
    }

    Used minus(Used other) {
      return new Used(calls - other.calls, usec - other.usec);
    }
  }

  /** INFO stats' fields, reported under these names with no time of their own. */
  private static final Map<String, String> SOCKET_EVENTS = Map.of(
    "total_reads_processed", "socket reads", "total_writes_processed", "socket writes");

  private final Vertx vertx;
  private final String seed;

  RedisCommands(Vertx vertx, String seed) {
    this.vertx = vertx;
    this.seed = seed;
  }

  Future<Sample> sample() {
    return RedisInfo.nodes(vertx, seed).compose(nodes -> {
      List<Future<Map<String, Used>>> each = new ArrayList<>();
      nodes.forEach(node -> each.add(ofNode(node)));
      return Future.all(each).map(all -> {
        Map<String, Used> summed = new HashMap<>();
        each.forEach(node -> node.result().forEach((name, used) -> summed.merge(name, used, Used::plus)));
        return new Sample(summed);
      });
    });
  }

  /** The commands with at least 0.01 calls per request, most expensive first: name calls (µs). */
  static String perRequest(Sample before, Sample after, long answered) {
    Map<String, Used> used = new HashMap<>();
    after.byCommand().forEach((name, total) ->
      used.put(name, total.minus(before.byCommand().getOrDefault(name, new Used(0, 0)))));
    long requests = Math.max(1, answered);
    return used.entrySet().stream()
      .filter(command -> command.getValue().calls() > 0 && command.getValue().calls() * 100 >= requests)
      .sorted((a, b) -> Long.compare(b.getValue().usec(), a.getValue().usec()))
      .map(command -> SOCKET_EVENTS.containsValue(command.getKey())
        ? String.format(Locale.ROOT, "%s %.2f", command.getKey(), command.getValue().calls() / (double) requests)
        : String.format(Locale.ROOT, "%s %.2f (%.0f µs)", command.getKey(),
          command.getValue().calls() / (double) requests, command.getValue().usec() / (double) requests))
      .collect(Collectors.joining(", "));
  }

  private Future<Map<String, Used>> ofNode(String node) {
    Redis client = Redis.createClient(vertx, "redis://" + node);
    return client.send(Request.cmd(Command.INFO).arg("commandstats").arg("stats"))
      .map(info -> parse(info.toString()))
      .eventually(client::close);
  }

  /** From lines such as {@code cmdstat_evalsha:calls=12,usec=340,usec_per_call=28.33,...}. */
  private static Map<String, Used> parse(String info) {
    Map<String, Used> stats = new HashMap<>();
    info.lines().filter(line -> line.startsWith("cmdstat_")).forEach(line -> stats.put(
      line.substring("cmdstat_".length(), line.indexOf(':')),
      new Used(RedisInfo.field(line, "calls"), RedisInfo.field(line, "usec"))));
    info.lines().forEach(line -> {
      int colon = line.indexOf(':');
      String name = colon > 0 ? SOCKET_EVENTS.get(line.substring(0, colon)) : null;
      if (name != null) {
        stats.put(name, new Used(Long.parseLong(line.substring(colon + 1).trim()), 0));
      }
    });
    return stats;
  }
}
