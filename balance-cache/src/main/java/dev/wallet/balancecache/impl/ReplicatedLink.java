package dev.wallet.balancecache.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes to one master with group commit: every script sent during one turn of the owning event
 * loop goes out pipelined on one connection, followed by one {@code WAIT}; all of them are
 * answered together once a replica holds them, like an AOF fsync that covers every write before it.
 *
 * <p>{@code WAIT} waits for the replication offset of this connection's last write. Every script
 * writes, even one that only replays a recorded outcome: it writes its shard's clock first
 * (lib.lua). So the {@code WAIT} covers everything the master had done when the batch's last
 * script ran, including the original write of a replay, which may have been made on another
 * connection a moment before a failover.
 *
 * <p>Before its first write on a connection, it waits until the master fsyncs every write to its
 * AOF ({@link ClusterRouter#fsyncingEveryWrite}), and it starts a new connection, which waits for that
 * again, whenever the router saw the node become a master again (docs/architecture.md, "Durability:
 * what survives what").
 *
 * <p>Confined to one event loop: every method runs on {@link #context}. A link that fails (the
 * connection closes, or a {@code WAIT} does not come back in time) fails what it holds, and the
 * next write opens a new connection; callers retry, which is safe because every script is idempotent.
 */
final class ReplicatedLink {

  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedLink.class);
  /** Past the WAIT's own timeout, a silent master is treated as gone. */
  private static final long SILENCE_MARGIN_MS = 1_000;

  private record Pending(Future<Response> reply, Promise<Response> answer) {
  }

  private final Vertx vertx;
  private final Context context;
  private final String endpoint;
  private final int minReplicaAcks;
  private final long replicationTimeoutMs;
  private final Redis client;
  private final IntSupplier mastership;
  private final Supplier<Future<Void>> fsyncingEveryWrite;
  private Future<RedisConnection> connection;
  /** The router's mastership of the endpoint when this link's connection checked the node. */
  private int checkedMastership;
  private List<Pending> open = new ArrayList<>();
  private final List<List<Pending>> inFlight = new ArrayList<>();
  private boolean closed;

  /** {@code name}: of its connection's pool, in the pool metrics. */
  ReplicatedLink(Vertx vertx, Context context, String endpoint, String name, int minReplicaAcks,
      long replicationTimeoutMs, IntSupplier mastership, Supplier<Future<Void>> fsyncingEveryWrite) {
    this.vertx = vertx;
    this.mastership = mastership;
    this.fsyncingEveryWrite = fsyncingEveryWrite;
    this.context = context;
    this.endpoint = endpoint;
    this.minReplicaAcks = minReplicaAcks;
    this.replicationTimeoutMs = replicationTimeoutMs;
    this.client = Redis.createClient(vertx, new RedisOptions().setConnectionString(endpoint).setMaxPoolSize(1)
      .setMaxWaitingHandlers(64 * 1024).setPoolName(name));
  }

  String endpoint() {
    return endpoint;
  }

  /** Sends {@code script} and answers its reply once a replica holds it. Must be called on this link's context. */
  Future<Response> write(Request script) {
    if (closed) {
      return Future.failedFuture(new IllegalStateException("the link to " + endpoint + " is closed"));
    }
    Promise<Response> answer = Promise.promise();
    Future<RedisConnection> current = connected();
    current.onComplete(connected -> {
      if (connected.failed()) {
        answer.fail(connected.cause());
        return;
      }
      if (current != connection) {
        // reset while connecting: the batch of this turn, and its WAIT, belong to another connection
        answer.fail(new IllegalStateException("the link to " + endpoint + " was reset"));
        return;
      }
      Future<Response> reply = connected.result().send(script);
      if (minReplicaAcks == 0) {
        reply.onComplete(answer);
        return;
      }
      if (open.isEmpty()) {
        context.runOnContext(endOfTurn -> commit());
      }
      open.add(new Pending(reply, answer));
    });
    return answer.future();
  }

  /** The WAIT that closes the batch of this turn. */
  private void commit() {
    if (open.isEmpty() || connection == null || !connection.succeeded()) {
      return; // a reset failed this batch already
    }
    List<Pending> batch = open;
    open = new ArrayList<>();
    inFlight.add(batch);
    RedisConnection conn = connection.result();
    Future<Response> waited = conn.send(Request.cmd(Command.WAIT).arg(minReplicaAcks).arg(replicationTimeoutMs));
    long watchdog = vertx.setTimer(replicationTimeoutMs + SILENCE_MARGIN_MS, silent -> reset(
      new IllegalStateException(endpoint + " did not answer a WAIT within " + (replicationTimeoutMs
        + SILENCE_MARGIN_MS) + " ms")));
    waited.onComplete(done -> {
      vertx.cancelTimer(watchdog);
      if (inFlight.remove(batch)) {
        settle(batch, done.failed() ? Future.failedFuture(done.cause()) : Future.succeededFuture(done.result()));
      }
    });
  }

  private void settle(List<Pending> batch, Future<Response> waited) {
    Throwable failure = waited.failed() ? waited.cause()
      : waited.result().toInteger() < minReplicaAcks
        ? new ScriptRunner.NotReplicatedException(waited.result().toInteger(), minReplicaAcks) : null;
    for (Pending pending : batch) {
      if (failure != null) {
        pending.answer().tryFail(failure);
      } else {
        pending.reply().onComplete(pending.answer());
      }
    }
  }

  private Future<RedisConnection> connected() {
    int now = mastership.getAsInt();
    if (connection != null && now != checkedMastership) {
      reset(new IllegalStateException(endpoint + " became a master again; its settings are checked anew"));
    }
    if (connection == null || connection.failed()) {
      checkedMastership = now;
      Future<RedisConnection> opening = onThisContext(fsyncingEveryWrite.get()).compose(checked -> client.connect());
      connection = opening;
      opening.onSuccess(conn -> {
        conn.exceptionHandler(failure -> resetIfStill(opening, failure));
        conn.endHandler(ended -> resetIfStill(opening,
          new IllegalStateException("the connection to " + endpoint + " closed")));
      });
    }
    return connection;
  }

  /** The router's check is shared by every event loop: its answer is taken back to this link's. */
  private Future<Void> onThisContext(Future<Void> shared) {
    Promise<Void> here = Promise.promise();
    shared.onComplete(done -> context.runOnContext(v -> here.handle(done)));
    return here.future();
  }

  /** A connection's failure resets the link only while it is the link's connection. */
  private void resetIfStill(Future<RedisConnection> current, Throwable cause) {
    if (connection == current) {
      reset(cause);
    }
  }

  /** Fails everything this link holds and drops its connection; the next write connects again. */
  private void reset(Throwable cause) {
    Future<RedisConnection> dropped = connection;
    connection = null;
    List<List<Pending>> failing = new ArrayList<>(inFlight);
    failing.add(open);
    inFlight.clear();
    open = new ArrayList<>();
    failing.forEach(batch -> batch.forEach(pending -> pending.answer().tryFail(cause)));
    if (dropped != null) {
      // also once a connection still opening is open: the pool holds one, and a connection never
      // closed would keep every later connect waiting
      dropped.onSuccess(conn -> {
        LOG.debug("link to {} reset: {}", endpoint, cause.toString());
        conn.close();
      });
    }
  }

  Future<Void> close() {
    closed = true;
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      reset(new IllegalStateException("the link to " + endpoint + " is closed"));
      client.close();
      done.complete();
    });
    return done.future();
  }
}
