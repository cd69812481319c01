package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.OtherRegionException;
import dev.wallet.balancecache.async.Deadline;
import dev.wallet.balancecache.model.ShardRange;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scripts on the Redis Cluster and reads keys, with the money core's rules:
 * <ul>
 *   <li>A script is sent by SHA; when the node has lost its script cache (restart, failover)
 *       the same call is resent with the body, which also caches it again.</li>
 *   <li>With {@code minReplicaAcks > 0} a script is answered only once a replica holds it and
 *       everything the master did before it: scripts are group-committed per master and event
 *       loop ({@link ReplicatedLink}: pipelined, each script writing its shard's clock first, then
 *       one WAIT). A
 *       write that did not reach enough replicas is not acknowledged: the call is retried, and
 *       the script then replays its recorded outcome, which the next WAIT covers too.</li>
 *   <li>Infrastructure failures are retried with backoff until the operation's deadline, then
 *       reported as {@link BalanceCacheUnavailableException}. This is safe because every script
 *       is idempotent: a retry finds the first outcome or decides the only one.</li>
 * </ul>
 */
final class ScriptRunner {

  private static final Logger LOG = LoggerFactory.getLogger(ScriptRunner.class);
  private static final long FIRST_BACKOFF_MS = 10;
  private static final long MAX_BACKOFF_MS = 250;

  private final Vertx vertx;
  private final ClusterRouter router;
  private final int minReplicaAcks;
  private final long replicationTimeoutMs;
  private final long operationTimeoutMs;
  private final ReplicatedLinks links;
  private final TurnPipelines turns;
  private final ShardRange shards;

  ScriptRunner(Vertx vertx, ClusterRouter router, ShardRange shards, int minReplicaAcks, long replicationTimeoutMs,
               long operationTimeoutMs) {
    this.vertx = vertx;
    this.shards = shards;
    this.router = router;
    this.minReplicaAcks = minReplicaAcks;
    this.replicationTimeoutMs = replicationTimeoutMs;
    this.operationTimeoutMs = operationTimeoutMs;
    this.links = new ReplicatedLinks(vertx, router, minReplicaAcks, replicationTimeoutMs);
    this.turns = new TurnPipelines(router);
  }

  Future<Void> close() {
    return links.close();
  }

