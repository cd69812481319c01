package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.impl.TurnPipelines.Ask;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.outbox.Replication;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link LedgerOutbox} on the money core's own connections (the same routing and retries as every
 * other command; a background deadline, like reconciliation's). Reading writes nothing: where a
 * consumer group's read was itself a write (replicated as claims, then acknowledged by another), and
 * so needed a {@code WAIT} of its own, a read here costs the master one read-only turn, and the
 * ledger's one write per batch is the position it publishes with the keys the batch retires, plus a
 * marker when a read's replicas have to be asked ({@link #replicate}).
 */
final class RedisLedgerOutbox implements LedgerOutbox {

  private static final Logger LOG = LoggerFactory.getLogger(RedisLedgerOutbox.class);

  private static final long TIMEOUT_MS = RedisHotTierAccess.BACKGROUND_TIMEOUT_MS;
  private static final int BACKLOG_EXACT_BELOW = 10_000;
  private static final long ACKNOWLEDGEMENT_WAIT_MS = 100;
  /** How long a key of another shard is tried before its lifetime is left for later (a failover lasts 5 to 15 s). */
  private static final long ELSEWHERE_TIMEOUT_MS = 1_000;
  /** How often the keys left for later are tried again, and how many at a time. */
  private static final long LATER_EVERY_MS = 10_000;
  private static final int LATER_AT_ONCE = 200;

  private final ScriptRunner runner;
  private final ShardId shard;
  private final String key;
  private final String positionKey;
  private final String markKey;
  private final String laterKey;
  /** When {@link #laterKey} was last read; 0: never (a subtraction from Long.MIN_VALUE overflows). */
  private long laterTriedAtMs;

  RedisLedgerOutbox(ScriptRunner runner, ShardId shard) {
    this.runner = runner;
    this.shard = shard;
    this.key = OutboxStreams.key(shard);
    this.positionKey = Keys.ledgerPosition(shard);
    this.markKey = shard.tag() + ":ledger-mark";
    this.laterKey = Keys.retiredElsewhereLater(shard);
  }

  @Override
  public ShardId shard() {
    return shard;
  }

  @Override
  public Future<String> published() {
    return send(Request.cmd(Command.GET).arg(positionKey)).map(RedisLedgerOutbox::positionOrStart);
  }

  /** In one turn of the master, with the other shards' of the same turn and master ({@link TurnPipelines}). */
  @Override
  public Future<Published> publishedWithHistory() {
    return inTurn(List.of(Request.cmd(Command.GET).arg(positionKey)), Ask.replicationInfo(), TIMEOUT_MS)
      .map(replies -> new Published(positionOrStart(replies.own().get(0)), replication(replies).history()));
  }

  private static String positionOrStart(Response position) {
    return position == null ? START : position.toString();
  }

  /**
   * The entries, the master's replication state and whether the position is still there, in one
   * turn of the master: the replication offset read after the entries covers them. Every command of
   * this class goes with the other shards' of the same turn and master ({@link TurnPipelines}).
   */
  @Override
  public Future<Read> after(String position, int count) {
    List<Request> read = List.of(
      Request.cmd(Command.XRANGE).arg(key).arg("(" + position).arg("+").arg("COUNT").arg(count),
      Request.cmd(Command.EXISTS).arg(positionKey));
    return inTurn(read, Ask.replicationInfo(), TIMEOUT_MS).map(replies -> new Read(entries(replies.own().get(0)),
      replication(replies), replies.own().get(1).toLong() > 0));
  }

  /**
   * A write to this shard, the {@code WAIT} that makes the replicas acknowledge it, and the master's
   * replication after both, in one pipeline: in the same history, the write came after the read, so
   * replicas that acknowledged it hold what the read saw. The shards that ask in one turn share the
   * write and the WAIT.
   */
  @Override
  public Future<Boolean> replicate(Replication read, int replicas, long timeoutMs) {
    Request mark = Request.cmd(Command.SET).arg(markKey).arg(Long.toString(System.currentTimeMillis()));
    return inTurn(List.of(), Ask.waitFor(replicas, timeoutMs).afterWriting(mark).andInfo(), timeoutMs + TIMEOUT_MS)
      .map(replies -> read.heldBy(replication(replies), replicas));
  }

