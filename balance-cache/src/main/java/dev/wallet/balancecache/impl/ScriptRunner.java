package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.BalanceCacheUnavailableException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisCluster;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs scripts on the Redis Cluster and reads keys, with the money core's rules:
 * <ul>
 *   <li>A script is sent by SHA; when the node has lost its script cache (restart, failover)
 *       the same call is resent with the body, which also caches it again.</li>
 *   <li>With {@code minReplicaAcks > 0} the script and a WAIT travel in one batch, on one
 *       connection to the slot's master, so the WAIT covers exactly that script's writes. A
 *       write that did not reach enough replicas is not acknowledged: the call is retried, and
 *       the script then replays its recorded outcome (and replicates that replay).</li>
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
  private final Redis redis;
  private final int minReplicaAcks;
  private final long replicationTimeoutMs;
  private final long operationTimeoutMs;

  ScriptRunner(Vertx vertx, Redis redis, int minReplicaAcks, long replicationTimeoutMs, long operationTimeoutMs) {
    this.vertx = vertx;
    this.redis = redis;
    this.minReplicaAcks = minReplicaAcks;
    this.replicationTimeoutMs = replicationTimeoutMs;
    this.operationTimeoutMs = operationTimeoutMs;
  }

  /** Caches every script on every master, so the first calls after start need no fallback. */
  Future<Void> preload(List<LuaScript> scripts) {
    RedisCluster cluster = RedisCluster.create(redis);
    return Future.all(scripts.stream()
        .map(script -> cluster.onAllMasterNodes(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.body())))
        .toList())
      .mapEmpty();
  }

  Future<ScriptReply> run(LuaScript script, List<String> keys, List<String> args) {
    long deadline = System.currentTimeMillis() + operationTimeoutMs;
    return attempt(script, keys, args, deadline, FIRST_BACKOFF_MS, false);
  }

  /** A plain command (a read, or a write that is idempotent by itself), with the same retry rules. */
  Future<Response> send(Request request) {
    long deadline = System.currentTimeMillis() + operationTimeoutMs;
    return sendAttempt(request, deadline, FIRST_BACKOFF_MS);
  }

  private Future<ScriptReply> attempt(LuaScript script, List<String> keys, List<String> args, long deadline,
                                      long backoffMs, boolean withBody) {
    return execute(scriptCall(script, keys, args, withBody), deadline)
      .recover(failure -> {
        if (!withBody && mentions(failure, "NOSCRIPT")) {
          return attempt(script, keys, args, deadline, backoffMs, true);
        }
        return retryOrGiveUp(failure, deadline, backoffMs, script.name(),
          next -> attempt(script, keys, args, deadline, next, withBody));
      });
  }

  private Future<ScriptReply> execute(Request call, long deadline) {
    long remaining = Math.max(1, deadline - System.currentTimeMillis());
    Future<Response> reply;
    if (minReplicaAcks == 0) {
      reply = redis.send(call);
    } else {
      Request wait = Request.cmd(Command.WAIT).arg(minReplicaAcks).arg(replicationTimeoutMs);
      reply = redis.batch(List.of(call, wait)).map(this::requireReplicated);
    }
    return reply.timeout(remaining, TimeUnit.MILLISECONDS)
      .map(response -> ScriptReply.parse(response.get(0).toString(), response.get(1).toString()));
  }

  private Response requireReplicated(List<Response> replies) {
    int acks = replies.get(1).toInteger();
    if (acks < minReplicaAcks) {
      throw new NotReplicatedException(acks, minReplicaAcks);
    }
    return replies.get(0);
  }

  private Future<Response> sendAttempt(Request request, long deadline, long backoffMs) {
    long remaining = Math.max(1, deadline - System.currentTimeMillis());
    return redis.send(request)
      .timeout(remaining, TimeUnit.MILLISECONDS)
      .recover(failure -> retryOrGiveUp(failure, deadline, backoffMs, request.command().toString(),
        next -> sendAttempt(request, deadline, next)));
  }

  private <T> Future<T> retryOrGiveUp(Throwable failure, long deadline, long backoffMs, String what,
                                      java.util.function.LongFunction<Future<T>> retry) {
    if (!retryable(failure)) {
      return Future.failedFuture(new IllegalStateException(what + " failed: " + failure.getMessage(), failure));
    }
    if (System.currentTimeMillis() + backoffMs >= deadline) {
      LOG.warn("{} gave up after {} ms: {}", what, operationTimeoutMs, failure.toString());
      return Future.failedFuture(new BalanceCacheUnavailableException(what + ": Redis did not answer in time", failure));
    }
    LOG.debug("{} will retry in {} ms: {}", what, backoffMs, failure.toString());
    return vertx.timer(backoffMs).compose(ignored -> retry.apply(Math.min(backoffMs * 2, MAX_BACKOFF_MS)));
  }

  private Request scriptCall(LuaScript script, List<String> keys, List<String> args, boolean withBody) {
    Request request = withBody
      ? Request.cmd(Command.EVAL).arg(script.body())
      : Request.cmd(Command.EVALSHA).arg(script.sha1());
    request.arg(keys.size());
    keys.forEach(request::arg);
    args.forEach(request::arg);
    return request;
  }

  /** Errors a retry cannot cure are bugs (a script that raised, a wrong type, a cross-slot call). */
  private static boolean retryable(Throwable failure) {
    return !(mentions(failure, "user_script") || mentions(failure, "WRONGTYPE") || mentions(failure, "CROSSSLOT")
      || mentions(failure, "wrong number of arguments") || mentions(failure, "unknown command"));
  }

  private static boolean mentions(Throwable failure, String text) {
    String message = failure.getMessage();
    return message != null && message.contains(text);
  }

  static final class NotReplicatedException extends RuntimeException {
    NotReplicatedException(int acks, int required) {
      super("write reached " + acks + " of " + required + " required replicas", null, false, false);
    }
  }
}
