package dev.wallet.ledger.impl;

import dev.wallet.balancecache.async.Deadline;
import dev.wallet.ledger.LedgerWriterOptions;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.outbox.Replication;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's loop for one shard: read a batch after its position, make sure Redis replicated
 * it, commit it to PostgreSQL, then give retired keys their lifetime and publish the new position.
 * A failed batch leaves the position where it was, so the same entries are the next thing read
 * (with backoff): while PostgreSQL is away nothing is skipped, the stream keeps what the ledger does
 * not have yet, and the backlog (the lag) grows until PostgreSQL is back. A writer that starts, or
 * starts again after a crash, reads from the published position; what it commits a second time
 * changes nothing, since every insert is idempotent. Two writers on one shard commit the same
 * entries, each once.
 */
final class ShardConsumer {

  private static final Logger LOG = LoggerFactory.getLogger(ShardConsumer.class);
  /** With nothing to read and no doorbell to wake it, how long a loop rests before it looks again. */
  private static final long IDLE_POLL_MS = 50;
  private static final long MAX_BACKOFF_MS = 2_000;
  /** How often the committed entries leave the stream (with a batch's publication). */
  private static final long TRIM_EVERY_MS = 2_000;
  private static final long REPLICATION_TIMEOUT_MS = 1_000;
  private static final long CYCLE_TIMEOUT_MS = 30_000;
  /** A streak of failed rounds is logged when it starts, then once this often, and when it ends. */
  private static final long FAILURE_LOG_EVERY_MS = 30_000;
  /** Raised by the database when an account's predecessor entry is not committed yet (another writer has it). */
  private static final String OUT_OF_ORDER = "WL001";
  /** What the Vert.x SQL client's pool answers once it is closed. */
  private static final String POOL_CLOSED = "Pool closed";

  private final Vertx vertx;
  private final LedgerOutbox stream;
  private final ShardStores stores;
  private final LedgerWriterOptions options;
  private final AtomicLong committed = new AtomicLong();
  private final AtomicLong failedRounds = new AtomicLong();
  private final BooleanSupplier doorbellRinging;
  /** Rings this loop again with the other shards of the writer's next gathering. */
  private final Consumer<ShardConsumer> ringAgain;
  /** Past the end of its stream, waiting for a ring (or, with no doorbell ringing, for {@link #restTimer}). */
  private boolean resting;
  private long restTimer = -1;
  private boolean rungWhileBusy;
  /** The round's read got fewer than a batch: the stream had no more then. */
  private boolean readToTheEnd;
  private volatile boolean rungSinceCount = true;
  /** The last entry committed (and published) by this loop; null until read from the published position. */
  private volatile String position;
  /**
   * The replication history (master_replid) of the master {@link #position} was read from, and of every
   * read since: read with the position, so that a failover before the first read is seen too.
   */
  private String readFromHistory;
  /** By the monotonic clock: a step back of the wall clock stopped trimming for as long (until 2026-12-06). */
  private long nextTrimAt = Long.MIN_VALUE;
  private long backoffMs;
  private long roundDeadlineMs = CYCLE_TIMEOUT_MS;
  private final FailureStreak failures = new FailureStreak(FAILURE_LOG_EVERY_MS);
  private volatile long backlog;
  private volatile long lastCommitAtMs;
  private volatile String lastFailure;
  private volatile boolean stopped;
  private Future<Void> current = Future.succeededFuture();

  ShardConsumer(Vertx vertx, LedgerOutbox stream, ShardStores stores, LedgerWriterOptions options,
                BooleanSupplier doorbellRinging, Consumer<ShardConsumer> ringAgain) {
    this.vertx = vertx;
    this.doorbellRinging = doorbellRinging;
    this.ringAgain = ringAgain;
    this.stream = stream;
    this.stores = stores;
    this.options = options;
  }

  void start() {
    loop();
  }

  /** Shortens how long a round may take before the loop gives up on it (tests). */
  void roundDeadline(long ms) {
    roundDeadlineMs = ms;
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
    String from = position;
    return from == null ? Future.succeededFuture()
      : stream.backlog(from).onSuccess(count -> backlog = count).mapEmpty();
  }

