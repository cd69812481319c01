package dev.wallet.balancecache.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One {@link ReplicatedLink} per master and per event loop that writes: each event loop batches
 * its own scripts on its own connections, so no lock is shared and no reply crosses threads. A
 * caller that is not on an event loop (a test's thread, a worker) writes through one fallback
 * event loop.
 */
final class ReplicatedLinks {

  private final Vertx vertx;
  private final ClusterRouter router;
  private final int minReplicaAcks;
  private final long replicationTimeoutMs;
  private final Context fallback;
  private final Object contextKey = new Object();
  private final List<ReplicatedLink> all = new CopyOnWriteArrayList<>();

  ReplicatedLinks(Vertx vertx, ClusterRouter router, int minReplicaAcks, long replicationTimeoutMs) {
    this.vertx = vertx;
    this.router = router;
    this.minReplicaAcks = minReplicaAcks;
    this.replicationTimeoutMs = replicationTimeoutMs;
    this.fallback = vertx.getOrCreateContext();
  }

  /** {@code script}, whose first key is {@code key}, answered once replicated (see {@link ReplicatedLink}). */
  Future<Response> write(String key, Request script) {
    Context current = Vertx.currentContext();
    if (current != null && current.isEventLoopContext()) {
      return writeOn(current, key, script);
    }
    Promise<Response> answer = Promise.promise();
    fallback.runOnContext(v -> writeOn(fallback, key, script).onComplete(answer));
    return answer.future();
  }

  private Future<Response> writeOn(Context context, String key, Request script) {
    return router.endpoint(key).compose(endpoint -> link(context, endpoint).write(script));
  }

  private ReplicatedLink link(Context context, String endpoint) {
    Map<String, ReplicatedLink> links = context.get(contextKey);
    if (links == null) {
      links = new HashMap<>();
      context.put(contextKey, links);
    }
    return links.computeIfAbsent(endpoint, e -> created(context, e));
  }

  /** A new link, numbered among the links to its master (one an event loop) to name its pool in the metrics. */
  private synchronized ReplicatedLink created(Context context, String endpoint) {
    long number = all.stream().filter(link -> link.endpoint().equals(endpoint)).count() + 1;
    ReplicatedLink link = new ReplicatedLink(vertx, context, endpoint, endpoint + " group commit " + number,
      minReplicaAcks, replicationTimeoutMs, () -> router.mastership(endpoint),
      () -> router.fsyncingEveryWrite(endpoint));
    all.add(link);
    return link;
  }

  Future<Void> close() {
    return Future.join(all.stream().map(ReplicatedLink::close).toList()).mapEmpty();
  }
}
