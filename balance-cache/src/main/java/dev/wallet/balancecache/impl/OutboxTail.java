package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.BalanceListener;
import dev.wallet.balancecache.model.BalanceEvent;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxDoorbell;
import dev.wallet.balancecache.outbox.OutboxRecord;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every shard's outbox stream from its end and hands each wallet's new balances to the
 * subscribers of this process: the feed behind live balance sockets, whichever instance made the
 * change. Plain XRANGE, apart from the ledger writer's reads, so it takes nothing from the ledger; a
 * shard is read when the {@link OutboxDoorbell} rings for it, so an event reaches its sockets
 * within a round trip of being written, and an idle shard costs nothing.
 * At most once and in order per wallet (a wallet lives on one shard). An entry the ledger writer
 * trimmed before this tail read it is missed, and announced ({@link BalanceListener.Why#MISSED}):
 * each read starts at the last entry read, which the writer's trims (always a prefix) take only
 * when they may have taken what came after it too. Until 2026-12-07 it went unannounced, and a
 * wallet whose last change was trimmed unread showed its old balance until it changed again. An
 * entry this process cannot read is announced too ({@link BalanceListener.Why#UNREADABLE}).
 * A shard whose master was promoted since the last read is announced before the read's entries
 * ({@link BalanceListener#readAgain}): what the tail brought from the old master may be what the
 * failover lost, and until 2026-12-06 a socket that had been pushed such a balance kept it, and
 * passed over the new master's next change of that wallet as one it already had (the same seq).
 */
final class OutboxTail {

  private static final Logger LOG = LoggerFactory.getLogger(OutboxTail.class);
  private static final int BATCH = 500;
  /** Where a stream with no entry to start from is read from: before any id. */
  private static final String ORIGIN = "0-0";
  /** With nothing new and no doorbell ringing, how long a shard's tail waits before it looks again. */
  private static final long IDLE_POLL_MS = 100;
  private static final long FAILING_POLL_MS = 1_000;
  /** A rung tail reads this much later, so that the entries of one request are read together. */
  private static final long GATHER_MS = 2;
  /** How long a first subscriber waits for shards whose end cannot be read yet. */
  private static final long POSITIONING_MS = 2_000;

  private final Vertx vertx;
  private final ScriptRunner runner;
  private final ShardRange shards;
  private final List<String> nodes;
  private final List<BalanceListener> listeners = new CopyOnWriteArrayList<>();
  private final Map<Integer, ShardTail> tails = new ConcurrentHashMap<>();
  private volatile boolean running;
  private Future<Void> positioned;
  private String deployment;
  private volatile OutboxDoorbell doorbell;

  OutboxTail(Vertx vertx, ScriptRunner runner, ShardRange shards, List<String> nodes) {
    this.vertx = vertx;
    this.runner = runner;
    this.shards = shards;
    this.nodes = List.copyOf(nodes);
  }

  /**
   * Completes once every shard's tail knows where its stream ends (or, for a shard that cannot be
   * read yet, after {@link #POSITIONING_MS}): every change made after that reaches the listener. A
   * reader that takes a snapshot after it misses nothing between the snapshot and the feed.
   */
  synchronized Future<AutoCloseable> subscribe(BalanceListener listener) {
    listeners.add(listener);
    AutoCloseable handle = () -> listeners.remove(listener);
    if (!running) {
      running = true;
      Following following = new Following();
      positioned = vertx.deployVerticle(following).compose(id -> {
        deployment = id;
        return following.allPositioned.future();
      });
    }
    return positioned.map(handle);
  }

  synchronized void stop() {
    running = false;
    if (doorbell != null) {
      doorbell.close();
    }
    if (deployment != null) {
      vertx.undeploy(deployment);
    }
  }

  /**
   * Every shard's tail and the doorbell, on an event loop of their own: until 2026-12-07 they ran on
   * the context of whoever subscribed first, the HTTP verticle of the first socket opened, and that
   * event loop parsed every posting of the cluster besides serving its share of the requests.
   */
  private final class Following extends AbstractVerticle {

    private final Promise<Void> allPositioned = Promise.promise();

    @Override
    public void start() {
      List<Future<Void>> ends = new ArrayList<>();
      for (ShardId shard : shards.all()) {
        ShardTail tail = new ShardTail(shard);
        tails.put(shard.number(), tail);
        ends.add(tail.follow());
      }
      long timer = vertx.setTimer(POSITIONING_MS, waited -> {
        allPositioned.tryComplete();
        tails.values().forEach(ShardTail::announceIfPositionedLate);
      });
      Future.join(ends).onComplete(done -> {
        vertx.cancelTimer(timer);
        allPositioned.tryComplete();
      });
      doorbell = OutboxDoorbell.start(vertx, nodes, shards, shard -> {
        ShardTail tail = tails.get(shard);
        if (tail != null) {
          tail.ring();
        }
      });
    }
  }

  /**
   * One shard's stream, read from its end onwards; rests between reads until the doorbell rings
   * (or, without a doorbell, until a short poll). All of it runs on the context the tail started on.
   */
  private final class ShardTail {

    private final ShardId shard;
    private final String key;
    private final Context context = vertx.getOrCreateContext();
    private final Promise<Void> endFound = Promise.promise();
    /** The last entry read, or {@link #ORIGIN}. */
    private String lastId;
    /**
     * Whether {@link #lastId} was in the stream when last looked at: while it is, nothing after it was
     * trimmed, and a read costs no command of its own.
     */
    private boolean anchored;
    /**
     * How many entries the stream had been given up to {@link #lastId}, that one included (its place in
     * XINFO's {@code entries-added}): a trim takes a prefix, so the entries it took unread are those it
     * took beyond this place.
     */
    private long readThrough;
    /** The master the last read was answered by, how many times it had become master then, and all promotions then. */
    private String readFrom;
    private int readFromMastership;
    private int promotionsAtRead;
    /** Past the end of the stream, waiting for a ring (or, with no doorbell ringing, for {@link #restTimer}). */
    private boolean resting;
    private long restTimer = -1;
    private boolean rungWhileReading;
    private boolean gathering;

    ShardTail(ShardId shard) {
      this.shard = shard;
      this.key = Keys.outbox(shard);
    }

    void ring() {
      context.runOnContext(v -> {
        if (resting) {
          resting = false;
          if (restTimer >= 0) {
            vertx.cancelTimer(restTimer);
          }
          gathering = true;
          restTimer = vertx.setTimer(GATHER_MS, t -> {
            restTimer = -1;
            gathering = false;
            poll();
          });
        } else if (!gathering) {
          rungWhileReading = true;
        }
      });
    }

    /** Completes once the tail knows where the stream ends, and reads on from there. */
    Future<Void> follow() {
      findEnd();
      return endFound.future();
    }

    /**
     * Once its subscribers were told the feed follows every shard, a tail that does not know yet where
     * its stream ends will start from the end it finds then, past the changes made in between: they
     * are told to read the shard again when it does. Until 2026-12-07 they were not, and a socket
     * opened then showed a balance older than its wallet's until its next change.
     */
    void announceIfPositionedLate() {
      if (!endFound.future().isComplete()) {
        endFound.future().onSuccess(found -> {
          if (running) {
            LOG.warn("{} is followed from its end only now, after its subscribers were told it was: they are told", key);
            tellListeners(BalanceListener.Why.LATE_START);
          }
        });
      }
    }

    private void findEnd() {
      if (!running) {
        endFound.tryComplete();
        return;
      }
      lookAtStream()
        .onSuccess(end -> {
          Optional.ofNullable(runner.masterOf(key)).ifPresent(this::readFrom);
          startAt(end);
          endFound.tryComplete();
          poll();
        })
        .onFailure(failure -> {
          LOG.warn("cannot find the end of {} yet: {}", key, failure.toString());
          vertx.setTimer(FAILING_POLL_MS, t -> findEnd());
        });
    }

    /** After its last entry, or (a stream with no entry) unanchored from there. */
    private void startAt(StreamInfo end) {
      readThrough = end.added();
      if (end.lastEntryId() != null) {
        lastId = end.lastEntryId();
        anchored = true;
      } else {
        lastId = ORIGIN;
        anchored = false;
      }
    }

    private void poll() {
      if (!running) {
        return;
      }
      rungWhileReading = false;
      String before = lastId;
      (anchored ? readOnFromAnchor() : readUnanchored()).onComplete(read -> {
        if (read.failed()) {
          LOG.warn("reading {} failed, will try again: {}", key, read.cause().toString());
          vertx.setTimer(FAILING_POLL_MS, t -> poll());
        } else if (!lastId.equals(before) || rungWhileReading) {
          vertx.runOnContext(v -> poll());
        } else {
          rest();
        }
      });
    }

    /**
     * From the last entry read, that entry included: a trim is a prefix of the stream, so while that
     * entry is there nothing after it was trimmed, and this costs no command of its own.
     */
    private Future<Void> readOnFromAnchor() {
      String anchor = lastId;
      return runner.send(key, range(anchor, BATCH + 1)).compose(reply -> {
        announceAnotherMaster();
        List<Response> entries = entries(reply);
        if (!entries.isEmpty() && id(entries.get(0)).equals(anchor)) {
          deliver(entries.subList(1, entries.size()));
          return Future.succeededFuture();
        }
        return withoutTheAnchor(anchor, entries);
      });
    }

    /**
     * The last entry read is not in the stream: trimmed ({@link #afterATrim}), or never had by the
     * stream as it is now, which then lost what the tail read ({@link #lostWhatItRead}). A stream that
     * has had fewer entries added than the tail read from it is another one (flushed, or rebuilt),
     * whatever its ids: written again since, its new ids are past the last one read.
     */
    private Future<Void> withoutTheAnchor(String anchor, List<Response> entries) {
      return lookAtStream().map(now -> {
        if (now.mayHaveHad(anchor) && now.added() >= readThrough) {
          afterATrim(entries, now);
        } else {
          lostWhatItRead(now);
        }
        return null;
      });
    }

    /** With no entry to start from (a stream never written, or emptied): what comes after {@link #lastId}. */
    private Future<Void> readUnanchored() {
      return runner.send(key, range("(" + lastId, BATCH)).compose(reply -> {
        announceAnotherMaster();
        List<Response> entries = entries(reply);
        return entries.isEmpty() ? Future.succeededFuture()
          : lookAtStream().map(now -> {
            afterATrim(entries, now);
            return null;
          });
      });
    }

    /**
     * Entries read where the last one read was trimmed (or there was none): the stream, looked at now,
     * says how many it had lost before the first of them, and any beyond {@link #readThrough} were never
     * read. The last entry read trimmed alone is no loss: a tail the writer has passed, common on a busy
     * machine, had each such read announced as one and its shard's sockets closed (the benchmark of
     * 2026-12-07 19:12: 4,965 of its 10,000 sockets).
     */
    private void afterATrim(List<Response> entries, StreamInfo now) {
      long lostBeforeThem = now.deleted() - trimmedSince(entries, now);
      if (lostBeforeThem > readThrough) {
        announceMissed((lostBeforeThem - readThrough) + " entries were trimmed before it read them");
      }
      readThrough = Math.max(readThrough, lostBeforeThem);
      if (entries.isEmpty()) {
        lastId = ORIGIN;
        anchored = false;
      } else {
        deliver(entries);
        anchored = true;
      }
    }

    /**
     * The stream no longer has entries the tail read, and never trimmed them: a failover lost them (a
     * replica promoted before they reached it), or the stream was flushed. The balances pushed may be
     * what was lost, and the next changes may reuse their seqs; and what the tail counted as read no
     * longer describes this stream. It starts again from where the stream ends now, then its
     * subscribers read the shard again, which covers what this read brought. Until 2026-12-07 it read
     * on, counting entries this stream never had, and a trim of entries it had not read went unannounced.
     */
    private void lostWhatItRead(StreamInfo now) {
      LOG.warn("{} lost entries the feed had read (a failover, or a flush): its subscribers are told", key);
      startAt(now);
      tellListeners(BalanceListener.Why.FAILOVER);
    }

    /** How many of the entries read are gone from the stream now. */
    private static long trimmedSince(List<Response> read, StreamInfo now) {
      if (now.firstEntryId() == null) {
        return read.size();
      }
      return read.stream().filter(entry -> compareIds(id(entry), now.firstEntryId()) < 0).count();
    }

    /** The stream's entries from {@code start} ({@code (} before an id: after it), at most {@code count}. */
    private Request range(String start, int count) {
      return Request.cmd(Command.XRANGE).arg(key).arg(start).arg("+").arg("COUNT").arg(count);
    }

    private void announceMissed(String what) {
      LOG.warn("the feed of {} missed changes ({}): its subscribers are told", key, what);
      tellListeners(BalanceListener.Why.MISSED);
    }

    /** What XINFO STREAM says, or an empty stream where there is none. */
    private Future<StreamInfo> lookAtStream() {
      return runner.send(key, Request.cmd(Command.XINFO).arg("STREAM").arg(key)).map(StreamInfo::of)
        .recover(failure -> failure.getMessage() != null && failure.getMessage().contains("no such key")
          ? Future.succeededFuture(StreamInfo.NONE) : Future.failedFuture(failure));
    }

    /**
     * Hands every balance of the entries to every listener, and moves past them. An entry that cannot
     * be read is announced once the read's entries are delivered: its balances, whichever wallets they
     * were, never come.
     */
    private void deliver(List<Response> entries) {
      boolean unreadable = false;
      for (Response entry : entries) {
        lastId = id(entry);
        readThrough++;
        Optional<List<BalanceEvent>> balances = pushable(entry, lastId);
        balances.ifPresent(events -> events.forEach(OutboxTail.this::publish));
        unreadable |= balances.isEmpty();
      }
      if (unreadable) {
        tellListeners(BalanceListener.Why.UNREADABLE);
      }
    }

    /**
     * A master promoted since the last read: the same node become master again (a failover and its
     * failback), or another node while a promotion happened. Another node that was master all along
     * (a slot moved by a reshard) is not a failover, and nothing it held is lost.
     */
    private void announceAnotherMaster() {
      String master = runner.masterOf(key);
      if (master == null) {
        return;
      }
      boolean promoted = readFrom != null && (master.equals(readFrom)
        ? runner.mastership(master) != readFromMastership
        : runner.promotions() != promotionsAtRead);
      if (promoted) {
        LOG.warn("{} is read from {} now, promoted since it was read from {}: its subscribers are told", key, master,
          readFrom);
        tellListeners(BalanceListener.Why.FAILOVER);
      }
      readFrom(master);
    }

    private void tellListeners(BalanceListener.Why why) {
      for (BalanceListener listener : listeners) {
        try {
          listener.readAgain(shard, why);
        } catch (RuntimeException e) {
          LOG.error("a balance listener failed when told to read {} again ({}); it stays subscribed", shard,
            why.wire(), e);
        }
      }
    }

    private void readFrom(String master) {
      readFrom = master;
      readFromMastership = runner.mastership(master);
      promotionsAtRead = runner.promotions();
    }

    /** Waits for the doorbell (which rings every shard now and then as a last resort), or polls without it. */
    private void rest() {
      resting = true;
      if (doorbell == null || !doorbell.ringing()) {
        restTimer = vertx.setTimer(IDLE_POLL_MS, t -> {
          restTimer = -1;
          resting = false;
          poll();
        });
      }
    }
  }

  /**
   * The entry's balance changes, or nothing for one this process cannot read (a type or version a newer
   * writer added, in a rolling upgrade; a balance whose wallet is no wallet id): it is passed over,
   * where failing the read would stop this shard's feed for good and deliver the entries before it
   * again every second. The ledger writer, which must not pass over anything, stops on it. Until
   * 2026-12-07 the wallet ids were read after this guard, and one that was no wallet's stopped the
   * shard's feed on every edge until it restarted.
   */
  private static Optional<List<BalanceEvent>> pushable(Response entry, String id) {
    try {
      OutboxRecord record = OutboxRecord.parse(field(entry.get(1), OutboxRecord.FIELD));
      return Optional.of(record.balances().stream().map(b -> new BalanceEvent(new WalletId(b.wallet()), b.available(),
        b.held(), b.seq(), record.reference().orElse(record.id()), record.type().wire(), record.at())).toList());
    } catch (RuntimeException unreadable) {
      LOG.warn("outbox entry {} cannot be read by this process, and its balances are not pushed: {}", id,
        unreadable.toString());
      return Optional.empty();
    }
  }

  private void publish(BalanceEvent event) {
    for (BalanceListener listener : listeners) {
      try {
        listener.balance(event);
      } catch (RuntimeException e) {
        LOG.error("a balance listener failed on {}; it stays subscribed", event, e);
      }
    }
  }

  private static List<Response> entries(Response reply) {
    List<Response> entries = new ArrayList<>();
    if (reply != null) {
      reply.forEach(entries::add);
    }
    return entries;
  }

  private static String id(Response entry) {
    return entry.get(0).toString();
  }

  /** Stream ids ({@code ms-seq}) in the stream's order. */
  private static int compareIds(String a, String b) {
    int bySeqOrder = Long.compareUnsigned(idPart(a, 0), idPart(b, 0));
    return bySeqOrder != 0 ? bySeqOrder : Long.compareUnsigned(idPart(a, 1), idPart(b, 1));
  }

  private static long idPart(String id, int part) {
    return Long.parseUnsignedLong(id.split("-")[part]);
  }

  private static String field(Response fields, String name) {
    Response value = value(fields, name);
    if (value == null) {
      throw new IllegalStateException("outbox entry without field " + name);
    }
    return value.toString();
  }

  /** A field of a map (RESP3) or of a flat list of names and values (RESP2); null if there is none. */
  private static Response value(Response fields, String name) {
    if (fields.isMap()) {
      return fields.get(name);
    }
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      if (name.equals(fields.get(i).toString())) {
        return fields.get(i + 1);
      }
    }
    return null;
  }

  /** What XINFO STREAM tells of a stream: how many entries it ever had and has, its first and last. */
  private record StreamInfo(long added, long length, String firstEntryId, String lastEntryId, String lastGeneratedId,
                            String maxDeletedId) {

    static final StreamInfo NONE = new StreamInfo(0, 0, null, null, ORIGIN, ORIGIN);

    static StreamInfo of(Response info) {
      return new StreamInfo(value(info, "entries-added").toLong(), value(info, "length").toLong(),
        entryId(value(info, "first-entry")), entryId(value(info, "last-entry")),
        value(info, "last-generated-id").toString(), value(info, "max-deleted-entry-id").toString());
    }

    /**
     * Whether the stream may have had the entry {@code id} it lacks now: trimmed (before its first
     * entry), or deleted (XDEL, up to its greatest deleted id). One past the last id it generated, or
     * among its entries and never deleted, it never had.
     */
    boolean mayHaveHad(String id) {
      if (compareIds(id, lastGeneratedId) > 0) {
        return false;
      }
      return firstEntryId == null || compareIds(id, firstEntryId) < 0 || compareIds(id, maxDeletedId) <= 0;
    }

    private static String entryId(Response entry) {
      return entry == null || entry.size() == 0 ? null : id(entry);
    }

    /** Trimmed or deleted, ever: a trim takes the stream's oldest entries. */
    long deleted() {
      return added - length;
    }
  }

}