  /** A backlog last counted above zero, or entries written since it was counted. */
  boolean backlogMayHaveChanged() {
    return backlog > 0 || rungSinceCount || lastFailure != null;
  }

  /**
   * The doorbell rang for this shard (on this consumer's context, once the writer has gathered the
   * rings of a moment, {@link StreamLedgerWriter}): a resting loop reads now; a busy one reads again
   * when its round ends, since its read may have come before the new entry.
   */
  void ring() {
    rungSinceCount = true;
    if (resting) {
      wake();
    } else {
      rungWhileBusy = true;
    }
  }

  private void wake() {
    resting = false;
    if (restTimer >= 0) {
      vertx.cancelTimer(restTimer);
      restTimer = -1;
    }
    loop();
  }

  private void loop() {
    if (stopped) {
      return;
    }
    rungWhileBusy = false;
    // a round that hangs (a node that neither answers nor refuses) must not stop the shard for good
    Future<Integer> cycle = Deadline.within(vertx, cycle(), roundDeadlineMs);
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
        failures.succeeded(monotonicMs()).ifPresent(streak ->
          LOG.info("ledger writer for {} commits again after {}", shard(), streak));
        if (done.result() > 0 && !readToTheEnd) {
          vertx.runOnContext(v -> loop());  // a full batch: the stream holds more now
        } else {
          // past the end of the stream, only a ring (an entry written since) is a reason to read again,
          // and that read goes with the other shards' of the next gathering
          rest();
          if (rungWhileBusy) {
            ringAgain.accept(this);
          }
        }
      }
    });
  }

  /**
   * Nothing to read: wait for the doorbell (which rings every shard now and then as a last resort),
   * or poll when it is not ringing.
   */
  private void rest() {
    resting = true;
    if (!doorbellRinging.getAsBoolean()) {
      restTimer = vertx.setTimer(IDLE_POLL_MS, t -> {
        restTimer = -1;
        wake();
      });
    }
  }

  /** The position stays where it was: the same entries are read again. Logged, and counted in the metrics. */
  private void failed(Throwable cause) {
    if (String.valueOf(cause.getMessage()).contains(POOL_CLOSED)) {
      // the process is closing under us (its pool went with its Vert.x): retrying would only fail again
      stopped = true;
      LOG.warn("ledger writer for {} stops: its PostgreSQL pool is closed; the next writer reads on from the "
        + "published position", shard());
      return;
    }
    failedRounds.incrementAndGet();
    lastFailure = cause.toString();
    long now = monotonicMs();
    boolean logged = failures.failed(now, cause instanceof PgException pg
      ? "PostgreSQL " + pg.getSqlState() : cause.getClass().getName());
    if (cause instanceof PgException pg && OUT_OF_ORDER.equals(pg.getSqlState())) {
      backoffMs = IDLE_POLL_MS;
      if (logged && !failures.repeated()) {
        LOG.info("ledger writer for {} waits for an earlier batch of another writer: {}", shard(), pg.getMessage());
      } else if (logged) {
        LOG.warn("ledger writer for {} still waits for an earlier batch of another writer ({}): {}", shard(),
          failures.sofar(now), pg.getMessage());
      }
      return;
    }
    backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(50, backoffMs * 2));
    if (logged) {
      LOG.error("ledger writer for {} failed ({}), retrying the same batch in {} ms: {}", shard(), failures.sofar(now),
        backoffMs, lastFailure);
    }
  }

  private static long monotonicMs() {
    return System.nanoTime() / 1_000_000;
  }

  /** One round; answers how many entries it committed. */
  private Future<Integer> cycle() {
    return readPosition()
      .compose(from -> stream.after(from, options.batchSize()))
      .compose(this::commit);
  }

  /** Where this loop reads from: the position the ledger published, until it commits more itself. */
  private Future<String> readPosition() {
    return position != null ? Future.succeededFuture(position)
      : stream.publishedWithHistory().map(published -> {
        position = published.position();
        readFromHistory = published.history();
        return position;
      });
  }

  private Future<Integer> commit(LedgerOutbox.Read read) {
    if (!read.replication().history().equals(readFromHistory)) {
      // A failover since the position was read or last read after: the new master may have lost what it
      // published last (its position and its records' lifetimes). Read from the position it holds, so
      // those batches are committed again (the ledger compares them with what it has) and their records
      // get their lifetime again; until 2026-12-06 the loop went on from its own position, and those
      // records never expired, and until 2026-12-07 so did a loop whose first read came after a failover.
      LOG.info("{}: its master changed since the last read (a failover); reading from the position it holds", shard());
      position = null;
      return readPosition().compose(from -> stream.after(from, options.batchSize())).compose(this::commit);
    }
    List<LedgerOutbox.Entry> messages = read.entries();
    readToTheEnd = messages.size() < options.batchSize();
    if (!read.published() && !LedgerOutbox.START.equals(position)) {
      // the position went with its stream (a flushed or rebuilt hot tier): every entry there is new
      LOG.warn("the outbox of {} lost its ledger position {}; reading it from its start", shard(), position);
      position = LedgerOutbox.START;
      return stream.after(position, options.batchSize()).compose(this::commit);
    }
    if (messages.isEmpty()) {
      return Future.succeededFuture(0);
    }
    rungSinceCount = true;  // the backlog moved: count it again
    List<Positioned> batch = batchOf(messages);
    String last = batch.get(batch.size() - 1).streamId();
    return replicated(read.replication())
      .compose(replicated -> stores.write(stream.shard(), batch))
      .compose(written -> publish(batch, last))
      .map(published -> {
        movePast(last);
        committed.addAndGet(batch.size());
        lastCommitAtMs = System.currentTimeMillis();
        return batch.size();
      });
  }

  /**
   * A round given up on (past {@link #roundDeadlineMs}) runs on, and may end after a later round: like
   * the published position (publish_position.lua), the loop's own moves forward only, or the next round
   * would read again what the later one committed.
   */
  private void movePast(String last) {
    if (position == null || OutboxStreams.compareIds(last, position) > 0) {
      position = last;
    }
  }

  /**
   * The ledger never commits an entry that a failover could still take back from Redis: once enough
   * replicas have acknowledged what the read saw. A read not vouched for at once asks them: the
   * shards read in one turn ask in one pipeline (one marker write each, one WAIT), which costs a
   * master less than a second look at its replication a few milliseconds later, which under load
   * usually found the edges' newer writes still unacknowledged and asked anyway.
   */
  private Future<Void> replicated(Replication read) {
    if (read.heldBy(options.minReplicaAcks())) {
      return Future.succeededFuture();
    }
    return stream.replicate(read, options.minReplicaAcks(), REPLICATION_TIMEOUT_MS)
      .compose(held -> held ? Future.<Void>succeededFuture()
        : Future.failedFuture(new IllegalStateException("outbox entries of " + shard()
          + " are not on enough replicas yet; not writing them to the ledger")));
  }

  /** Committed: the keys the batch retires get their lifetime, and the position moves past the batch. */
  private Future<Void> publish(List<Positioned> batch, String last) {
    long now = monotonicMs();
    boolean trim = now >= nextTrimAt;
    if (trim) {
      nextTrimAt = now + TRIM_EVERY_MS;
    }
    return stream.committed(last, batch.stream().flatMap(p -> p.record().retire().stream()).toList(),
      options.idempotencyRetentionMs(), trim);
  }

  /**
   * In stream order, as read, with a saga debit's or a hold's own fields (destination, fee, limit
   * counters...), for a rebuild.
   */
  static List<Positioned> batchOf(List<LedgerOutbox.Entry> messages) {
    return messages.stream().map(entry -> withMovement(new Positioned(entry.id(), entry.record()))).toList();
  }

  private static Positioned withMovement(Positioned p) {
    return p.record().movement().isEmpty() ? p : p.withMovement(new JsonObject(new HashMap<>(p.record().movement())));
  }
}