  /**
   * Keys of other shards (a saga's credit decision, on its destination) first, then this shard's
   * keys, the position (never moved back) and the trim pipelined on one connection: in one turn of
   * the master's event loop, one append to its AOF, one fsync. A {@code WAIT} follows, its answer not needed: it has the
   * replicas acknowledge this write now rather than at their next second, so that the next read of
   * any shard of this master finds everything before it acknowledged (its {@link Replication}).
   *
   * <p>A key of another shard that cannot be reached (its master failing over, or lost) is written
   * down in this shard ({@link Keys#retiredElsewhereLater}), in the same turn as the position, and
   * given its lifetime after a later publication ({@link #expireLeftForLater}: an idle shard keeps
   * them until it moves again, which costs memory only). Until 2026-12-07 the position waited for
   * it: a shard whose master was gone held back the ledger of every shard whose sagas it had
   * credited, and after the stall bound reconciliation halted all money movement.
   */
  @Override
  public Future<Void> committed(String position, Collection<String> retired, long lifetimeMs, boolean trim) {
    List<Request> here = new ArrayList<>();
    List<String> elsewhere = new ArrayList<>();
    for (String retiredKey : retired) {
      if (retiredKey.startsWith(shard.tag())) {
        here.add(Request.cmd(Command.PEXPIRE).arg(retiredKey).arg(lifetimeMs));
      } else {
        elsewhere.add(retiredKey);
      }
    }
    return expireEach(elsewhere, lifetimeMs).compose(reached -> {
        leaveForLater(elsewhere, reached, here);
        return publish(here, position, trim);
      })
      .compose(published -> expireLeftForLater(lifetimeMs));
  }

  /**
   * {@code before} and the position, which only moves forward (publish_position.lua), trimming below it
   * when {@code trim}. By SHA; a master without the script (a replica promoted since the scripts were
   * loaded) gets it with the call, and what came before it in the pipeline is sent again, which sets
   * the same lifetimes again.
   */
  private Future<Void> publish(List<Request> before, String position, boolean trim) {
    return publishWith(before, publication(position, trim, false))
      .recover(failure -> String.valueOf(failure.getMessage()).contains("NOSCRIPT")
        ? publishWith(before, publication(position, trim, true))
        : Future.failedFuture(failure));
  }

  private Future<Void> publishWith(List<Request> before, Request publication) {
    List<Request> pipeline = new ArrayList<>(before);
    pipeline.add(publication);
    return inTurn(pipeline, Ask.waitFor(1, ACKNOWLEDGEMENT_WAIT_MS), ACKNOWLEDGEMENT_WAIT_MS + TIMEOUT_MS).mapEmpty();
  }

  private Request publication(String position, boolean trim, boolean withBody) {
    LuaScript script = Scripts.PUBLISH_POSITION;
    Request call = withBody ? Request.cmd(Command.EVAL).arg(script.body()) : Request.cmd(Command.EVALSHA).arg(script.sha1());
    return call.arg(2).arg(positionKey).arg(key).arg(position).arg(trim ? "1" : "0");
  }

  /** Adds to {@code here} the keys of {@code elsewhere} not {@code reached}, written down for later. */
  private void leaveForLater(List<String> elsewhere, List<String> reached, List<Request> here) {
    Set<String> done = new HashSet<>(reached);
    List<String> unreached = elsewhere.stream().filter(k -> !done.contains(k)).toList();
    if (!unreached.isEmpty()) {
      here.add(withKeys(Request.cmd(Command.SADD).arg(laterKey), unreached));
      LOG.warn("{}: {} key(s) of other shards the ledger retired could not be reached; they get their lifetime "
        + "later ({})", shard, unreached.size(), laterKey);
    }
  }

