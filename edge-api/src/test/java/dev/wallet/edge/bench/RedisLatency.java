package dev.wallet.edge.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What Redis's latency monitor saw on every node of the cluster during a run: each second in which
 * an event took longer than the nodes' {@code latency-monitor-threshold} (scripts/infra-up.sh), such
 * as an fsync of the AOF ({@code aof-fsync-always}), a write to it ({@code aof-write-*}), the fork of
 * a rewrite ({@code fork}) or one slow command ({@code command}). It names what stalled a master or a
 * replica when the load's slow requests come in bursts. LATENCY RESET before the run; after it,
 * LATENCY HISTORY of every event LATENCY LATEST names (one sample a second: the worst in it).
 */
final class RedisLatency {

  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  /** One second in which {@code event} took {@code ms} on {@code node} (host:port). */
  record Spike(String node, String event, long epochSecond, long ms) {
  }

  private final Vertx vertx;
  private final String seed;

  RedisLatency(Vertx vertx, String seed) {
    this.vertx = vertx;
    this.seed = seed;
  }

  Future<Void> reset() {
    return RedisInfo.nodes(vertx, seed).compose(nodes -> Future.all(nodes.stream()
      .map(node -> onNode(node, client -> client.send(Request.cmd(Command.LATENCY).arg("RESET")))).toList()))
      .mapEmpty();
  }

  Future<List<Spike>> spikes() {
    return RedisInfo.nodes(vertx, seed).compose(nodes -> {
      List<Future<List<Spike>>> each = nodes.stream().map(this::spikesOf).toList();
      return Future.all(each).map(all -> each.stream().flatMap(node -> node.result().stream()).toList());
    });
  }

  /**
   * Per node and event, most seconds first: {@code 7203 aof-fsync-always 3 s (worst 812 ms at
   * 17:41:12)}, or "none".
   */
  static String summary(List<Spike> spikes) {
    if (spikes.isEmpty()) {
      return "none";
    }
    Map<String, List<Spike>> byNodeAndEvent = spikes.stream().collect(Collectors.groupingBy(
      spike -> spike.node().substring(spike.node().lastIndexOf(':') + 1) + " " + spike.event(), TreeMap::new,
      Collectors.toList()));
    return byNodeAndEvent.entrySet().stream()
      .sorted(Comparator.comparingInt((Map.Entry<String, List<Spike>> e) -> -e.getValue().size()))
      .map(e -> {
        Spike worst = e.getValue().stream().max(Comparator.comparingLong(Spike::ms)).orElseThrow();
        return String.format("%s %d s (worst %d ms at %s)", e.getKey(), e.getValue().size(), worst.ms(),
          CLOCK.format(Instant.ofEpochSecond(worst.epochSecond())));
      })
      .collect(Collectors.joining(", "));
  }

  private Future<List<Spike>> spikesOf(String node) {
    return onNode(node, client -> client.send(Request.cmd(Command.LATENCY).arg("LATEST")).compose(latest -> {
      List<Future<List<Spike>>> events = new ArrayList<>();
      for (Response event : latest) {
        String name = event.get(0).toString();
        events.add(client.send(Request.cmd(Command.LATENCY).arg("HISTORY").arg(name)).map(history -> {
          List<Spike> spikes = new ArrayList<>();
          history.forEach(sample -> spikes.add(new Spike(node, name, sample.get(0).toLong(), sample.get(1).toLong())));
          return spikes;
        }));
      }
      return Future.all(events).map(all -> events.stream().flatMap(e -> e.result().stream()).toList());
    }));
  }

  private <T> Future<T> onNode(String node, java.util.function.Function<Redis, Future<T>> work) {
    Redis client = Redis.createClient(vertx, "redis://" + node);
    return work.apply(client).eventually(client::close);
  }
}
