package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxStreams;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@link LedgerOutbox} on the money core's own connections (the same routing and retries as every
 * other command; a background deadline, like reconciliation's). A retried read can deliver entries
 * twice to this consumer's pending list: they are read again from there or claimed once idle, and
 * the ledger commits each entry once by its id.
 */
final class RedisLedgerOutbox implements LedgerOutbox {

  private static final long TIMEOUT_MS = RedisHotTierAccess.BACKGROUND_TIMEOUT_MS;
  private static final int BACKLOG_SCAN = 10_000;

  private final ScriptRunner runner;
  private final ShardId shard;
  private final String key;
  private final String markKey;
  private final String consumer;

  RedisLedgerOutbox(ScriptRunner runner, ShardId shard, String consumer) {
    this.runner = runner;
    this.shard = shard;
    this.key = OutboxStreams.key(shard);
    this.markKey = shard.tag() + ":ledger-mark";
    this.consumer = consumer;
  }

  @Override
  public ShardId shard() {
    return shard;
  }

  @Override
  public Future<Void> ensureGroup() {
    return send(Request.cmd(Command.XGROUP).arg("CREATE").arg(key).arg(OutboxStreams.LEDGER_GROUP).arg("0")
        .arg("MKSTREAM"))
      .<Void>mapEmpty()
      .recover(failure -> failure.getMessage() != null && failure.getMessage().contains("BUSYGROUP")
        ? Future.succeededFuture() : Future.failedFuture(failure));
  }

  @Override
  public Future<List<Entry>> ownPending(int count) {
    return readGroup(count, "0");
  }

  /**
   * The read and the WAIT pipelined on one connection. An XREADGROUP that delivers entries is itself
   * a write (Redis propagates it as XCLAIMs, after the entries' own XADDs), so the WAIT that follows
   * it covers the entries with no marker written: one round trip and one write on the master, where
   * a read and then {@link #replicated} cost two of each. A read that delivers nothing writes
   * nothing, and its WAIT answers at once.
   */
  @Override
  public Future<List<Entry>> next(int count, int replicas, long timeoutMs) {
    Request read = readRequest(count, ">");
    if (replicas == 0) {
      return send(read).map(RedisLedgerOutbox::entriesOf);
    }
    return runner.batchOnce(key, List.of(read, Request.cmd(Command.WAIT).arg(replicas).arg(timeoutMs)),
        timeoutMs + TIMEOUT_MS)
      .map(replies -> {
        List<Entry> entries = entriesOf(replies.get(0));
        if (!entries.isEmpty() && replies.get(1).toLong() < replicas) {
          throw new ScriptRunner.NotReplicatedException(replies.get(1).toInteger(), replicas);
        }
        return entries;
      });
  }

  private Future<List<Entry>> readGroup(int count, String from) {
    return send(readRequest(count, from)).map(RedisLedgerOutbox::entriesOf);
  }

  private Request readRequest(int count, String from) {
    return Request.cmd(Command.XREADGROUP).arg("GROUP").arg(OutboxStreams.LEDGER_GROUP).arg(consumer)
      .arg("COUNT").arg(count).arg("STREAMS").arg(key).arg(from);
  }

  private static List<Entry> entriesOf(Response reply) {
    return reply == null ? List.of() : entries(streamEntries(reply));
  }

  /** XAUTOCLAIM answers [next start, entries, deleted ids]. */
  @Override
  public Future<List<Entry>> claimAbandoned(long idleMs, int count) {
    return send(Request.cmd(Command.XAUTOCLAIM).arg(key).arg(OutboxStreams.LEDGER_GROUP).arg(consumer).arg(idleMs)
        .arg("0-0").arg("COUNT").arg(count))
      .map(reply -> entries(reply.get(1)));
  }

  /**
   * A write to this shard, then WAIT on the same connection: the write reaches the master after
   * every entry read so far was written there, so the replicas' acknowledgement of it covers them.
   */
  @Override
  public Future<Boolean> replicated(int replicas, long timeoutMs) {
    if (replicas == 0) {
      return Future.succeededFuture(true);
    }
    List<Request> markThenWait = List.of(
      Request.cmd(Command.SET).arg(markKey).arg(Long.toString(System.currentTimeMillis())),
      Request.cmd(Command.WAIT).arg(replicas).arg(timeoutMs));
    return runner.batchOnce(key, markThenWait, timeoutMs + TIMEOUT_MS)
      .map(replies -> replies.get(1).toLong() >= replicas);
  }

  /**
   * Keys of other shards (a saga's credit decision, on its destination) first, then this shard's
   * keys and the XACK pipelined on one connection: in one turn of the master's event loop, one
   * append to its AOF, one fsync, where separate round trips cost one each.
   */
  @Override
  public Future<Void> acknowledge(List<String> ids, Collection<String> retired, long lifetimeMs) {
    List<Request> here = new ArrayList<>();
    List<Future<Response>> elsewhere = new ArrayList<>();
    for (String retiredKey : retired) {
      Request expire = Request.cmd(Command.PEXPIRE).arg(retiredKey).arg(lifetimeMs);
      if (retiredKey.startsWith(shard.tag())) {
        here.add(expire);
      } else {
        elsewhere.add(runner.send(retiredKey, expire, TIMEOUT_MS));
      }
    }
    if (!ids.isEmpty()) {
      Request ack = Request.cmd(Command.XACK).arg(key).arg(OutboxStreams.LEDGER_GROUP);
      ids.forEach(ack::arg);
      here.add(ack);
    }
    return Future.all(elsewhere)
      .compose(expired -> here.isEmpty() ? Future.succeededFuture() : runner.batchOnce(key, here, TIMEOUT_MS))
      .mapEmpty();
  }

