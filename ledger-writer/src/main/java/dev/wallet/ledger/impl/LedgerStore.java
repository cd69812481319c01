package dev.wallet.ledger.impl;

import dev.wallet.balancecache.async.Deadline;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.outbox.OutboxRecord.AccountEvent;
import dev.wallet.balancecache.outbox.OutboxRecord.OutboxEntry;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.ledger.InsertMode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes batches of outbox records, each of one shard, several shards' batches in one transaction
 * (group commit, see {@link #write}): accounts first (wallets from their opening, system accounts on
 * first sight), then the journal of postings, their entries and account events. Every insert is
 * idempotent on the record's own id, so a redelivered batch changes nothing. The transaction first
 * takes its shards' locks, in order, so two writer instances never interleave one account's
 * entries; the database links each entry into its account's chain.
 */
public final class LedgerStore {

  private static final Class<?>[] ACCOUNT_TYPES = {String.class, String.class, String.class, String.class,
    String.class, String.class, OffsetDateTime.class, String.class};
  private static final Class<?>[] POSTING_TYPES = {String.class, String.class, String.class, String.class,
    String.class, String.class, OffsetDateTime.class, String.class, String.class};
  private static final Class<?>[] ENTRY_TYPES = {String.class, Short.class, String.class, String.class, Long.class,
    String.class, Long.class, Long.class, OffsetDateTime.class};
  private static final Class<?>[] EVENT_TYPES = {String.class, String.class, String.class, String.class,
    String.class, String.class, OffsetDateTime.class, String.class};

  private final Pool pool;
  private final InsertMode mode;
  private final Set<LocalDate> monthsReady = ConcurrentHashMap.newKeySet();
  /**
   * Shared transactions running at once. Each holds the locks of its shards only, and a shard has
   * one batch in flight at a time, so two never wait for each other; more would only split batches.
   */
  private static final int MAX_TRANSACTIONS_IN_FLIGHT = 2;
  /** Records enough to start a transaction without waiting for more (see {@link #lingerMs}). */
  private static final int ENOUGH_RECORDS = 128;
  private List<Submission> queued = new ArrayList<>();
  /** Shards whose last batch failed: committed alone until one succeeds ({@link #commitTogether}). */
  private final Set<String> failing = ConcurrentHashMap.newKeySet();
  private long queuedSinceMs;
  private int inFlight;
  private final Vertx vertx;
  /**
   * How long the first batch queued waits for others to share its transaction, unless enough records
   * are queued: below saturation the shards' batches arrive one by one, and a transaction each cost
   * PostgreSQL a commit and five statements for a posting or two. 0: no wait.
   */
  private final long lingerMs;
  private long lingerTimer = -1;
  /**
   * How long a transaction may go without an outcome before its slot is given up (with a Vert.x to
   * time it). A database gone without a reset leaves a commit waiting for ever (the pools have no
   * query timeout): until 2026-12-07 two such waits held both slots, and nothing was committed to
   * that database again until a restart (found by a read-only hunt). The transaction given up may
   * still commit later; a batch written again is compared with what is there, as every redelivery is.
   */
  private long transactionDeadlineMs = TRANSACTION_DEADLINE_MS;
  static final long TRANSACTION_DEADLINE_MS = 60_000;

  /**
   * The shards this store's database holds (empty: not checked); confirmed once, before its first
   * commit, and again after a move changed them ({@link #place}).
   */
  private volatile List<Integer> placedHere;
  private volatile boolean placementConfirmed;
  private final PinGuard pins;

  /**
   * Asked before shards are pinned to a database that holds none yet: fails (a {@link PlacementDisagrees})
   * when another database of the placement holds any of them.
   */
  interface PinGuard {
    PinGuard NONE = shards -> Future.succeededFuture();

    Future<Void> heldNowhereElse(List<Integer> shards);
  }

  /** A store that does not check which shards its database holds (benchmarks of the store alone). */
  public LedgerStore(Pool pool, InsertMode mode) {
    this(pool, mode, List.of(), null, 0);
  }

  /**
   * @param placedHere the shards the placement puts in this store's database: pinned there by the
   *                   first commit, and every batch refused while the database holds others
   */
  public LedgerStore(Pool pool, InsertMode mode, List<Integer> placedHere) {
    this(pool, mode, placedHere, null, 0);
  }

  /** The same, where a transaction waits up to {@code lingerMs} for more batches to share it (timers of {@code vertx}). */
  public LedgerStore(Pool pool, InsertMode mode, List<Integer> placedHere, Vertx vertx, long lingerMs) {
    this(pool, mode, placedHere, vertx, lingerMs, PinGuard.NONE);
  }

  /** The same, asking {@code pins} before its database is first pinned (ShardStores: the other databases). */
  LedgerStore(Pool pool, InsertMode mode, List<Integer> placedHere, Vertx vertx, long lingerMs, PinGuard pins) {
    this.pins = pins;
    this.pool = pool;
    this.mode = mode;
    this.placedHere = List.copyOf(placedHere);
    this.vertx = vertx;
    this.lingerMs = vertx == null ? 0 : lingerMs;
  }

  /** The shards this store's database holds now that a move took some away or brought some (ShardStores). */
  void place(List<Integer> shards) {
    if (!shards.equals(placedHere)) {
      placedHere = List.copyOf(shards);
      placementConfirmed = false;
    }
  }

  /**
   * A record, where it sits in its shard's stream, and what the ledger adds to it: for a
   * cross-shard movement's debit or a hold, fields of its hot-tier record (destination, fee, limits...).
   */
  public record Positioned(String streamId, OutboxRecord record, Optional<JsonObject> movement) {

    public Positioned(String streamId, OutboxRecord record) {
      this(streamId, record, Optional.empty());
    }

    Positioned withMovement(JsonObject value) {
      return new Positioned(streamId, record, Optional.ofNullable(value));
    }

    Optional<String> counterparty() {
      return movement.map(m -> m.getString("to"));
    }
  }

  /**
   * Commits the batch (every record of {@code shard}), in one transaction with the batches other
   * shards submit meanwhile: group commit. With 64 shard loops each committing its own small batch,
   * the ledger paid a transaction, a WAL flush and five statements per posting or two; now the
   * batches that wait while a transaction runs share the next one. When a shared transaction fails
   * (one shard's entries out of order behind another writer, a divergence), each batch is committed
   * alone, so only the shard at fault fails, exactly as with a transaction of its own; that shard's
   * batches go alone until one commits.
   *
   * <p>A shard keeps at most one batch queued: its loop gives up on a round that takes too long (a
   * PostgreSQL stall) and submits the same entries again, from the same position, with any written
   * since; the newer batch replaces the one still queued, whose caller has stopped waiting (a batch
   * that reaches less far, a round given up on that arrives after the next, is refused). Until
   * 2026-12-06 every retry was queued, 64 batches every 30 s for as long as the stall lasted, all
   * held in memory and all committed again once it ended.
   */
  public Future<Void> write(String shard, List<Positioned> batch) {
    return confirmPlacement().compose(placed -> ensureMonths(batch)).compose(ready -> {
      Submission submission = new Submission(shard, batch, Promise.promise());
      List<Submission> replaced = new ArrayList<>();
      boolean stale;
      synchronized (this) {
        stale = queued.stream().anyMatch(queuedOne -> queuedOne.shard().equals(shard) && !submission.reaches(queuedOne));
        if (!stale) {
          if (queued.isEmpty()) {
            queuedSinceMs = monotonicMs();
          }
          queued.removeIf(earlier -> earlier.shard().equals(shard) && replaced.add(earlier));
          queued.add(submission);
        }
      }
      replaced.forEach(earlier -> earlier.committed().fail(new IllegalStateException("the batch of " + shard
        + " was replaced by a newer batch of the same shard before it was committed")));
      if (stale) {
        return Future.<Void>failedFuture(new IllegalStateException("the batch of " + shard + " ends before the one "
          + "already queued for that shard: a round given up on, arriving late"));
      }
      flushIfIdle();
      return submission.committed().future();
    });
  }

  /** A shard's batch waiting for the next shared transaction. */
  private record Submission(String shard, List<Positioned> batch, Promise<Void> committed) {

    /** Whether this batch reaches as far into the shard's stream as {@code other}: read at least as late. */
    boolean reaches(Submission other) {
      return other.batch.isEmpty() || !batch.isEmpty() && OutboxStreams.compareIds(last(), other.last()) >= 0;
    }

    private String last() {
      return batch.get(batch.size() - 1).streamId();
    }
  }

  private void flushIfIdle() {
    List<Submission> next;
    synchronized (this) {
      if (inFlight >= MAX_TRANSACTIONS_IN_FLIGHT || queued.isEmpty() || lingering()) {
        return;
      }
      inFlight++;
      next = queued;
      queued = new ArrayList<>();
    }
    commitTogether(next).onComplete(done -> {
      synchronized (this) {
        inFlight--;
      }
      flushIfIdle();
    });
  }

  /**
   * Whether the queue waits for more batches; if so, a timer flushes it when its wait is over. Timed by
   * the monotonic clock: until 2026-12-06 by the wall clock, and a step back of it held a quiet
   * database's commits for as long as the step.
   */
  private boolean lingering() {
    long waitMs = queuedSinceMs + lingerMs - monotonicMs();
    if (waitMs <= 0 || queued.stream().mapToInt(s -> s.batch().size()).sum() >= ENOUGH_RECORDS) {
      return false;
    }
    if (lingerTimer < 0) {
      lingerTimer = vertx.setTimer(waitMs, fired -> {
        synchronized (this) {
          lingerTimer = -1;
        }
        flushIfIdle();
      });
    }
    return true;
  }

  /**
   * The batches of shards whose last batch failed go alone, after the others' shared transaction: a
   * shard that keeps failing (stuck behind an entry no writer commits) would otherwise fail every
   * shared transaction it joins, and every batch of it would be committed again one by one, every
   * round, for as long as it is stuck (until 2026-12-06).
   */
  private Future<Void> commitTogether(List<Submission> submissions) {
    List<Submission> together = new ArrayList<>();
    List<Submission> suspect = new ArrayList<>();
    submissions.forEach(s -> (failing.contains(s.shard()) ? suspect : together).add(s));
    return shared(together).compose(done -> alone(suspect)).recover(failure -> Future.succeededFuture());
  }

  private Future<Void> shared(List<Submission> submissions) {
    if (submissions.size() <= 1) {
      return alone(submissions);
    }
    return transaction(submissions).transform(done -> {
      if (done.succeeded()) {
        submissions.forEach(s -> s.committed().complete());
        return Future.succeededFuture();
      }
      return alone(submissions);
    });
  }

  /** Each batch in a transaction of its own; a shard is suspect from its failure to its next success. */
  private Future<Void> alone(List<Submission> submissions) {
    return Sequential.forEach(submissions, s -> transaction(List.of(s)).onComplete(result -> {
      if (result.succeeded()) {
        failing.remove(s.shard());
      } else {
        failing.add(s.shard());
      }
      s.committed().handle(result);
    }).transform(committedOrNot -> Future.succeededFuture()));
  }

  /** Shortens {@link #transactionDeadlineMs} (tests). */
  void transactionDeadline(long ms) {
    transactionDeadlineMs = ms;
  }

  /** One transaction: every shard's lock in order (no two writers can deadlock), then the rows of all batches. */
  private Future<Void> transaction(List<Submission> submissions) {
    Future<Void> work = rowsOf(submissions);
    return vertx == null ? work : Deadline.within(vertx, work, transactionDeadlineMs);
  }

  private Future<Void> rowsOf(List<Submission> submissions) {
    List<Positioned> batch = new ArrayList<>();
    Set<String> shards = new TreeSet<>();
    submissions.forEach(s -> {
      batch.addAll(s.batch());
      shards.add(s.shard());
    });
    return pool.withTransaction(conn -> conn.preparedQuery(SqlQueries.LOCK_SHARDS)
        .execute(Tuple.of(shards.toArray(String[]::new)))
      .compose(locked -> insert(conn, SqlQueries.INSERT_ACCOUNTS, SqlQueries.INSERT_ACCOUNT_ROW, accounts(batch),
        ACCOUNT_TYPES))
      .compose(done -> insert(conn, SqlQueries.INSERT_POSTINGS, SqlQueries.INSERT_POSTING_ROW, postings(batch),
        POSTING_TYPES))
      .compose(done -> insert(conn, SqlQueries.INSERT_ENTRIES, SqlQueries.INSERT_ENTRY_ROW, entries(batch),
        ENTRY_TYPES))
      .compose(done -> insert(conn, SqlQueries.INSERT_ACCOUNT_EVENTS, SqlQueries.INSERT_ACCOUNT_EVENT_ROW,
        events(batch), EVENT_TYPES)));
  }

  /**
   * The database holds the shards the placement gives it: pinned by the first writer that commits
   * here, compared by every later one until it agrees. A placement changed while shards have postings
   * would send their next postings to another database, splitting their history; every batch to this
   * database fails instead (the shard consumers log it and retry, their metrics show it). A shard
   * whose move into this database has not finished is left out on both sides: the placement of a
   * writer that followed the move names it and that of one that did not does not, and the database
   * refuses that shard's writes itself (WL006) until the move is confirmed. Until 2026-12-06 a writer
   * that followed such a move had every other shard of the database refused too. A database that holds
   * nothing yet is pinned only with shards no other database of the placement holds: until the same
   * day a placement changed by hand (instead of moving the shards) pinned an empty database with
   * shards the home database held, and their openings were committed there, apart from their history.
   */
  private Future<Void> confirmPlacement() {
    List<Integer> placedHere = this.placedHere;
    if (placementConfirmed || placedHere.isEmpty()) {
      return Future.succeededFuture();
    }
    return pool.query(SqlQueries.ANY_PINNED).execute()
      .compose(any -> any.iterator().next().getBoolean("pinned") ? Future.succeededFuture()
        : pins.heldNowhereElse(placedHere))
      .compose(free -> pool.preparedQuery(SqlQueries.PIN_SHARDS).execute(Tuple.of(placedHere.toArray(Integer[]::new))))
      .compose(pinned -> pool.query(SqlQueries.PINNED_SHARDS).execute())
      .compose(heldRows -> pool.query(SqlQueries.ARRIVING_SHARDS).execute().map(arrivingRows -> {
        List<Integer> held = new ArrayList<>();
        heldRows.forEach(row -> held.add(row.getInteger("shard")));
        List<Integer> arriving = new ArrayList<>();
        arrivingRows.forEach(row -> arriving.add(row.getInteger("shard")));
        return new Placement(held, placedHere.stream().filter(shard -> !arriving.contains(shard)).toList());
      }))
      .compose(placement -> {
        List<Integer> held = placement.held();
        if (!held.equals(placement.placedAndSettled())) {
          return Future.failedFuture(new PlacementDisagrees("this database holds the ledger of shards "
            + ranges(held) + ", the placement gives it " + ranges(placedHere) + ": a placement is fixed once "
            + "shards have postings; LedgerTool move-shards moves them (docs/architecture.md)"));
        }
        placementConfirmed = true;
        return Future.succeededFuture();
      });
  }

  /** What the database holds, and what the placement gives it but shards still arriving there. */
  private record Placement(List<Integer> held, List<Integer> placedAndSettled) {
  }

  private static long monotonicMs() {
    return System.nanoTime() / 1_000_000;
  }

  /** The shards this store's database holds now (pinned, changed by the moves since). */
  Future<List<Integer>> held() {
    return pool.query(SqlQueries.PINNED_SHARDS).execute().map(rows -> {
      List<Integer> held = new ArrayList<>();
      rows.forEach(row -> held.add(row.getInteger("shard")));
      return held;
    });
  }

  /** The database holds other shards than the placement gives it. */
  static final class PlacementDisagrees extends IllegalStateException {
    PlacementDisagrees(String message) {
      super(message);
    }
  }

  /** 1000-1031,1040 */
  private static String ranges(List<Integer> shards) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < shards.size(); i++) {
      int first = shards.get(i);
      while (i + 1 < shards.size() && shards.get(i + 1) == shards.get(i) + 1) {
        i++;
      }
      out.append(out.isEmpty() ? "" : ",").append(first).append(first == shards.get(i) ? "" : "-" + shards.get(i));
    }
    return out.isEmpty() ? "none" : out.toString();
  }

  /** Monthly partitions are created on first need (and ahead, at start), never inside the batch's transaction. */
  public Future<Void> ensureMonth(LocalDate month) {
    LocalDate first = month.withDayOfMonth(1);
    if (monthsReady.contains(first)) {
      return Future.succeededFuture();
    }
    return pool.preparedQuery(SqlQueries.ENSURE_MONTH).execute(Tuple.of(first))
      .onSuccess(created -> monthsReady.add(first))
      .mapEmpty();
  }

  private Future<Void> ensureMonths(List<Positioned> batch) {
    Set<LocalDate> months = new TreeSet<>();
    batch.forEach(p -> months.add(time(p.record()).toLocalDate().withDayOfMonth(1)));
    return Sequential.forEach(months, this::ensureMonth);
  }

  private Future<Void> insert(SqlConnection conn, String unnest, String perRow, List<Object[]> rows, Class<?>[] types) {
    if (rows.isEmpty()) {
      return Future.succeededFuture();
    }
    return switch (mode) {
      case UNNEST -> conn.preparedQuery(unnest).execute(columns(rows, types)).mapEmpty();
      case EXECUTE_BATCH -> conn.preparedQuery(perRow).executeBatch(rows.stream().map(Tuple::wrap).toList()).mapEmpty();
      case ONE_BY_ONE -> oneByOne(conn, perRow, rows);
    };
  }

  private static Future<Void> oneByOne(SqlConnection conn, String sql, List<Object[]> rows) {
    return Sequential.forEach(rows, row -> conn.preparedQuery(sql).execute(Tuple.wrap(row)));
  }

  private static List<Object[]> accounts(List<Positioned> batch) {
    Map<String, Object[]> accounts = new LinkedHashMap<>();
    for (Positioned p : batch) {
      OutboxRecord r = p.record();
      if (r.type() == PostingType.WALLET_OPENED) {
        AccountEvent a = r.account().orElseThrow();
        accounts.put(a.id(), new Object[] {a.id(), "wallet", a.owner().orElseThrow(), a.currency().orElseThrow(),
          a.type().orElseThrow(), r.shard(), time(r), a.parent().orElse(null)});
      }
      for (OutboxEntry e : r.entries()) {
        if (!WalletId.isWalletId(e.account())) {
          accounts.putIfAbsent(e.account(), new Object[] {e.account(), "system", null, e.currency(), null, r.shard(),
            time(r), null});
        }
      }
    }
    return new ArrayList<>(accounts.values());
  }

  private static List<Object[]> postings(List<Positioned> batch) {
    List<Object[]> rows = new ArrayList<>();
    for (Positioned p : batch) {
      OutboxRecord r = p.record();
      rows.add(new Object[] {r.id(), r.type().wire(), r.shard(), r.reference().orElse(null),
        r.idempotencyScope().orElse(null), p.counterparty().orElse(null), time(r), p.streamId(),
        p.movement().map(JsonObject::encode).orElse(null)});
    }
    return rows;
  }

  private static List<Object[]> entries(List<Positioned> batch) {
    List<Object[]> rows = new ArrayList<>();
    for (Positioned p : batch) {
      OutboxRecord r = p.record();
      for (int i = 0; i < r.entries().size(); i++) {
        OutboxEntry e = r.entries().get(i);
        rows.add(new Object[] {r.id(), (short) i, e.account(), e.bucket(), e.amount(), e.currency(), e.balanceAfter(),
          e.seq(), time(r)});
      }
    }
    return rows;
  }

  private static List<Object[]> events(List<Positioned> batch) {
    List<Object[]> rows = new ArrayList<>();
    for (Positioned p : batch) {
      OutboxRecord r = p.record();
      if (r.type() == PostingType.WALLET_STATUS) {
        AccountEvent a = r.account().orElseThrow();
        rows.add(new Object[] {r.id(), a.id(), r.type().wire(), a.status().orElse(null), a.previous().orElse(null),
          a.reason().orElse(null), time(r), p.streamId()});
      }
    }
    return rows;
  }

  /** Turns rows into one array per column, the shape unnest takes. */
  private static Tuple columns(List<Object[]> rows, Class<?>[] types) {
    Tuple tuple = Tuple.tuple();
    for (int c = 0; c < types.length; c++) {
      Object[] column = (Object[]) java.lang.reflect.Array.newInstance(types[c], rows.size());
      for (int r = 0; r < rows.size(); r++) {
        column[r] = rows.get(r)[c];
      }
      tuple.addValue(column);
    }
    return tuple;
  }

  private static OffsetDateTime time(OutboxRecord r) {
    return r.at().atOffset(ZoneOffset.UTC);
  }
}