  /**
   * After a publication, at most every {@link #LATER_EVERY_MS}: the keys left for later (by this
   * process, or another writer that held the shard before) get their lifetime, and leave the set.
   * Not before it: a read there would take the publication out of its master's turn, which the
   * shards of a master share. A failure here leaves them for the next look, and fails no commit.
   */
  private Future<Void> expireLeftForLater(long lifetimeMs) {
    long now = System.currentTimeMillis();
    if (now - laterTriedAtMs < LATER_EVERY_MS) {
      return Future.succeededFuture();
    }
    laterTriedAtMs = now;
    return send(Request.cmd(Command.SRANDMEMBER).arg(laterKey).arg(LATER_AT_ONCE))
      .map(members -> {
        List<String> keys = new ArrayList<>();
        if (members != null) {
          members.forEach(member -> keys.add(member.toString()));
        }
        return keys;
      })
      .compose(later -> expireEach(later, lifetimeMs))
      .compose(reached -> reached.isEmpty() ? Future.<Void>succeededFuture()
        : send(withKeys(Request.cmd(Command.SREM).arg(laterKey), reached)).<Void>mapEmpty())
      .recover(failure -> {
        LOG.warn("{}: the keys of other shards left for later ({}) could not be looked at; next in {} ms: {}", shard,
          laterKey, LATER_EVERY_MS, failure.toString());
        return Future.succeededFuture();
      });
  }

  /** The keys among {@code keys} that got their lifetime (a key that no longer exists counts). */
  private Future<List<String>> expireEach(List<String> keys, long lifetimeMs) {
    if (keys.isEmpty()) {
      return Future.succeededFuture(List.of());  // at once, so that the publication stays in this turn
    }
    List<Future<Boolean>> expired = keys.stream().map(retiredKey -> runner.send(retiredKey,
        Request.cmd(Command.PEXPIRE).arg(retiredKey).arg(lifetimeMs), ELSEWHERE_TIMEOUT_MS)
      .map(done -> true).otherwise(false)).toList();
    return Future.join(expired).otherwise(none -> null).map(all -> {
      List<String> reached = new ArrayList<>();
      for (int i = 0; i < keys.size(); i++) {
        if (expired.get(i).result()) {
          reached.add(keys.get(i));
        }
      }
      return reached;
    });
  }

  private static Request withKeys(Request request, List<String> keys) {
    keys.forEach(request::arg);
    return request;
  }

  /**
   * Nothing when no entry follows the position (one entry read); exact up to
   * {@link #BACKLOG_EXACT_BELOW} entries; past that, the stream's length, which also counts the
   * entries committed since the last trim (about 2 s of them while entries flow, far fewer than that
   * on any shard but one taking 5,000 a second). Until 2026-12-06 a count past the bound read 10,000
   * entries whole, every second for every shard, during an outage, on the masters that move the money.
   */
  @Override
  public Future<Long> backlog(String position) {
    return following(position, 1).compose(next -> next == 0 ? Future.succeededFuture(0L)
      : send(Request.cmd(Command.XLEN).arg(key)).compose(length -> length.toLong() >= BACKLOG_EXACT_BELOW
        ? Future.succeededFuture(length.toLong()) : following(position, BACKLOG_EXACT_BELOW)));
  }

  /** How many entries follow {@code position}, up to {@code most}. */
  private Future<Long> following(String position, int most) {
    return send(Request.cmd(Command.XRANGE).arg(key).arg("(" + position).arg("+").arg("COUNT").arg(most))
      .map(entries -> entries == null ? 0L : (long) entries.size());
  }

  @Override
  public Future<Boolean> committedThrough(String entryId) {
    return published().map(position -> OutboxStreams.compareIds(position, entryId) >= 0);
  }

  private Future<TurnPipelines.Replies> inTurn(List<Request> requests, Ask ask, long timeoutMs) {
    return runner.batchInTurn(key, requests, ask, timeoutMs);
  }

  private static Replication replication(TurnPipelines.Replies replies) {
    return Replication.parse(replies.info().toString());
  }

  private Future<Response> send(Request request) {
    return runner.send(key, request, TIMEOUT_MS);
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

  /** A field of a stream entry, a map (RESP3) or a flat [name, value, ...] list (RESP2); null if absent. */
  private static String field(Response fields, String name) {
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
}
