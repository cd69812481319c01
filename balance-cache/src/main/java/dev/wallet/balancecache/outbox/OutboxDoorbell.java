package dev.wallet.balancecache.outbox;

import dev.wallet.balancecache.config.RedisConfigReply;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rings when a shard's outbox receives an entry, so that its readers (the ledger writer, the live
 * balance feed) wait for work instead of polling every shard's stream on a timer: with nothing to
 * do they cost nothing, and an entry is read as soon as it is written.
 *
 * <p>Built on Redis keyspace notifications for stream commands ({@code notify-keyspace-events}
 * with {@code K} and {@code t}). A node raises one for every write it applies, and a replica applies
 * each of its master's: subscribed everywhere, every entry rang once from its master and once more
 * from each replica (2.3 rings an entry on the wallet's cluster, each a message to send and a
 * wake-up of the reader). So the doorbell holds a connection to every node given and asks each for
 * its role every {@link #ROLE_CHECK_MS}: a master is subscribed to, a replica stands by, and a
 * replica found promoted is subscribed to then (a failover's entries wait at most that long for the
 * ring that follows every subscription).
 *
 * <p>Notifications are sent at most once: while a subscription is down they are lost, so after
 * every (re)subscription the doorbell rings every shard once. As a last resort it also rings every
 * shard every {@link #LAST_RESORT_MS}, all in one moment, so that a reader resting while the doorbell
 * rings needs no timer of its own: 64 shards' readers had each looked on their own 10 s timer, a
 * wake-up of the reader and a command for Redis every 160 ms per reader with nothing to do.
 *
 * <p>The nodes given are seeds: every {@link #ROLE_CHECK_MS} a followed node is asked for the
 * cluster's nodes ({@code CLUSTER NODES}), and one not followed yet is followed from then on (a
 * node known under two addresses is followed once, by its id). Until 2026-12-07 only the nodes given
 * were followed and counted: a master left out of the list, or added to the cluster since, was never
 * subscribed to while the doorbell said it rang, and its shards' readers rested until the last resort,
 * their entries up to 10 s late in the ledger and on the live feed.
 *
 * <p>When a node does not have the notifications on, the doorbell turns them on ({@code CONFIG SET},
 * adding {@code K} and {@code t} to what is there), replicas included, for when they are promoted;
 * where that is refused (a managed Redis), it says so once and the readers poll as if there were no
 * doorbell.
 */
public final class OutboxDoorbell {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxDoorbell.class);
  private static final String PATTERN = "__keyspace@*__:{s*}:outbox";
  private static final long RECONNECT_MS = 1_000;
  /** As often as the money core's router reads the slot table: a promotion is noticed as soon there. */
  private static final long ROLE_CHECK_MS = 2_000;
  /** How often every shard is rung whatever happened, for a notification lost in a way not foreseen. */
  private static final long LAST_RESORT_MS = 10_000;

  private final Vertx vertx;
  private final List<String> seeds;
  /** Every node followed, seeds and nodes found since, by address. */
  private final Set<String> followed = ConcurrentHashMap.newKeySet();
  /** The address each node id is followed by: a node found again under another address is not followed twice. */
  private final Map<String, String> addressById = new ConcurrentHashMap<>();
  /** The followers connected now, any of which is asked for the cluster's nodes. */
  private final Set<Follower> connected = ConcurrentHashMap.newKeySet();
  private final ShardRange shards;
  private final IntConsumer ring;
  private final List<Redis> clients = new ArrayList<>();
  /** Nodes whose outbox entries ring: masters subscribed to, with notifications on. */
  private final Set<String> listening = ConcurrentHashMap.newKeySet();
  /** Replicas followed (notifications on), whose entries ring through their master's subscription. */
  private final Set<String> standingBy = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  private long lastResortTimer = -1;
  private long discoveryTimer = -1;

  /** One node's connection: subscribed while the node is a master. Confined to the connection's context. */
  private final class Follower {
    final String node;
    final Redis client;
    final RedisConnection conn;
    final boolean notifying;
    boolean subscribed;
    boolean asking;
    long roleTimer = -1;

    Follower(String node, Redis client, RedisConnection conn, boolean notifying) {
      this.node = node;
      this.client = client;
      this.conn = conn;
      this.notifying = notifying;
    }
  }

  private OutboxDoorbell(Vertx vertx, List<String> seeds, ShardRange shards, IntConsumer ring) {
    this.vertx = vertx;
    this.seeds = List.copyOf(seeds);
    this.shards = shards;
    this.ring = ring;
  }

  /**
   * Follows every node of the cluster that {@code seeds} (redis://host:port) belong to and calls
   * {@code ring} with a shard's number, on an event loop, whenever its outbox may have a new entry.
   */
  public static OutboxDoorbell start(Vertx vertx, List<String> seeds, ShardRange shards, IntConsumer ring) {
    OutboxDoorbell doorbell = new OutboxDoorbell(vertx, seeds, shards, ring);
    doorbell.seeds.forEach(doorbell::startFollowing);
    doorbell.lastResortTimer = vertx.setPeriodic(LAST_RESORT_MS, tick -> doorbell.ringAll());
    doorbell.discoveryTimer = vertx.setPeriodic(ROLE_CHECK_MS, tick -> doorbell.discover());
    return doorbell;
  }

  /**
   * True while every master is subscribed to and every replica followed, each with notifications on:
   * readers may then rest until rung (every shard is rung every {@link #LAST_RESORT_MS} too);
   * otherwise they should poll as if there were no doorbell.
   */
  public boolean ringing() {
    return listening.size() + standingBy.size() == followed.size();
  }

  /** How many nodes are subscribed to now (the masters, once their roles are known). */
  public int subscribedNodes() {
    return listening.size();
  }

  public void close() {
    closed = true;
    vertx.cancelTimer(lastResortTimer);
    vertx.cancelTimer(discoveryTimer);
    synchronized (clients) {
      clients.forEach(Redis::close);
    }
  }

  private void startFollowing(String node) {
    if (followed.add(node)) {
      follow(node);
    }
  }

  /** Asks one connected node for the cluster's nodes, and follows those not followed yet. */
  private void discover() {
    Follower asked = connected.stream().findAny().orElse(null);
    if (asked == null || closed) {
      return;
    }
    asked.conn.send(Request.cmd(Command.CLUSTER).arg("NODES"))
      .onSuccess(reply -> clusterNodes(reply.toString()).forEach(this::followAt))
      .onFailure(failure -> LOG.debug("CLUSTER NODES from {} failed: {}", asked.node, failure.toString()));
  }

  /**
   * Follows node {@code id} at {@code address} unless it is followed there already; a node followed at
   * an address it no longer answers at (it came back elsewhere, its id kept) is followed at the new one.
   */
  private void followAt(String id, String address) {
    String known = addressById.get(id);
    if (known == null) {
      startFollowing(address);
    } else if (!known.equals(address) && !listening.contains(known) && !standingBy.contains(known)
      && addressById.remove(id, known)) {
      followed.remove(known);
      startFollowing(address);
    }
  }

  /**
   * The nodes of a {@code CLUSTER NODES} answer that have an address, by id: each line is
   * {@code <id> <ip:port@cport[,hostname]> <flags> ...}.
   */
  static Map<String, String> clusterNodes(String answer) {
    Map<String, String> nodes = new HashMap<>();
    for (String line : answer.replaceFirst("^txt:", "").split("\n")) { // RESP3 sends it as verbatim text
      String[] fields = line.trim().split(" ");
      if (fields.length < 3 || fields[2].contains("noaddr") || fields[2].contains("handshake")
        || fields[2].contains("fail")) {
        continue;
      }
      int bus = fields[1].indexOf('@');
      if (bus > 0 && !fields[1].startsWith(":")) {
        nodes.put(fields[0], "redis://" + fields[1].substring(0, bus));
      }
    }
    return nodes;
  }

  private void follow(String node) {
    if (closed) {
      return;
    }
    // RESP3: a subscribed connection may still ask ROLE (RESP2 allows only (un)subscribing and PING there)
    Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(node).setMaxPoolSize(1)
      .setPreferredProtocolVersion(ProtocolVersion.RESP3).setPoolName(node + " doorbell"));
    synchronized (clients) {
      clients.add(client);
    }
    client.connect()
      .compose(conn -> conn.send(Request.cmd(Command.CLUSTER).arg("MYID")).compose(id -> {
        String known = addressById.putIfAbsent(id.toString(), node);
        return known == null || known.equals(node) ? notificationsOn(node, conn).map(on -> new Follower(node, client, conn,
          on)) : Future.failedFuture(new AlsoKnownAs(known));
      }))
      .compose(follower -> {
        connected.add(follower);
        follower.conn.handler(this::received);
        follower.conn.exceptionHandler(failure -> retry(follower.node, client, failure, follower));
        follower.conn.endHandler(ended -> retry(follower.node, client, new IllegalStateException("subscription closed"),
          follower));
        return askRole(follower).onSuccess(asked -> follower.roleTimer = vertx.setPeriodic(ROLE_CHECK_MS, tick -> {
          if (closed) {
            vertx.cancelTimer(tick);
          } else {
            askRole(follower).onFailure(failure -> retry(node, client, failure, follower));
          }
        }));
      })
      .onFailure(failure -> retry(node, client, failure, null));
  }

  /**
   * Subscribes to a master that is not subscribed to yet (and rings every shard: what was written
   * before went unrung), and unsubscribes from a node that has become a replica.
   */
  private Future<Void> askRole(Follower follower) {
    if (follower.asking || closed) {
      return Future.succeededFuture();
    }
    follower.asking = true;
    return follower.conn.send(Request.cmd(Command.ROLE)).compose(role -> {
      boolean master = "master".equals(role.get(0).toString());
      if (master == follower.subscribed) {
        return Future.<Void>succeededFuture();
      }
      Request change = Request.cmd(master ? Command.PSUBSCRIBE : Command.PUNSUBSCRIBE).arg(PATTERN);
      return follower.conn.send(change).<Void>mapEmpty().onSuccess(changed -> {
        follower.subscribed = master;
        if (master) {
          ringAll();
        }
      });
    }).onSuccess(known -> counted(follower)).onComplete(done -> follower.asking = false);
  }

  private void counted(Follower follower) {
    if (!follower.notifying) {
      return;
    }
    (follower.subscribed ? listening : standingBy).add(follower.node);
    (follower.subscribed ? standingBy : listening).remove(follower.node);
  }

  /** Entries written while no subscription listened would otherwise wait for the last resort. */
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
      String flags = RedisConfigReply.value(reply, "notify-keyspace-events");
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


  /** The node was found under another address, which is followed. */
  private static final class AlsoKnownAs extends RuntimeException {
    AlsoKnownAs(String address) {
      super("followed as " + address, null, false, false);
    }
  }

  private void retry(String node, Redis client, Throwable failure, Follower follower) {
    listening.remove(node);
    standingBy.remove(node);
    if (follower != null) {
      connected.remove(follower);
      if (follower.roleTimer >= 0) {
        vertx.cancelTimer(follower.roleTimer);
      }
    }
    if (failure instanceof AlsoKnownAs) {
      followed.remove(node);
      synchronized (clients) {
        clients.remove(client);
      }
      client.close();
      return;
    }
    synchronized (clients) {
      if (!clients.remove(client)) {
        return; // this subscription is already being replaced
      }
    }
    client.close();
    if (closed || !followed.contains(node)) {
      return; // closing, or the node is followed at another address now
    }
    LOG.debug("outbox doorbell on {} lost its connection, connecting again: {}", node, failure.toString());
    vertx.setTimer(RECONNECT_MS, t -> follow(node));
  }
}