  /** Caches every script on every master, so the first calls after start need no fallback. */
  Future<Void> preload(List<LuaScript> scripts) {
    return Future.all(scripts.stream()
        .map(script -> router.onAllMasters(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.body())))
        .toList())
      .mapEmpty();
  }

  Future<ScriptReply> run(LuaScript script, List<String> keys, List<String> args) {
    if (!ours(keys.get(0))) {
      return otherRegion(keys.get(0));
    }
    Context caller = vertx.getOrCreateContext();
    Call call = new Call(script.name(), keys.get(0), System.currentTimeMillis() + operationTimeoutMs);
    List<String> declared = Keys.declared(keys);
    return onContext(caller, call.attempt(target -> execute(script, declared, args, false, target), FIRST_BACKOFF_MS, null)
      .map(replies -> ScriptReply.parse(replies.get(0).get(0).toString(), replies.get(0).get(1).toString())));
  }

  /** Whether one master serves both keys' slots, as far as the slot table knows. */
  boolean sameMaster(String key, String other) {
    String endpoint = router.knownEndpoint(key);
    return endpoint != null && endpoint.equals(router.knownEndpoint(other));
  }

  /** The master serving {@code key}'s slot as far as this process knows, or null when none is known. */
  String masterOf(String key) {
    return router.knownEndpoint(key);
  }

  /** How many times {@code endpoint} became a master as far as this process knows ({@link ClusterRouter#mastership}). */
  int mastership(String endpoint) {
    return router.mastership(endpoint);
  }

  /** How many promotions to master this process has seen, over all endpoints. */
  int promotions() {
    return router.promotions();
  }

  /** A plain command (a read, or a write that is idempotent by itself), with the same retry rules. */
  Future<Response> send(String key, Request request) {
    return send(key, request, operationTimeoutMs);
  }

  /** The same, within {@code timeoutMs} instead of the operation timeout (for background work). */
  Future<Response> send(String key, Request request, long timeoutMs) {
    if (!ours(key)) {
      return otherRegion(key);
    }
    Context caller = vertx.getOrCreateContext();
    Call call = new Call(request.command().toString(), key, System.currentTimeMillis() + timeoutMs);
    return onContext(caller, call.attempt(target -> target == null
        ? router.send(key, request).map(java.util.Collections::singletonList)
        : router.batchAsking(target, List.of(request)), FIRST_BACKOFF_MS, null)
      .map(replies -> replies.get(0)));
  }

  /**
   * A plain write that is idempotent by itself, answered once a replica holds it (as a script's, through
   * the event loop's {@link ReplicatedLink}), with the same retry rules as {@link #send}.
   */
  Future<Response> write(String key, Request request) {
    if (!ours(key)) {
      return otherRegion(key);
    }
    Context caller = vertx.getOrCreateContext();
    Call call = new Call(request.command().toString(), key, System.currentTimeMillis() + operationTimeoutMs);
    return onContext(caller, call.attempt(target -> target == null
        ? links.write(key, request).map(List::of)
        : router.batchAsking(target, minReplicaAcks == 0 ? List.of(request)
          : List.of(request, Request.cmd(Command.WAIT).arg(minReplicaAcks).arg(replicationTimeoutMs)))
          .map(this::requireReplicated), FIRST_BACKOFF_MS, null)
      .map(replies -> replies.get(0)));
  }

  /**
   * Requests sent once, in order, on one connection to the master of {@code key}'s slot: for a
   * write and the WAIT that must follow it on the same connection. A failure is the caller's to
   * retry.
   */
  Future<List<Response>> batchOnce(String key, List<Request> requests, long timeoutMs) {
    if (!ours(key)) {
      return otherRegion(key);
    }
    Context caller = vertx.getOrCreateContext();
    return onContext(caller, Deadline.within(vertx, router.batch(key, requests), timeoutMs));
  }

  /**
   * Every write to {@code key}'s master so far held by enough replicas: a write to {@code key} (a
   * marker), then {@code WAIT} on the same connection, whose offset is past every earlier write to
   * that master, by any connection.
   */
  Future<Void> replicated(String key) {
    if (minReplicaAcks == 0) {
      return Future.succeededFuture();
    }
    return batchOnce(key, List.of(Request.cmd(Command.SET).arg(key).arg(Long.toString(System.currentTimeMillis())),
        Request.cmd(Command.WAIT).arg(minReplicaAcks).arg(replicationTimeoutMs)), replicationTimeoutMs + operationTimeoutMs)
      .map(this::requireReplicated).mapEmpty();
  }

  /**
   * The same, sent with what other callers on this event loop send to the same master in this turn,
   * and with what it asks of the master's replication asked once for all of them ({@link TurnPipelines}).
   */
  Future<TurnPipelines.Replies> batchInTurn(String key, List<Request> requests, TurnPipelines.Ask ask,
                                            long timeoutMs) {
    if (!ours(key)) {
      return otherRegion(key);
    }
    Context caller = vertx.getOrCreateContext();
    return onContext(caller, Deadline.within(vertx, turns.send(key, requests, ask), timeoutMs));
  }

  /**
   * Whether {@code key} is this region's: a shard's key ({sNNNN}...) of a shard in its range, or a key
   * of no shard. Every key of one call shares the first key's slot, so the first key decides.
   */
  private boolean ours(String key) {
    return Keys.shardOfKey(key).map(shards::contains).orElse(true);
  }

  private static <T> Future<T> otherRegion(String key) {
    return Future.failedFuture(new OtherRegionException(Keys.shardOfKey(key).orElseThrow()));
  }

  /**
   * Completes on the caller's context: a connection failure can complete a future on a Netty
   * thread, and callers of the money core must get their answer on their own event loop.
   */
  private static <T> Future<T> onContext(Context caller, Future<T> result) {
    Promise<T> promise = Promise.promise();
    result.onComplete(done -> {
      if (Vertx.currentContext() == caller) {
        promise.handle(done);
      } else {
        caller.runOnContext(v -> promise.handle(done));
      }
    });
    return promise.future();
  }

  /**
   * The script's reply once a replica holds it: through this event loop's {@link ReplicatedLink}
   * to the slot's master (group commit), or, for a slot being migrated (ASK), in one batch with
   * ASKING and its own WAIT to the importing node.
   */
  private Future<List<Response>> execute(LuaScript script, List<String> keys, List<String> args, boolean withBody,
                                         String askTarget) {
    Request call = scriptCall(script, keys, args, withBody);
    Future<List<Response>> replies = askTarget == null
      ? links.write(keys.get(0), call).map(List::of)
      : router.batchAsking(askTarget, minReplicaAcks == 0 ? List.of(call)
        : List.of(call, Request.cmd(Command.WAIT).arg(minReplicaAcks).arg(replicationTimeoutMs)))
        .map(this::requireReplicated);
    return replies.recover(failure -> !withBody && mentions(failure, "NOSCRIPT")
      ? execute(script, keys, args, true, askTarget)
      : Future.failedFuture(failure));
  }

  private List<Response> requireReplicated(List<Response> replies) {
    if (minReplicaAcks > 0 && replies.get(1).toInteger() < minReplicaAcks) {
      throw new NotReplicatedException(replies.get(1).toInteger(), minReplicaAcks);
    }
    return replies;
  }

  private static Request scriptCall(LuaScript script, List<String> keys, List<String> args, boolean withBody) {
    Request request = withBody
      ? Request.cmd(Command.EVAL).arg(script.body())
      : Request.cmd(Command.EVALSHA).arg(script.sha1());
    request.arg(keys.size());
    keys.forEach(request::arg);
    args.forEach(request::arg);
    return request;
  }

  /**
   * Errors a retry cannot cure: bugs (a script that raised, a wrong type, a cross-slot call), and a
   * consumer group that exists already or no longer exists, or a key that does not (its caller decides).
   */
  private static boolean retryable(Throwable failure) {
    return !(mentions(failure, "user_script") || mentions(failure, "WRONGTYPE") || mentions(failure, "CROSSSLOT")
      || mentions(failure, "wrong number of arguments") || mentions(failure, "unknown command")
      || mentions(failure, "BUSYGROUP") || mentions(failure, "NOGROUP") || mentions(failure, "no such key"));
  }

  private static boolean mentions(Throwable failure, String text) {
    String message = failure.getMessage();
    return message != null && message.contains(text);
  }

  /** One operation's attempts, sharing a deadline. */
  private final class Call {

    private final String what;
    private final String key;
    private final long deadline;

    Call(String what, String key, long deadline) {
      this.what = what;
      this.key = key;
      this.deadline = deadline;
    }

    Future<List<Response>> attempt(Function<String, Future<List<Response>>> send, long backoffMs, String askTarget) {
      long remaining = Math.max(1, deadline - System.currentTimeMillis());
      return Deadline.within(vertx, send.apply(askTarget), remaining)
        .recover(failure -> retry(failure, send, backoffMs));
    }

    private Future<List<Response>> retry(Throwable failure, Function<String, Future<List<Response>>> send,
                                         long backoffMs) {
      if (!retryable(failure)) {
        return Future.failedFuture(new RefusedByRedisException(what + " on " + key + " failed: " + failure.getMessage(),
          failure));
      }
      String askTarget = failure instanceof NotReplicatedException ? null : router.learn(failure);
      if (askTarget != null) {
        return attempt(send, backoffMs, askTarget);
      }
      if (System.currentTimeMillis() + backoffMs >= deadline) {
        LOG.warn("{} on {} gave up after {} ms: {}", what, key, operationTimeoutMs, failure.toString());
        return Future.failedFuture(new BalanceCacheUnavailableException(what + ": Redis did not answer in time",
          failure));
      }
      LOG.debug("{} on {} will retry in {} ms: {}", what, key, backoffMs, failure.toString());
      return vertx.timer(backoffMs).compose(t -> attempt(send, Math.min(backoffMs * 2, MAX_BACKOFF_MS), null));
    }
  }

  /**
   * Redis answered the command with an error that asking again would only repeat (a script that
   * raised, a key of another type): the call's own, not the node's, which answers other calls.
   */
  static final class RefusedByRedisException extends IllegalStateException {
    RefusedByRedisException(String message, Throwable cause) {
      super(message, cause);
    }

    static boolean among(Throwable failure) {
      for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
        if (cause instanceof RefusedByRedisException) {
          return true;
        }
      }
      return false;
    }
  }

  static final class NotReplicatedException extends RuntimeException {
    NotReplicatedException(int acks, int required) {
      super("write reached " + acks + " of " + required + " required replicas", null, false, false);
    }
  }
}