  /**
   * Removes entries below the oldest one the group has not acknowledged and below the last one
   * delivered. Never by length: an entry leaves the stream only once the ledger has committed it.
   * The last delivered id is read first and the pending entries second: an entry below that id
   * was delivered before the first read, so the second sees it unless it is acknowledged. In the
   * other order, a batch another consumer reads between the two reads is in neither.
   */
  @Override
  public Future<Long> trimCommitted() {
    return trimCommitted(Future::succeededFuture);
  }

  /** The same, with {@code betweenReads} run between its two reads (a test puts another consumer's read there). */
  Future<Long> trimCommitted(Supplier<Future<?>> betweenReads) {
    return ledgerGroup().compose(group -> group == null ? Future.succeededFuture(0L)
      : betweenReads.get().compose(other -> oldestPending())
        .map(pending -> pending == null ? group.lastDelivered() : lowerOf(group.lastDelivered(), pending))
        .compose(this::trimBelow));
  }

  private Future<String> oldestPending() {
    return send(Request.cmd(Command.XPENDING).arg(key).arg(OutboxStreams.LEDGER_GROUP))
      .map(summary -> summary.get(0).toLong() > 0 ? summary.get(1).toString() : null);
  }

  private Future<Long> trimBelow(String minId) {
    return minId.equals("0-0") ? Future.succeededFuture(0L)
      : send(Request.cmd(Command.XTRIM).arg(key).arg("MINID").arg("~").arg(minId)).map(Response::toLong);
  }

  /**
   * Pending (delivered, unacknowledged) plus the entries after the group's last delivered id,
   * counted up to {@link #BACKLOG_SCAN}: XINFO's lag is only an estimate, which a failover can
   * leave wrong.
   */
  @Override
  public Future<Long> backlog() {
    return ledgerGroup().compose(group -> group == null ? Future.succeededFuture(0L)
      : send(Request.cmd(Command.XRANGE).arg(key).arg("(" + group.lastDelivered()).arg("+").arg("COUNT")
          .arg(BACKLOG_SCAN))
        .map(undelivered -> group.pending() + (undelivered == null ? 0 : undelivered.size())));
  }

  /**
   * Read in the order {@link #trimCommitted} reads: the last delivered id first, the pending entries
   * second, so an entry delivered before the first read is pending in the second unless acknowledged.
   */
  @Override
  public Future<Boolean> committedThrough(String entryId) {
    return ledgerGroup().compose(group -> group == null || OutboxStreams.compareIds(group.lastDelivered(), entryId) < 0
      ? Future.succeededFuture(entryId.equals("0-0"))
      : oldestPending().map(pending -> pending == null || OutboxStreams.compareIds(pending, entryId) > 0));
  }

  private record Group(long pending, String lastDelivered) {
  }

  /** The ledger's group as XINFO GROUPS describes it (a map per group in RESP3, a flat list in RESP2); null if none. */
  private Future<Group> ledgerGroup() {
    return send(Request.cmd(Command.XINFO).arg("GROUPS").arg(key)).map(groups -> {
      for (Response group : groups) {
        if (OutboxStreams.LEDGER_GROUP.equals(field(group, "name"))) {
          return new Group(Long.parseLong(field(group, "pending")), field(group, "last-delivered-id"));
        }
      }
      return null;
    });
  }

  private Future<Response> send(Request request) {
    return runner.send(key, request, TIMEOUT_MS);
  }

  /** XREADGROUP answers a map (RESP3) or a list of [key, entries] pairs (RESP2) for the one stream read. */
  private static Response streamEntries(Response reply) {
    return reply.isMap() ? reply.get(reply.getKeys().iterator().next()) : reply.get(0).get(1);
  }

  private static List<Entry> entries(Response entries) {
    List<Entry> read = new ArrayList<>();
    if (entries == null) {
      return read;
    }
    for (Response entry : entries) {
      read.add(new Entry(entry.get(0).toString(), OutboxRecord.parse(field(entry.get(1), OutboxRecord.FIELD))));
    }
    return read;
  }

  /** A field of a reply that is a map (RESP3) or a flat [name, value, ...] list (RESP2); null if absent. */
  private static String field(Response fields, String name) {
    if (fields == null) {
      return null;
    }
    if (fields.isMap()) {
      Response value = fields.get(name);
      return value == null ? null : value.toString();
    }
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      if (name.equals(fields.get(i).toString())) {
        Response value = fields.get(i + 1);
        return value == null ? null : value.toString();
      }
    }
    return null;
  }

  private static String lowerOf(String a, String b) {
    return OutboxStreams.compareIds(a, b) <= 0 ? a : b;
  }
}
