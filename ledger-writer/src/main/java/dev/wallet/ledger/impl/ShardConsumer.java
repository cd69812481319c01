package dev.wallet.ledger.impl;

import dev.wallet.ledger.LedgerWriterOptions;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.OutboxStreams;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's loop for one shard: read a batch, make sure Redis replicated it, commit it to
 * PostgreSQL, give retired keys their lifetime, acknowledge. A failed batch stays unacknowledged
 * in this consumer's pending list and is the next thing it retries (with backoff), before
 * anything new is read: while PostgreSQL is away nothing is skipped, the stream keeps what the
 * ledger does not have yet, and the backlog (the lag) grows until PostgreSQL is back.
 */
final class ShardConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(ShardConsumer.class);
  /** With nothing to read and no doorbell to wake it, how long a loop rests before it looks again. */
  private static final long IDLE_POLL_MS = 50;
  /** With the doorbell ringing, a loop with nothing to read still looks this often, as a last resort. */
  private static final long RESTING_POLL_MS = 10_000;
  /**
   * A rung loop waits this long before it reads, so that what arrives together is committed together:
   * reading at every ring cost about seven Redis commands and a PostgreSQL transaction per entry.
   */
  private static final long GATHER_MS = 20;
  private static final long MAX_BACKOFF_MS = 2_000;
  private static final long HOUSEKEEPING_MS = 2_000;
  private static final long REPLICATION_TIMEOUT_MS = 1_000;
  private static final long CYCLE_TIMEOUT_MS = 30_000;
  /** Raised by the database when an account's predecessor entry is not committed yet (another writer has it). */
  private static final String OUT_OF_ORDER = "WL001";
  /** What the Vert.x SQL client's pool answers once it is closed. */
  private static final String POOL_CLOSED = "Pool closed";

  private final Vertx vertx;
  private final LedgerOutbox stream;
  private final LedgerStore store;
  private final LedgerWriterOptions options;
  private final AtomicLong committed = new AtomicLong();
  private final AtomicLong failedRounds = new AtomicLong();
  private final BooleanSupplier doorbellRinging;
  private long restTimer = -1;
  private boolean rungWhileBusy;
  /** The round's read asked for new entries and got fewer than a batch: the stream had no more then. */
  private boolean readToTheEnd;
  /** The round's entries were read with their replication check (new entries are; claimed and own ones are not). */
  private boolean readReplicated;
  private boolean gathering;
  private volatile boolean rungSinceCount = true;
  private boolean groupReady;
  private boolean ownPendingDone;
  private long nextClaimAt;
  private long nextHousekeepingAt;
  private long backoffMs;
  private volatile long backlog;
  private volatile long lastCommitAtMs;
  private volatile String lastFailure;
  private volatile boolean stopped;
  private Future<Void> current = Future.succeededFuture();

  ShardConsumer(Vertx vertx, LedgerOutbox stream, LedgerStore store, LedgerWriterOptions options,
                BooleanSupplier doorbellRinging) {
    this.vertx = vertx;
    this.doorbellRinging = doorbellRinging;
    this.stream = stream;
    this.store = store;
    this.options = options;
  }

  void start() {
    loop();
  }

  /** Completes once the batch in progress, if any, has ended. */
  Future<Void> stop() {
    stopped = true;
    return current;
  }

  String shard() {
    return stream.shard().name();
  }

  long backlog() {
    return backlog;
  }

  long committed() {
    return committed.get();
  }

  long failedRounds() {
    return failedRounds.get();
  }

  long lastCommitAtMs() {
    return lastCommitAtMs;
  }

  /** The last failure, or null while the last round succeeded. */
  String lastFailure() {
    return lastFailure;
  }

  /** Counts what waits for the ledger; runs on its own schedule, so the lag stays visible while rounds fail. */
  Future<Void> refreshBacklog() {
    rungSinceCount = false;
    return stream.backlog().onSuccess(count -> backlog = count).mapEmpty();
  }

  /** A backlog last counted above zero, or entries written since it was counted. */
  boolean backlogMayHaveChanged() {
    return backlog > 0 || rungSinceCount || lastFailure != null;
  }

  /**
   * The doorbell rang for this shard (on this consumer's context): a resting loop reads shortly
   * (after {@link #GATHER_MS}); a busy one reads again when its round ends, since its read may
   * have come before the new entry.
   */
  void ring() {
    rungSinceCount = true;
    if (restTimer >= 0 && !gathering) {
      vertx.cancelTimer(restTimer);
      gathering = true;
      restTimer = vertx.setTimer(GATHER_MS, t -> {
        restTimer = -1;
        gathering = false;
        loop();
      });
    } else if (restTimer < 0) {
      rungWhileBusy = true;
    }
  }

  private void loop() {
    if (stopped) {
      return;
    }
    rungWhileBusy = false;
    // a round that hangs (a node that neither answers nor refuses) must not stop the shard for good
    Future<Integer> cycle = cycle().timeout(CYCLE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    current = cycle.transform(done -> Future.succeededFuture());
    cycle.onComplete(done -> {
      if (done.failed()) {
        failed(done.cause());
        if (!stopped) {
          vertx.setTimer(backoffMs, t -> loop());
        }
      } else {
        backoffMs = 0;
        lastFailure = null;
        // past the end of the stream, only a ring (an entry written since) is a reason to read again
        if (rungWhileBusy || (done.result() > 0 && !readToTheEnd)) {
          vertx.runOnContext(v -> loop());
        } else {
          rest();
        }
      }
    });
  }

  /** Nothing to read: wait for the doorbell, or poll when it is not ringing. */
  private void rest() {
    restTimer = vertx.setTimer(doorbellRinging.getAsBoolean() ? RESTING_POLL_MS : IDLE_POLL_MS, t -> {
      restTimer = -1;
      loop();
    });
  }

  /** The batch stays ours and unacknowledged: retry it first. Logged, and counted in the metrics. */
  private void failed(Throwable cause) {
    if (String.valueOf(cause.getMessage()).contains(POOL_CLOSED)) {
      // the process is closing under us (its pool went with its Vert.x): a consumer that went on
      // retrying would keep re-reading its unacknowledged batch, so that no other writer could ever
      // claim it, and every later posting of those accounts would wait behind it
      stopped = true;
      LOG.warn("ledger writer for {} stops: its PostgreSQL pool is closed; its unacknowledged entries go to "
        + "the writer that claims them", shard());
      return;
    }
    failedRounds.incrementAndGet();
    ownPendingDone = false;
    lastFailure = cause.toString();
    if (lastFailure.contains("NOGROUP")) {
      groupReady = false;  // the stream was lost with its group (a flushed or rebuilt hot tier): create it again
    }
    if (cause instanceof PgException pg && OUT_OF_ORDER.equals(pg.getSqlState())) {
      backoffMs = IDLE_POLL_MS;
      LOG.info("ledger writer for {} waits for an earlier batch of another writer: {}", shard(), pg.getMessage());
      return;
    }
    backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(50, backoffMs * 2));
    LOG.error("ledger writer for {} failed, retrying the same batch in {} ms: {}", shard(), backoffMs, lastFailure);
  }

  /** One round; answers how many entries it committed. */
  private Future<Integer> cycle() {
    return ensureGroup()
      .compose(ready -> read())
      .compose(this::commit)
      .compose(count -> housekeepingIfDue().map(count));
  }

  private Future<Void> ensureGroup() {
    return groupReady ? Future.succeededFuture() : stream.ensureGroup().onSuccess(ok -> groupReady = true);
  }

  /** Abandoned entries of dead consumers first (they are the oldest), then our own unacknowledged ones, then new ones. */
  private Future<List<LedgerOutbox.Entry>> read() {
    readToTheEnd = false;
    readReplicated = false;
    long now = System.currentTimeMillis();
    if (now >= nextClaimAt) {
      nextClaimAt = now + Math.max(1_000, options.claimIdleMs() / 2);
      return stream.claimAbandoned(options.claimIdleMs(), options.batchSize())
        .compose(claimed -> claimed.isEmpty() ? readOwnThenNew() : Future.succeededFuture(claimed));
    }
    return readOwnThenNew();
  }

  private Future<List<LedgerOutbox.Entry>> readOwnThenNew() {
    if (ownPendingDone) {
      return readNew();
    }
    return stream.ownPending(options.batchSize()).compose(mine -> {
      if (!mine.isEmpty()) {
        return Future.succeededFuture(mine);
      }
      ownPendingDone = true;
      return readNew();
    });
  }

  private Future<List<LedgerOutbox.Entry>> readNew() {
    return stream.next(options.batchSize(), options.minReplicaAcks(), REPLICATION_TIMEOUT_MS).onSuccess(entries -> {
      readToTheEnd = entries.size() < options.batchSize();
      readReplicated = true;
    });
  }

  private Future<Integer> commit(List<LedgerOutbox.Entry> messages) {
    if (messages.isEmpty()) {
      return Future.succeededFuture(0);
    }
    rungSinceCount = true;  // the backlog moved: count it again
    List<Positioned> read = positioned(messages);
    return (readReplicated ? Future.succeededFuture(true)
        : stream.replicated(options.minReplicaAcks(), REPLICATION_TIMEOUT_MS))
      .compose(replicated -> replicated
        ? Future.succeededFuture(withMovements(read))
        : Future.failedFuture(new IllegalStateException("outbox entries of " + shard()
          + " are not on enough replicas yet; not writing them to the ledger")))
      .compose(batch -> store.write(shard(), batch).map(batch))
      .compose(batch -> acknowledge(batch).map(batch.size()))
      .onSuccess(count -> {
        committed.addAndGet(count);
        lastCommitAtMs = System.currentTimeMillis();
      });
  }

  /** A saga debit's or a hold's own fields (destination, fee, limit counters...), for a rebuild. */
  private static List<Positioned> withMovements(List<Positioned> batch) {
    return batch.stream().map(p -> p.record().movement().isEmpty()
        ? p
        : p.withMovement(new JsonObject(new HashMap<>(p.record().movement()))))
      .toList();
  }

  /** In stream order, each entry once (a claim and a re-read may return the same entry). */
  private static List<Positioned> positioned(List<LedgerOutbox.Entry> messages) {
    Map<String, Positioned> byId = new LinkedHashMap<>();
    for (LedgerOutbox.Entry entry : messages) {
      byId.putIfAbsent(entry.id(), new Positioned(entry.id(), entry.record()));
    }
    List<Positioned> batch = new ArrayList<>(byId.values());
    batch.sort((a, b) -> OutboxStreams.compareIds(a.streamId(), b.streamId()));
    return batch;
  }

  /** Committed: the keys the batch retires get their lifetime, and the batch leaves our pending list. */
  private Future<Void> acknowledge(List<Positioned> batch) {
    return stream.acknowledge(batch.stream().map(Positioned::streamId).toList(),
      batch.stream().flatMap(p -> p.record().retire().stream()).toList(), options.idempotencyRetentionMs());
  }

  private Future<Void> housekeepingIfDue() {
    long now = System.currentTimeMillis();
    if (now < nextHousekeepingAt) {
      return Future.succeededFuture();
    }
    nextHousekeepingAt = now + HOUSEKEEPING_MS;
    return stream.trimCommitted().mapEmpty();
  }

}
