package dev.wallet.ledger.impl;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.outbox.OutboxDoorbell;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerPlacement;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.ledger.LedgerWriterMetrics;
import dev.wallet.ledger.LedgerWriterOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ledger writer: one {@link ShardConsumer} per shard, reading its shard's outbox through the
 * money core's connections ({@link BalanceCache#ledgerOutbox}) and committing to its shard's database
 * ({@link LedgerPlacement}, and the moves followed since: {@link ShardStores}) through that
 * database's pool and {@link LedgerStore}, which the shards placed there share; woken by the money core's {@link OutboxDoorbell} when their shard has new
 * entries.
 */
public final class StreamLedgerWriter implements LedgerWriter {

  private final Vertx vertx;
  private final LedgerWriterOptions options;
  private static final Logger LOG = LoggerFactory.getLogger(StreamLedgerWriter.class);
  private static final long BACKLOG_REFRESH_MS = 1_000;
  private static final int MONTHS_AHEAD = 2;
  private static final long MONTHS_AHEAD_CHECK_MS = 3_600_000;
  /**
   * How long a ledger transaction waits for more shards' batches (LedgerStore): well inside the ledger
   * lag's 1 s, and at 190 transfers/s 8.3 transfers a commit instead of 1.7 (docs/benchmarks.md).
   */
  private static final long TRANSACTION_LINGER_MS = 50;
  private static final int FULL_COUNT_EVERY = 10;
  /**
   * How long rings are gathered before the rung shards read, all in one turn: what arrives together
   * is committed together, and their reads go to each master as one pipeline (TurnPipelines in the
   * money core). Reading at every ring cost about seven Redis commands and a PostgreSQL transaction
   * per entry; reading each shard on its own timer, a Redis round trip per shard and round. 50 ms
   * rather than 20: at a quarter of the maximum, half the rounds for each master, for up to 30 ms
   * more ledger lag (docs/benchmarks.md).
   */
  private static final long GATHER_MS = 50;

  private final List<ShardConsumer> consumers = new CopyOnWriteArrayList<>();
  /** Rung since the gathering began; touched on the writer's context only. */
  private final Set<ShardConsumer> rung = new LinkedHashSet<>();
  private long gatherTimer = -1;
  private long backlogTimer = -1;
  private long monthsTimer = -1;
  private boolean refreshing;
  private long backlogTicks;
  private final BalanceCache cache;
  private final boolean ownsCache;
  private OutboxDoorbell doorbell;
  private ShardStores stores;

  /** On {@code cache}, the process's money core client, started and closed by its owner. */
  public StreamLedgerWriter(Vertx vertx, LedgerWriterOptions options, BalanceCache cache) {
    this(vertx, options, cache, false);
  }

  /** On a money core client of its own (no sweeper), started and closed with the writer. */
  public StreamLedgerWriter(Vertx vertx, LedgerWriterOptions options) {
    this(vertx, options, BalanceCache.create(vertx, BalanceCacheOptions.defaults(options.redisEndpoints())
      .withShards(options.shards()).withSweep(5_000, 0)), true);
  }

  private StreamLedgerWriter(Vertx vertx, LedgerWriterOptions options, BalanceCache cache, boolean ownsCache) {
    this.vertx = vertx;
    this.options = options;
    this.cache = cache;
    this.ownsCache = ownsCache;
  }

