package dev.wallet.balancecache.outbox;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rings when a shard's outbox receives an entry, so that its readers (the ledger writer, the live
 * balance feed) wait for work instead of polling every shard's stream on a timer: with nothing to
 * do they cost nothing, and an entry is read as soon as it is written.
 *
 * <p>Built on Redis keyspace notifications for stream commands ({@code notify-keyspace-events}
 * with {@code K} and {@code t}), subscribed to on every node given (a notification is raised on
 * the node that ran the write, and any node may become a master). Notifications are sent at most
 * once: while a subscription is down they are lost, so after every (re)subscription the doorbell
 * rings every shard once, and readers keep a slow poll as a last resort.
 *
 * <p>When a node does not have the notifications on, the doorbell turns them on ({@code CONFIG SET},
 * adding {@code K} and {@code t} to what is there); where that is refused (a managed Redis), it says
 * so once and the readers' slow poll is what remains.
 */
public final class OutboxDoorbell {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxDoorbell.class);
  private static final String PATTERN = "__keyspace@*__:{s*}:outbox";
  private static final long RECONNECT_MS = 1_000;

  private final Vertx vertx;
  private final List<String> nodes;
  private final ShardRange shards;
  private final IntConsumer ring;
  private final List<Redis> clients = new ArrayList<>();
  private final java.util.Set<String> listening = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private OutboxDoorbell(Vertx vertx, List<String> nodes, ShardRange shards, IntConsumer ring) {
    this.vertx = vertx;
    this.nodes = List.copyOf(nodes);
    this.shards = shards;
    this.ring = ring;
  }

  /**
   * Subscribes on every node of {@code nodes} (redis://host:port) and calls {@code ring} with a
   * shard's number, on an event loop, whenever its outbox may have a new entry.
   */
  public static OutboxDoorbell start(Vertx vertx, List<String> nodes, ShardRange shards, IntConsumer ring) {
    OutboxDoorbell doorbell = new OutboxDoorbell(vertx, nodes, shards, ring);
    doorbell.nodes.forEach(doorbell::subscribe);
    return doorbell;
  }

  /**
   * True while every node's subscription is up with notifications on: readers may then rest until
   * rung (with a slow poll as a last resort); otherwise they should poll as if there were no doorbell.
   */
  public boolean ringing() {
    return listening.size() == nodes.size();
  }

  public void close() {
    closed = true;
    synchronized (clients) {
      clients.forEach(Redis::close);
    }
  }

  private void subscribe(String node) {
    if (closed) {
      return;
    }
    Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(node).setMaxPoolSize(1));
    synchronized (clients) {
      clients.add(client);
    }
    client.connect()
      .compose(conn -> notificationsOn(node, conn).compose(on -> listen(node, client, conn).map(on)))
      .onSuccess(on -> {
        if (on) {
          listening.add(node);
        }
        ringAll();
      })
      .onFailure(failure -> retry(node, client, failure));
  }

  private Future<Void> listen(String node, Redis client, RedisConnection conn) {
    conn.handler(this::received);
    conn.exceptionHandler(failure -> retry(node, client, failure));
    conn.endHandler(ended -> retry(node, client, new IllegalStateException("subscription closed")));
    return conn.send(Request.cmd(Command.PSUBSCRIBE).arg(PATTERN)).mapEmpty();
  }

  /** Entries written while no subscription listened would otherwise wait for the readers' slow poll. */
  private void ringAll() {
    shards.numbers().forEach(ring);
  }

  private void received(Response message) {
    if (message.size() < 4 || !"pmessage".equals(message.get(0).toString())) {
      return;
    }
    String channel = message.get(2).toString();
    int open = channel.indexOf("{s");
    int close = channel.indexOf('}', open);
    if (open >= 0 && close > open + 2) {
      try {
        ring.accept(new ShardId(Integer.parseInt(channel.substring(open + 2, close))).number());
      } catch (IllegalArgumentException notAShard) {
        LOG.debug("ignored a notification on {}", channel);
      }
    }
  }

  /**
   * Adds K (keyspace) and t (stream commands) to the node's notify-keyspace-events, if missing;
   * answers whether the node sends them.
   */
  private Future<Boolean> notificationsOn(String node, RedisConnection conn) {
    return conn.send(Request.cmd(Command.CONFIG).arg("GET").arg("notify-keyspace-events")).compose(reply -> {
      String flags = configValue(reply);
      boolean streams = flags.contains("t") || flags.contains("A");
      if (flags.contains("K") && streams) {
        return Future.succeededFuture(true);
      }
      String wanted = flags + (flags.contains("K") ? "" : "K") + (streams ? "" : "t");
      return conn.send(Request.cmd(Command.CONFIG).arg("SET").arg("notify-keyspace-events").arg(wanted))
        .map(true)
        .recover(refused -> {
          LOG.warn("{} does not send stream notifications (notify-keyspace-events '{}') and refused to: {}; "
            + "outbox readers poll instead", node, flags, refused.getMessage());
          return Future.succeededFuture(false);
        });
    });
  }

  /** CONFIG GET answers a map (RESP3) or a [name, value] list (RESP2). */
  private static String configValue(Response reply) {
    if (reply == null) {
      return "";
    }
    if (reply.isMap()) {
      Response value = reply.get("notify-keyspace-events");
      return value == null ? "" : value.toString();
    }
    return reply.size() >= 2 ? reply.get(1).toString() : "";
  }

  private void retry(String node, Redis client, Throwable failure) {
    listening.remove(node);
    synchronized (clients) {
      if (!clients.remove(client)) {
        return; // this subscription is already being replaced
      }
    }
    client.close();
    if (closed) {
      return;
    }
    LOG.debug("outbox doorbell on {} lost its subscription, subscribing again: {}", node, failure.toString());
    vertx.setTimer(RECONNECT_MS, t -> subscribe(node));
  }
}
