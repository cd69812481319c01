package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.async.Deadline;
import dev.wallet.balancecache.config.RedisConfigReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each request to the master that owns its key's hash slot, over a pooled connection to
 * that node alone. (The Vert.x cluster client borrows a connection to every node for every
 * request: slower, and one unreachable node fails requests for all of them.) The slot table
 * comes from CLUSTER SLOTS and is refreshed on start, on redirects, on connection failures and
 * periodically, so a failover is followed within moments.
 *
 * <p>It also knows whether a master fsyncs every write ({@link #fsyncingEveryWrite}), which every
 * write of the money core waits for.
 */
final class ClusterRouter {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterRouter.class);
  private static final Pattern REDIRECT = Pattern.compile("(MOVED|ASK) (\\d+) (\\S+)");
  /** A node that does not answer the fsync check within this is asked again by the next write. */
  private static final long FSYNC_CHECK_TIMEOUT_MS = 2_000;
  /**
   * A node that does not answer CLUSTER SLOTS within this is passed over for the next. Until
   * 2026-12-07 a node asked had no deadline: a master frozen with its connections open (a stopped
   * process, a paused VM, a black-holed network) held the reload, shared by every caller, for as long
   * as it stayed frozen, and its shards unwritable after its replica had taken over.
   */
  static final long SLOTS_ASK_TIMEOUT_MS = 1_000;

  private final Vertx vertx;
  private final List<String> seeds;
  private final int maxPoolSize;
  private final Map<String, Redis> nodes = new ConcurrentHashMap<>();
  private volatile String[] masterBySlot = new String[HashSlot.SLOTS];
  private volatile Set<String> knownMasters = Set.of();
  /** The node whose CLUSTER SLOTS was installed last, asked first next time. */
  private volatile String lastAnswered;
  /** How many times each endpoint became a master in this router's view (see {@link #mastership}). */
  private final Map<String, Integer> masterships = new ConcurrentHashMap<>();
  /** The sum of {@link #masterships}, read by every outbox tail's read (OutboxTail). */
  private final AtomicInteger promotions = new AtomicInteger();
  private final Map<String, FsyncCheck> fsyncChecks = new ConcurrentHashMap<>();
  private Future<Void> refreshing;
  private long refreshTimer = -1;

  ClusterRouter(Vertx vertx, List<String> seeds, int maxPoolSize) {
    this.vertx = vertx;
    this.seeds = List.copyOf(seeds);
    this.maxPoolSize = maxPoolSize;
  }

  Future<Void> start(long refreshIntervalMs) {
    return refresh().onSuccess(loaded ->
      refreshTimer = vertx.setPeriodic(refreshIntervalMs, tick -> refresh()));
  }

  void close() {
    if (refreshTimer >= 0) {
      vertx.cancelTimer(refreshTimer);
    }
    nodes.values().forEach(Redis::close);
  }

  Future<Response> send(String key, Request request) {
    return node(key).compose(redis -> redis.send(request));
  }

  Future<List<Response>> batch(String key, List<Request> requests) {
    return node(key).compose(redis -> redis.batch(requests));
  }

  /** Requests for slots that {@code endpoint} serves, pipelined on one connection to it. */
  Future<List<Response>> batchOn(String endpoint, List<Request> requests) {
    return client(endpoint).batch(requests);
  }

  /**
   * For ASK: the slot is moving; this one request goes to the importing node, announced by ASKING,
   * once that node fsyncs every write (it may be a master the money core never wrote to).
   */
  Future<List<Response>> batchAsking(String endpoint, List<Request> requests) {
    List<Request> asking = new ArrayList<>();
    asking.add(Request.cmd(Command.ASKING));
    asking.addAll(requests);
    return fsyncingEveryWrite(endpoint).compose(checked -> client(endpoint).batch(asking))
      .map(replies -> replies.subList(1, replies.size()));
  }

  /**
   * Completes once {@code endpoint} fsyncs every write to its AOF ({@code appendfsync always}),
   * having told it to when it did not: replicas fsync once a second (scripts/infra-up.sh), and a
   * replica promoted since keeps that until told. The node is asked once for each of its
   * masterships (one that was a replica in between is asked again), and again after a check that
   * failed; a node that refuses is not written to (docs/architecture.md, "Durability: what survives
   * what").
   */
  Future<Void> fsyncingEveryWrite(String endpoint) {
    int now = mastership(endpoint);
    return fsyncChecks.compute(endpoint, (e, known) -> known != null && known.mastership() == now
      && !known.done().failed() ? known
      : new FsyncCheck(now, Deadline.within(vertx, askToFsyncEveryWrite(e), FSYNC_CHECK_TIMEOUT_MS))).done();
  }

  private record FsyncCheck(int mastership, Future<Void> done) {
  }

  private Future<Void> askToFsyncEveryWrite(String endpoint) {
    Redis node = client(endpoint);
    return node.send(Request.cmd(Command.CONFIG).arg("GET").arg("appendfsync")).compose(reply -> {
      String policy = RedisConfigReply.value(reply, "appendfsync");
      if (policy.equals("always")) {
        return Future.<Void>succeededFuture();
      }
      LOG.info("{} fsynced its AOF '{}' (a replica's setting, promoted since): every write from now on", endpoint,
        policy);
      return node.send(Request.cmd(Command.CONFIG).arg("SET").arg("appendfsync").arg("always")).<Void>mapEmpty();
    }).onFailure(refused ->
      LOG.error("{} is not written to: it could not be made to fsync every write: {}", endpoint, refused.toString()));
  }

  /** Sends to every master; fails when none is known, even after reloading the slot table. */
  Future<List<Response>> onAllMasters(Request request) {
    Set<String> masters = masters();
    if (masters.isEmpty()) {
      return refresh().compose(loaded -> masters().isEmpty()
        ? Future.failedFuture(new IllegalStateException("no Redis master is known"))
        : onAllMasters(request));
    }
    return Future.all(masters.stream().map(endpoint -> client(endpoint).send(request)).toList())
      .map(all -> all.<Response>list());
  }

  /**
   * Each known master with the replicas it reports online ({@code INFO replication}), or -1 when it
   * did not answer within {@code timeoutMs}.
   */
  Future<Map<String, Integer>> onlineReplicasByMaster(long timeoutMs) {
    if (masters().isEmpty()) {
      return Deadline.within(vertx, refresh(), timeoutMs).transform(loaded -> masters().isEmpty()
        ? Future.succeededFuture(Map.of())
        : askReplicas(masters(), timeoutMs));
    }
    return askReplicas(masters(), timeoutMs);
  }

  private Future<Map<String, Integer>> askReplicas(Set<String> masters, long timeoutMs) {
    Map<String, Integer> replicas = new ConcurrentHashMap<>();
    List<Future<Void>> asked = masters.stream().map(endpoint -> Deadline.within(vertx,
        client(endpoint).send(Request.cmd(Command.INFO).arg("replication")), timeoutMs)
      .map(info -> onlineReplicas(info.toString()))
      .otherwise(failure -> -1)
      .map(count -> {
        replicas.put(endpoint, count);
        return (Void) null;
      })).toList();
    return Future.join(asked).transform(done -> Future.succeededFuture(Map.copyOf(replicas)));
  }

  /** The master now serving {@code key}'s slot, or null when no master is known for it. */
  String knownEndpoint(String key) {
    return masterBySlot[HashSlot.of(key)];
  }

  /**
   * How many times {@code endpoint} became a master in this router's view: a write link checks the
   * node again (ReplicatedLink) when this changed since it last did, since a node that was a replica
   * in between may run with a replica's settings.
   */
  int mastership(String endpoint) {
    return masterships.getOrDefault(endpoint, 0);
  }

  /** How many times any endpoint became a master in this router's view: grows with every promotion it saw. */
  int promotions() {
    return promotions.get();
  }

  /** Counts a new mastership for each of {@code masters} not a master before; before any request is routed to it. */
  private void becameMasters(Set<String> masters) {
    Set<String> before = knownMasters;
    if (before.containsAll(masters)) {
      return;
    }
    masters.stream().filter(endpoint -> !before.contains(endpoint)).forEach(endpoint -> {
      masterships.merge(endpoint, 1, Integer::sum);
      promotions.incrementAndGet();
    });
    Set<String> known = new LinkedHashSet<>(before);
    known.addAll(masters);
    knownMasters = Set.copyOf(known);
  }

  /** Counts the {@code slaveN:...,state=online,...} lines of an INFO replication answer. */
  static int onlineReplicas(String info) {
    return (int) info.lines().filter(line -> line.startsWith("slave") && line.contains("state=online")).count();
  }

  private Set<String> masters() {
    Set<String> masters = new LinkedHashSet<>(Arrays.asList(masterBySlot));
    masters.remove(null);
    return masters;
  }

  /**
   * Learns from a failure: a MOVED updates the slot at once (and the whole table soon after);
   * anything else that is not a redirect may mean a failover, so the table is reloaded.
   * Returns the ASK target, when the failure was an ASK.
   */
  String learn(Throwable failure) {
    Matcher redirect = failure.getMessage() == null ? null : REDIRECT.matcher(failure.getMessage());
    if (redirect != null && redirect.find()) {
      String endpoint = "redis://" + redirect.group(3);
      if (redirect.group(1).equals("MOVED")) {
        becameMasters(Set.of(endpoint));
        masterBySlot[Integer.parseInt(redirect.group(2))] = endpoint;
        refresh();
        return null;
      }
      return endpoint;
    }
    refresh();
    return null;
  }

  private Future<Redis> node(String key) {
    return endpoint(key).map(this::client);
  }

  /** The master that serves {@code key}'s slot, reloading the slot table when it is not known. */
  Future<String> endpoint(String key) {
    String endpoint = masterBySlot[HashSlot.of(key)];
    if (endpoint != null) {
      return Future.succeededFuture(endpoint);
    }
    return refresh().compose(loaded -> {
      String known = masterBySlot[HashSlot.of(key)];
      return known == null
        ? Future.failedFuture(new IllegalStateException("no master serves the slot of " + key))
        : Future.succeededFuture(known);
    });
  }

  private Redis client(String endpoint) {
    return nodes.computeIfAbsent(endpoint, e -> Redis.createClient(vertx, new RedisOptions()
      .setType(RedisClientType.STANDALONE)
      .setConnectionString(e)
      .setPoolName(e)
      .setMaxPoolSize(maxPoolSize)
      .setMaxPoolWaiting(16 * 1024)
      .setMaxWaitingHandlers(16 * 1024)));
  }

  /**
   * Reloads the slot table from the first node that answers in time, the one that answered last
   * asked first; concurrent callers share one reload.
   */
  synchronized Future<Void> refresh() {
    if (refreshing != null) {
      return refreshing;
    }
    Set<String> candidates = new LinkedHashSet<>();
    if (lastAnswered != null) {
      candidates.add(lastAnswered);
    }
    candidates.addAll(masters());
    candidates.addAll(seeds);
    refreshing = loadFrom(new ArrayList<>(candidates), 0)
      .onComplete(done -> {
        synchronized (this) {
          refreshing = null;
        }
      });
    return refreshing;
  }

  private Future<Void> loadFrom(List<String> candidates, int index) {
    if (index >= candidates.size()) {
      return Future.failedFuture(new IllegalStateException("no Redis node answered CLUSTER SLOTS"));
    }
    String asked = candidates.get(index);
    return Deadline.within(vertx, client(asked).send(Request.cmd(Command.CLUSTER).arg("SLOTS")), SLOTS_ASK_TIMEOUT_MS)
      .map(slots -> {
        install(slots);
        lastAnswered = asked;
        return (Void) null;
      })
      .recover(failure -> {
        LOG.debug("CLUSTER SLOTS from {} failed: {}", candidates.get(index), failure.toString());
        return loadFrom(candidates, index + 1);
      });
  }

  private Void install(Response slots) {
    String[] table = new String[HashSlot.SLOTS];
    for (Response range : slots) {
      Response master = range.get(2);
      String endpoint = "redis://" + master.get(0).toString() + ":" + master.get(1).toInteger();
      for (int slot = range.get(0).toInteger(); slot <= range.get(1).toInteger(); slot++) {
        table[slot] = endpoint;
      }
    }
    Set<String> masters = new LinkedHashSet<>(Arrays.asList(table));
    masters.remove(null);
    becameMasters(masters);
    knownMasters = Set.copyOf(masters); // a master that left the table becomes a master again when it returns
    masterBySlot = table;
    return null;
  }
}