  /** Starts on one event loop: every consumer's round, and every answer it waits for, runs there. */
  @Override
  public Future<Void> start() {
    Context context = vertx.getOrCreateContext();
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> startOn(context).onComplete(started));
    return started.future();
  }

  private Future<Void> startOn(Context context) {
    stores = new ShardStores(options.placement(), options.shards(), database -> appendPool(vertx, database),
      (pool, placedHere, pins) -> new LedgerStore(pool, options.insertMode(), placedHere, vertx, TRANSACTION_LINGER_MS,
        pins));
    return (ownsCache ? cache.start() : Future.<Void>succeededFuture())
      .compose(cacheReady -> {
        ShardRange shards = options.shards();
        doorbell = OutboxDoorbell.start(vertx, options.redisEndpoints(), shards,
          shard -> context.runOnContext(v -> {
            int index = shard - shards.first();
            if (index >= 0 && index < consumers.size()) {
              gather(consumers.get(index));
            }
          }));
        for (ShardId shard : shards.all()) {
          consumers.add(new ShardConsumer(vertx, cache.ledgerOutbox(shard), stores, options,
            doorbell::ringing, this::gather));
        }
        // every batch makes sure of its own months too, so a database that is away now only delays this
        return Future.all(stores.all().stream().map(StreamLedgerWriter::monthsAhead).toList()).recover(failure -> {
          LOG.warn("could not prepare this month's partitions yet; batches will: {}", failure.toString());
          return Future.succeededFuture();
        });
      })
      .<Void>mapEmpty()
      .onSuccess(ready -> {
        consumers.forEach(ShardConsumer::start);
        backlogTimer = vertx.setPeriodic(BACKLOG_REFRESH_MS, tick -> refreshBacklogs());
        monthsTimer = vertx.setPeriodic(MONTHS_AHEAD_CHECK_MS, tick -> monthsAheadOfEveryStore());
      });
  }

  /** The first ring starts a gathering; when it ends, every shard rung meanwhile is rung in one turn. */
  private void gather(ShardConsumer consumer) {
    rung.add(consumer);
    if (gatherTimer < 0) {
      gatherTimer = vertx.setTimer(GATHER_MS, gathered -> {
        gatherTimer = -1;
        List<ShardConsumer> now = List.copyOf(rung);
        rung.clear();
        now.forEach(ShardConsumer::ring);
      });
    }
  }

  /**
   * This month's partitions and the next {@link #MONTHS_AHEAD} months', so that a month's first posting never
   * waits for DDL: at start, and every {@link #MONTHS_AHEAD_CHECK_MS} (until 2026-12-07 only at start,
   * and a writer running into a month it had not made made it on the commit path, where the DDL's
   * lock could stop every shard's commits behind a long reader).
   */
  static Future<Void> monthsAhead(LedgerStore store) {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    Future<Void> made = store.ensureMonth(today);
    for (int ahead = 1; ahead <= MONTHS_AHEAD; ahead++) {
      LocalDate month = today.plusMonths(ahead);
      made = made.compose(done -> store.ensureMonth(month));
    }
    return made;
  }

  private void monthsAheadOfEveryStore() {
    Future.all(stores.all().stream().map(StreamLedgerWriter::monthsAhead).toList()).onFailure(failure ->
      LOG.warn("could not make the coming months' partitions this time; next check in {} ms: {}",
        MONTHS_AHEAD_CHECK_MS, failure.toString()));
  }

  /**
   * One count at a time per writer: a slow Redis must not pile up counting rounds. Each second the
   * shards that had a backlog or new entries are counted, every shard every {@link #FULL_COUNT_EVERY}
   * seconds: an idle writer costs Redis nothing but that.
   */
  private void refreshBacklogs() {
    if (refreshing) {
      return;
    }
    refreshing = true;
    boolean all = ++backlogTicks % FULL_COUNT_EVERY == 0;
    Future.join(consumers.stream().filter(c -> all || c.backlogMayHaveChanged()).map(ShardConsumer::refreshBacklog)
        .toList())
      .onComplete(done -> {
        refreshing = false;
        if (done.failed()) {
          LOG.warn("could not count every shard's backlog this time (kept the last counts): {}", done.cause().toString());
        }
      });
  }

  @Override
  public Future<Void> stop() {
    vertx.cancelTimer(backlogTimer);
    vertx.cancelTimer(monthsTimer);
    vertx.cancelTimer(gatherTimer);
    if (doorbell != null) {
      doorbell.close();
    }
    return Future.all(consumers.stream().map(ShardConsumer::stop).toList())
      .transform(stopped -> closeQuietly());
  }

  private Future<Void> closeQuietly() {
    Future<Void> redisClosed = ownsCache ? cache.close() : Future.succeededFuture();
    return redisClosed.transform(closed -> stores == null ? Future.succeededFuture() : stores.close());
  }

  @Override
  public long lag() {
    return consumers.stream().mapToLong(ShardConsumer::backlog).sum();
  }

  @Override
  public LedgerWriterMetrics metrics() {
    Map<String, Long> backlog = new TreeMap<>();
    Map<String, String> failing = new TreeMap<>();
    long committed = 0;
    long failedRounds = 0;
    long lastCommit = 0;
    for (ShardConsumer c : consumers) {
      backlog.put(c.shard(), c.backlog());
      if (c.lastFailure() != null) {
        failing.put(c.shard(), c.lastFailure());
      }
      committed += c.committed();
      failedRounds += c.failedRounds();
      lastCommit = Math.max(lastCommit, c.lastCommitAtMs());
    }
    return new LedgerWriterMetrics(lag(), backlog, committed, failedRounds, failing, lastCommit,
      doorbell != null && doorbell.ringing());
  }

  /**
   * Every shard's loop commits its own batches, so with 64 shards a small pool makes loops queue for
   * connections: at 300 transfers/s the commit delay's median fell from about 2.4 s with 8
   * connections to about 1.2 s with 24 (scripts/bench-ledger.sh, docs/benchmarks.md).
   */
  private static final int POOL_SIZE = 24;
  private static final String APPLICATION_NAME = "wallet-ledger-writer";

  public static Pool pool(Vertx vertx, LedgerDatabase db) {
    return pool(vertx, db, POOL_SIZE);
  }

  static Pool pool(Vertx vertx, LedgerDatabase db, int size) {
    return pool(vertx, db.connectOptions(), size);
  }

  /**
   * The appends' pool. Each entry's foreign keys are checked by PostgreSQL's referential-integrity
   * queries, and the one into the partitioned postings table was planned afresh for every entry (a
   * custom plan looks cheaper than a generic one that names every partition): 14 % of the
   * database's CPU under transfers. Its generic plan prunes the partitions when it runs. Named, so
   * that {@code pg_stat_activity} tells the writers' connections apart.
   */
  private static Pool appendPool(Vertx vertx, LedgerDatabase db) {
    return pool(vertx, db.connectOptions().addProperty("plan_cache_mode", "force_generic_plan")
      .addProperty("application_name", APPLICATION_NAME), POOL_SIZE);
  }

  static Pool pool(Vertx vertx, PgConnectOptions connect, int size) {
    return PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(size))
      .connectingTo(connect)
      .using(vertx)
      .build();
  }
}
