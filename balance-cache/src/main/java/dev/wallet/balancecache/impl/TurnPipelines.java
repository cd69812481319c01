package dev.wallet.balancecache.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one event loop sends to one master during one turn, sent as one pipeline. The ledger writer
 * runs a loop per shard, a few dozen shards a master, and their rounds start together: each round
 * used to cost every master a read, an {@code INFO} and a {@code WAIT} per shard, and now costs it
 * one of each.
 *
 * <p>What a member asks of the master's replication ({@link Ask}) is asked once, at the end of the
 * pipeline, and answers every member that asked: a {@code WAIT} covers every write sent before it
 * on its connection, and an {@code INFO replication} read after a member's reads vouches for them,
 * so each member gets what it would have got alone. The one {@code WAIT} asks for the most replicas
 * and the longest timeout that any member asked for.
 *
 * <p>The pipeline succeeds or fails as a whole (the Redis client fails a batch at its first error
 * reply), so a pipeline of several members that failed is sent again member by member: one member's
 * error fails that member alone, and a lost connection fails each, whose callers retry as after any
 * failure. Until 2026-12-07 one member's error failed the whole turn: while a shard's slot moved to
 * another master (its keys answered ASK for minutes), every shard of that master read in the same
 * turn failed with it, round after round, and the ledger of those shards stopped. Every member's
 * commands may be sent twice: reads, and writes that set what they set again (a position, a
 * lifetime, a mark). A caller off an event loop, or whose key's master is not known yet, is sent
 * alone.
 */
final class TurnPipelines {

  /**
   * What a member asks of the master's replication: a {@code WAIT} (when {@code waitReplicas > 0}),
   * after a write of its own when it has none among its commands ({@code mark}, or null), and the
   * master's {@code INFO replication}. A WAIT waits for its connection's last write, so one mark is
   * enough for a turn: the last member's is sent, just before the WAIT.
   */
  record Ask(int waitReplicas, long waitTimeoutMs, Request mark, boolean info) {

    static Ask replicationInfo() {
      return new Ask(0, 0, null, true);
    }

    static Ask waitFor(int replicas, long timeoutMs) {
      return new Ask(replicas, timeoutMs, null, false);
    }

    Ask afterWriting(Request mark) {
      return new Ask(waitReplicas, waitTimeoutMs, mark, info);
    }

    Ask andInfo() {
      return new Ask(waitReplicas, waitTimeoutMs, mark, true);
    }
  }

  /**
   * A member's replies: its own commands' in order, and the turn's INFO when it asked (else null). A
   * WAIT's count is not given: a member that must know its write is held reads the replicas' offsets
   * in the INFO after it, which also tells a failover (another history) apart.
   */
  record Replies(List<Response> own, Response info) {
  }

  private record Member(List<Request> own, Ask ask, Promise<Replies> replies) {
  }

  private final ClusterRouter router;
  private final Object contextKey = new Object();

  TurnPipelines(ClusterRouter router) {
    this.router = router;
  }

  /** {@code own}, all for {@code key}'s master, with what other callers of this turn send there. */
  Future<Replies> send(String key, List<Request> own, Ask ask) {
    Member member = new Member(List.copyOf(own), ask, Promise.promise());
    Context context = Vertx.currentContext();
    String endpoint = router.knownEndpoint(key);
    if (context == null || !context.isEventLoopContext() || endpoint == null) {
      router.endpoint(key).onComplete(known -> {
        if (known.succeeded()) {
          send(known.result(), List.of(member));
        } else {
          member.replies().fail(known.cause());
        }
      });
      return member.replies().future();
    }
    Map<String, List<Member>> open = openTurn(context);
    List<Member> members = open.get(endpoint);
    if (members == null) {
      members = new ArrayList<>();
      open.put(endpoint, members);
      context.runOnContext(endOfTurn -> send(endpoint, open.remove(endpoint)));
    }
    members.add(member);
    return member.replies().future();
  }

  private Map<String, List<Member>> openTurn(Context context) {
    Map<String, List<Member>> open = context.get(contextKey);
    if (open == null) {
      open = new HashMap<>();
      context.put(contextKey, open);
    }
    return open;
  }

  private void send(String endpoint, List<Member> members) {
    List<Request> pipeline = new ArrayList<>();
    int waitReplicas = 0;
    long waitTimeoutMs = 0;
    boolean info = false;
    Request mark = null;
    for (Member member : members) {
      pipeline.addAll(member.own());
      mark = member.ask().mark() != null ? member.ask().mark() : mark;
      waitReplicas = Math.max(waitReplicas, member.ask().waitReplicas());
      waitTimeoutMs = Math.max(waitTimeoutMs, member.ask().waitTimeoutMs());
      info |= member.ask().info();
    }
    if (mark != null) {
      pipeline.add(mark);
    }
    if (waitReplicas > 0) {
      pipeline.add(Request.cmd(Command.WAIT).arg(waitReplicas).arg(waitTimeoutMs));
    }
    int infoAt = info ? pipeline.size() : -1;
    if (info) {
      pipeline.add(Request.cmd(Command.INFO).arg("replication"));
    }
    if (pipeline.isEmpty()) {
      members.forEach(member -> member.replies().complete(new Replies(List.of(), null)));
      return;
    }
    router.batchOn(endpoint, pipeline).onComplete(done -> {
      if (done.failed() && members.size() > 1) {
        members.forEach(member -> send(endpoint, List.of(member)));
      } else if (done.failed()) {
        members.get(0).replies().fail(done.cause());
      } else {
        answer(members, done.result(), infoAt);
      }
    });
  }

  private static void answer(List<Member> members, List<Response> replies, int infoAt) {
    int from = 0;
    for (Member member : members) {
      List<Response> own = replies.subList(from, from + member.own().size());
      from += member.own().size();
      member.replies().complete(new Replies(own, member.ask().info() ? replies.get(infoAt) : null));
    }
  }
}
