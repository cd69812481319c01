package dev.wallet.ledger.impl;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.model.AccountState;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.MoneyHalts;
import dev.wallet.ledger.Reconciliation;
import dev.wallet.ledger.ReconciliationProgress;
import dev.wallet.ledger.ReconciliationOptions;
import dev.wallet.ledger.ReconciliationReport;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** See {@link Reconciliation}. Every step is a flat chain of futures; nothing blocks. */
public final class Reconciler implements Reconciliation {

  private static final int FREEZE_REASON_CHARS = 500;
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  private static final int CHUNK = 500;
  /**
   * A pool of its own, apart from the writer's: a run's reads (seconds on a large ledger) must not
   * take the connections the writer's commits wait for. A run sends its queries one after the
   * other, with a few in parallel at most (re-reads of accounts ahead, freezes and halts).
   */
  private static final int POOL_SIZE = 4;
  private static final long RESUME_OVERLAP_MS = 300_000;
  /** Continuous runs go through every shard in this many runs. */
  private static final int RUNS_PER_CYCLE = 6;
  /** Readings kept for a later run at most; past that, an account behind is only counted behind. */
  private static final int MAX_KEPT = 20_000;

  private final Vertx vertx;
  private final ReconciliationOptions options;
  private final BalanceCache cache;
  private final Pool homePool;
  /** The ledger's databases: a shard's accounts are compared with its database, the global checks ask all. */
  private final LedgerNodes ledger;
  /** The home database: where runs are published and halts raised. */
  private final SqlClient home;
  private final InTransitCheck inTransit = new InTransitCheck();
  private final MovementStepsCheck movementSteps;
  private final MoneyHalts halts;
  private final StallWatch stalls;
  private final HotTierAccess hotTier;
  /**
   * Postings recorded from here on have not all been seen by a run yet. A posting's recorded_at is
   * its transaction's start, so a transaction open while a run looked can commit later with an
   * earlier time: the next run starts from the oldest transaction then open (or the run's own start).
   */
  private Instant checkedSince = Instant.EPOCH;
  /** Whether {@link #checkedSince} took the last completed run into account (or there was none). */
  private boolean resumed;
  /**
   * Readings of accounts the ledger was behind, kept until it reaches them. An account that is never
   * still (a hot merchant, a fee or clearing account under load) has Redis ahead of the ledger at
   * every read, and until 2026-12-06 it was never compared. A reading is kept only with the lineage
   * of the master it was read on, and compared only while its shard's master still has that lineage:
   * a failover since could have lost what it showed, and the ledger's posting at its sequence would
   * then be another.
   */
  private final Map<String, Kept> kept = new ConcurrentHashMap<>();
  private int nextShard;
  private int nextSlotShard;
  private volatile ReconciliationReport last;
  private volatile Instant lastCompleteCycle = Instant.now();
  private volatile Instant inTransitLastConcluded = lastCompleteCycle;
  private volatile boolean inTransitConcludedHere;
  /** Whether a run of the cycle under way failed: the cycle then does not count as complete. */
  private volatile boolean cycleFailed;
  private final AtomicLong failedRuns = new AtomicLong();
  private final Map<Kind, AtomicLong> found = new EnumMap<>(Kind.class);
  private volatile boolean stopped;
  private long timer = -1;

  public Reconciler(Vertx vertx, ReconciliationOptions options, BalanceCache cache) {
    this.vertx = vertx;
    this.options = options;
    this.cache = cache;
    this.hotTier = cache.hotTier();
    // it follows a move of the ledger's shards as the edges do: a run refused for its placement reads again
    this.homePool = pool(vertx, options.placement().home());
    this.ledger = LedgerNodes.opening(homePool, options.placement(), database -> pool(vertx, database));
    this.home = ledger.home();
    this.halts = MoneyHalts.create(homePool);
    this.stalls = new StallWatch(Duration.ofMillis(options.stallAfterMs()));
    this.movementSteps = new MovementStepsCheck(stalls.bound(), hotTier);
    for (Kind kind : Kind.values()) {
      found.put(kind, new AtomicLong());
    }
  }

  @Override
  public Future<Void> start() {
    return resumeFromLastRun().otherwise(failure -> {
      LOG.warn("could not read where the last reconciliation stopped; the first run asks again: {}",
        failure.toString());
      return null;
    }).onSuccess(ready -> schedule(0)).mapEmpty();
  }

  /**
   * A restarted writer need not read the whole ledger again: what the last completed run (of any
   * instance) saw was checked. Without one, the first run reads everything. It reads again from
   * {@link #resumeOverlapMs()} before that run: the movement-steps check's waits live in memory, and
   * a movement still waiting then had a step recorded at most a stall bound before. Until it has been
   * read, every run asks for it first, and fails when it cannot: until 2026-12-07 a failure to read
   * it at start made the first run read the whole ledger (every account, entry and movement into
   * the writer's memory).
   */
  private Future<Void> resumeFromLastRun() {
    if (resumed) {
      return Future.succeededFuture();
    }
    return home.preparedQuery(SqlQueries.LAST_COMPLETED_RECONCILIATION_START).execute(Tuple.of(resumeOverlapMs()))
      .compose(rows -> {
        java.time.OffsetDateTime since = rows.iterator().next().getOffsetDateTime("since");
        if (since != null && checkedSince.equals(Instant.EPOCH)) {
          checkedSince = since.toInstant();
        }
        return home.query(SqlQueries.LAST_IN_TRANSIT_CONCLUDED).execute();
      })
      .map(rows -> {
        resumeInTransitLastConcluded(rows.iterator().next().getOffsetDateTime("at"));
        resumed = true;
        return (Void) null;
      });
  }

  /**
   * A restarted writer's in-transit check last concluded when any run last did: from its own start,
   * a writer restarted by every deploy would never have gone an hour unchecked, and the alert on it
   * never fired while steady traffic between shards kept the check from concluding.
   */
  private void resumeInTransitLastConcluded(java.time.OffsetDateTime at) {
    if (at != null && !inTransitConcludedHere) {
      inTransitLastConcluded = at.toInstant();
    }
  }

  /** Five minutes for transactions open during the last run, or the stall bound when that is longer. */
  private long resumeOverlapMs() {
    return Math.max(RESUME_OVERLAP_MS, options.stallAfterMs());
  }

  @Override
  public Optional<ReconciliationReport> last() {
    return Optional.ofNullable(last);
  }

  @Override
  public ReconciliationProgress progress() {
    Map<Kind, Long> counted = new EnumMap<>(Kind.class);
    found.forEach((kind, count) -> counted.put(kind, count.get()));
    return new ReconciliationProgress(lastCompleteCycle, failedRuns.get(), counted, inTransitLastConcluded);
  }

  /** A run that ends a cycle, clean since the cycle began, completes it; a whole run is a cycle by itself. */
  private void ended(Scope scope, Instant at) {
    if (scope.globalChecks()) {
      if (!cycleFailed || scope.shards().size() == cache.shardCount()) {
        lastCompleteCycle = at;
      }
      cycleFailed = false;
    }
  }

  @Override
  public Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(timer);
    return ledger.closeOpened().transform(closed -> homePool.close());
  }

  /**
   * A run's queries read what is new since the last run. After five runs PostgreSQL switched them to
   * a generic plan, which cannot know how little that is: the unbalanced-postings check read a
   * month's postings by primary key each run (185 ms of the database's CPU against 0.4 ms).
   */
  private static Pool pool(Vertx vertx, LedgerDatabase database) {
    return StreamLedgerWriter.pool(vertx, database.connectOptions().addProperty("plan_cache_mode", "force_custom_plan"),
      POOL_SIZE);
  }

  private void schedule(long delayMs) {
    if (stopped) {
      return;
    }
    timer = vertx.setTimer(Math.max(1, delayMs), t -> runNext().onComplete(done -> {
      if (done.failed()) {
        LOG.error("reconciliation run failed; the next run starts in {} ms", options.intervalMs(), done.cause());
      }
      schedule(options.intervalMs());
    }));
  }

  @Override
  public Future<ReconciliationReport> runNext() {
    return run(nextSlice());
  }

  /** Every shard and the global checks, now. */
  @Override
  public Future<ReconciliationReport> runOnce() {
    return run(new Scope(cache.shards().numbers().boxed().toList(), true));
  }

  /**
   * The continuous runs cover {@link #RUNS_PER_CYCLE}-th of the shards each, in turn, plus every
   * wallet the ledger saw move since the previous run; the run that completes a cycle also checks
   * the totals and the in-transit accounts. A run's cost then follows what moved, not how many
   * wallets exist (every wallet of every shard, every 10 s, was the largest load on an idle system).
   */
  private Scope nextSlice() {
    int shards = cache.shardCount();
    int perRun = (shards + RUNS_PER_CYCLE - 1) / RUNS_PER_CYCLE;
    List<Integer> slice = IntStream.range(nextShard, Math.min(shards, nextShard + perRun))
      .map(index -> cache.shards().first() + index).boxed().toList();
    nextShard = nextShard + perRun >= shards ? 0 : nextShard + perRun;
    return new Scope(slice, nextShard == 0);
  }

  /** Which shards' wallets a run compares in full, and whether it runs the global checks. */
  private record Scope(List<Integer> shards, boolean globalChecks) {

    String describe(int shardCount) {
      return shards.size() == shardCount ? "every shard"
        : "shards " + new ShardId(shards.get(0)) + "-" + new ShardId(shards.get(shards.size() - 1))
          + " and the wallets that moved";
    }
  }

  private Future<ReconciliationReport> run(Scope scope) {
    Instant started = Instant.now();
    Run run = new Run(started, scope.describe(cache.shardCount()), scope.globalChecks());
    Instant[] since = {checkedSince};
    Instant[] nextSince = {checkedSince};
    return resumeFromLastRun().onSuccess(resumed -> since[0] = checkedSince)
      .compose(resumed -> OpenTransactions.oldestStart(ledger)).onSuccess(oldest -> nextSince[0] = oldest)
      .compose(oldest -> touchedSince(since[0]))
      .compose(touched -> compareWallets(run, scope, touched).map(touched))
      .compose(touched -> unbalancedPostings(run, since[0]).map(touched))
      .compose(touched -> movementSteps.check(ledger, since[0], Instant.now()).map(found -> {
        run.found.addAll(found);
        return touched;
      }))
      .compose(touched -> brokenSequences(run, touched))
      .compose(done -> scope.globalChecks() ? globalChecks(run) : Future.succeededFuture())
      .compose(done -> act(run))
      .map(done -> run.report(options.instance(), Instant.now()))
      .compose(this::publish)
      .onSuccess(report -> {
        checkedSince = nextSince[0];
        stalls.forgetUnseenBefore(report.finishedAt());
        ended(scope, report.finishedAt());
      })
      .recover(failure -> {
        cycleFailed = !scope.globalChecks(); // a failed run that ends a cycle ends it, incomplete
        failedRuns.incrementAndGet();
        stalls.forgetAll();
        return publishFailure(run, failure).transform(published -> Future.failedFuture(failure));
      });
  }

  private Future<Void> globalChecks(Run run) {
    return totals(run).compose(done -> inTransit.check(hotTier, ledger)).onSuccess(checked -> {
      run.inTransitChecked = checked.concluded();
      if (checked.concluded()) {
        inTransitLastConcluded = Instant.now();
        inTransitConcludedHere = true;
      }
      checked.found().ifPresent(run.found::add);
    }).mapEmpty();
  }

  /**
   * A run that could not check is published as such: the last word must not stay the clean run
   * before an outage. Publishing may fail too (PostgreSQL down); {@link #last()} has it anyway.
   */
  private Future<Void> publishFailure(Run run, Throwable failure) {
    ReconciliationReport failed = ReconciliationReport.failed(options.instance(), run.started, Instant.now(), run.scope,
      failure.toString());
    return publish(failed).<Void>mapEmpty().recover(notPublished -> {
      last = failed;
      return Future.succeededFuture();
    });
  }

  /** What one run gathers as it goes. */
  private static final class Run {
    final Instant started;
    final String scope;
    final boolean globalChecks;
    final List<Discrepancy> found = Collections.synchronizedList(new ArrayList<>());
    final List<String> frozen = Collections.synchronizedList(new ArrayList<>());
    final List<String> halted = Collections.synchronizedList(new ArrayList<>());
    final Map<String, Long> totals = new TreeMap<>();
    long compared;
    long behind;
    boolean inTransitChecked;

    Run(Instant started, String scope, boolean globalChecks) {
      this.started = started;
      this.scope = scope;
      this.globalChecks = globalChecks;
    }

    void found(Kind kind, String subject, String evidence) {
      found.add(new Discrepancy(kind, subject, evidence));
    }

    ReconciliationReport report(String instance, Instant finished) {
      return new ReconciliationReport(instance, started, finished, scope, globalChecks, inTransitChecked, compared,
        behind, totals, found, frozen, halted, null);
    }
  }

  // ------------------------------------------------------------------ wallets: Redis vs ledger

  /**
   * The accounts (wallets and system accounts) of {@code shards}, and the {@code touched} ones, each
   * once. A system account is kept like a wallet (avail and seq in one hash, advanced by the same
   * script as the posting), so it is compared the same way.
   */
  private Future<Void> compareWallets(Run run, Scope scope, Map<String, Long> touched) {
    Set<String> accounts = new LinkedHashSet<>(touched.keySet());
    return compareKept(run).compose(keptCompared -> Sequential.forEach(scope.shards(),
        shard -> hotTier.accountsOnShard(new ShardId(shard)).map(accounts::addAll))
      .compose(listed -> scope.globalChecks() ? slotOfTheCycle().map(accounts::addAll) : Future.succeededFuture())
      .compose(listed -> chunks(List.copyOf(accounts), chunk -> compareChunk(run, chunk))));
  }

  /** A reading kept from an earlier run: the account as read, its shard, and its master's lineage then. */
  private record Kept(AccountState state, ShardId shard, String lineage) {
  }

  /**
   * The kept readings the ledger has reached, compared at their sequence; those whose shard's master
   * changed lineage since are dropped, and those the ledger has not reached yet stay.
   */
  private Future<Void> compareKept(Run run) {
    List<Kept> readings = List.copyOf(kept.values());
    if (readings.isEmpty()) {
      return Future.succeededFuture();
    }
    // the ledger first, the lineages after: a failover before the lineages are read drops the readings
    Map<String, Row> reached = new ConcurrentHashMap<>();
    Map<String, Kept> byId = new java.util.HashMap<>();
    readings.forEach(reading -> byId.put(reading.state().id(), reading));
    return chunks(List.copyOf(byId.keySet()), ids -> ledgerAtSeq(ids.stream().map(id -> byId.get(id).state()).toList(),
        (states, rows) -> reachedBy(states, rows, reached)))
      .compose(read -> hotTier.lineages(readings.stream().map(Kept::shard).collect(Collectors.toSet())))
      .map(now -> {
        for (Kept reading : readings) {
          if (!reading.lineage().equals(now.get(reading.shard()))) {
            kept.remove(reading.state().id(), reading);
          } else if (reached.containsKey(reading.state().id())) {
            kept.remove(reading.state().id(), reading);
            run.compared++;
            compareBalances(run, reading.state(), reached.get(reading.state().id()));
          }
        }
        return null;
      });
  }

  /** The ledger's rows of the readings whose sequence it has reached. */
  private static Future<Void> reachedBy(List<AccountState> readings, List<Row> rows, Map<String, Row> reached) {
    int i = 0;
    for (Row row : rows) {
      AccountState reading = readings.get(i++);
      long ledgerSeq = row.getLong("ledger_seq") == null ? 0 : row.getLong("ledger_seq");
      if (ledgerSeq >= reading.seq()) {
        reached.put(reading.id(), row);
      }
    }
    return Future.succeededFuture();
  }

  /**
   * The ledger's balances at each account's sequence, read from every database under one placement
   * (following a shard move that ends meanwhile), then each database's rows judged with its accounts.
   * Until 2026-12-07 the read did not follow a move, and a run that overlapped one failed.
   */
  private Future<Void> ledgerAtSeq(List<AccountState> accounts,
                                   java.util.function.BiFunction<List<AccountState>, List<Row>, Future<Void>> judge) {
    return ledger.followingMoves(() -> balancesAtSeq(accounts))
      .compose(read -> Future.all(read.stream().map(part -> judge.apply(part.accounts(), part.rows())).toList()))
      .mapEmpty();
  }

  private Future<List<AtSeq>> balancesAtSeq(List<AccountState> accounts) {
    List<Map.Entry<LedgerNodes.Node, List<AccountState>>> nodes =
      List.copyOf(ledger.byNode(accounts, AccountState::id).entrySet());
    List<Future<List<Row>>> reads = nodes.stream().map(node -> node.getKey().rows(SqlQueries.BALANCES_AT_SEQ,
      Tuple.tuple().addArrayOfString(node.getValue().stream().map(AccountState::id).toArray(String[]::new))
        .addArrayOfLong(node.getValue().stream().map(AccountState::seq).toArray(Long[]::new)))).toList();
    return Future.all(reads).map(done -> IntStream.range(0, nodes.size())
      .mapToObj(i -> new AtSeq(nodes.get(i).getValue(), reads.get(i).result())).toList());
  }

  /** One database's balances at sequence, with the accounts they were asked for. */
  private record AtSeq(List<AccountState> accounts, List<Row> rows) {
  }

  /**
   * Once a cycle, one shard's accounts as its whole slot holds them, in turn: shards are listed from
   * their account index, which only the scripts keep, and this still finds an account written any
   * other way (every shard within as many cycles as there are shards).
   */
  private Future<List<String>> slotOfTheCycle() {
    ShardId shard = cache.shards().at(nextSlotShard);
    nextSlotShard = (nextSlotShard + 1) % cache.shardCount();
    return hotTier.accountsInSlot(shard);
  }

  /** Ledger accounts with entries recorded since {@code since}, each with the first such entry's seq. */
  private Future<Map<String, Long>> touchedSince(Instant since) {
    return ledger.everywhere(SqlQueries.ACCOUNTS_TOUCHED_SINCE, Tuple.of(since.atOffset(ZoneOffset.UTC)))
      .map(rows -> {
        Map<String, Long> accounts = new TreeMap<>();
        rows.forEach(r -> accounts.put(r.getString("account_id"), r.getLong("first_seq")));
        return accounts;
      });
  }

  /** One chunk after the other, so a run never has more than a chunk's reads in flight. */
  static Future<Void> chunks(List<String> ids, Function<List<String>, Future<Void>> step) {
    List<List<String>> chunks = new ArrayList<>();
    for (int from = 0; from < ids.size(); from += CHUNK) {
      chunks.add(ids.subList(from, Math.min(ids.size(), from + CHUNK)));
    }
    return Sequential.forEach(chunks, step);
  }

  /**
   * Redis first (each account read atomically), then the ledger at each account's Redis sequence, in
   * its shard's database.
   */
  private Future<Void> compareChunk(Run run, List<String> accountIds) {
    return hotTier.readings(accountIds).compose(readings -> {
      Map<String, String> lineages = new java.util.HashMap<>();
      readings.forEach(reading -> reading.lineage().ifPresent(lineage -> lineages.put(reading.state().id(), lineage)));
      List<AccountState> accounts = withAbsent(accountIds,
        readings.stream().map(HotTierAccess.Reading::state).toList());
      return ledgerAtSeq(accounts, (node, rows) -> judge(run, node, rows, lineages));
    });
  }

  /**
   * The accounts asked for that Redis does not hold (a hash deleted, a rebuild that stopped half way)
   * are compared as holding nothing at seq 0: any entry the ledger has for one is then found as Redis
   * being behind the ledger ({@link #stillBehindLedger}). Until 2026-12-06 they were left out, and a
   * run that could not see an account called it clean.
   */
  private static List<AccountState> withAbsent(List<String> asked, List<AccountState> found) {
    Set<String> held = found.stream().map(AccountState::id).collect(Collectors.toSet());
    List<AccountState> all = new ArrayList<>(found);
    asked.stream().filter(id -> !held.contains(id)).forEach(id -> all.add(new AccountState(id, 0, 0, 0)));
    return all;
  }

  /** {@code lineages}: by account, the lineage of the master it was read on, when known. */
  private Future<Void> judge(Run run, List<AccountState> accounts, List<Row> rows, Map<String, String> lineages) {
    List<Future<Void>> aheadChecks = new ArrayList<>();
    int i = 0;
    for (Row row : rows) {
      AccountState hot = accounts.get(i++);
      long ledgerSeq = row.getLong("ledger_seq") == null ? 0 : row.getLong("ledger_seq");
      if (ledgerSeq < hot.seq()) {
        behind(run, hot, ledgerSeq);
        keep(hot, Optional.ofNullable(lineages.get(hot.id())));
        continue;
      }
      stalls.caughtUp(hot.id());
      kept.remove(hot.id());
      run.compared++;
      compareBalances(run, hot, row);
      if (ledgerSeq > hot.seq()) {
        aheadChecks.add(stillBehindLedger(run, hot, ledgerSeq));
      }
    }
    return Future.all(aheadChecks).mapEmpty();
  }

  /** The first reading of an account behind is kept, until the ledger reaches it or its lineage ends. */
  private void keep(AccountState reading, Optional<String> lineage) {
    Optional<ShardId> shard = LedgerNodes.shardOfAccount(reading.id());
    if (lineage.isPresent() && shard.isPresent() && kept.size() < MAX_KEPT) {
      kept.putIfAbsent(reading.id(), new Kept(reading, shard.get(), lineage.get()));
    }
  }

  /** Lag, compared on a later run; unless the ledger has stood still behind Redis for longer than lag ever lasts. */
  private void behind(Run run, AccountState hot, long ledgerSeq) {
    run.behind++;
    Duration stalled = stalls.behind(hot.id(), ledgerSeq, Instant.now());
    if (stalled.compareTo(stalls.bound()) >= 0) {
      run.found(Kind.LEDGER_STALLED, hot.id(), "the ledger has stayed at seq " + ledgerSeq + " for " + stalled.toSeconds()
        + " s (the bound is " + stalls.bound().toSeconds() + " s) while Redis is at seq " + hot.seq()
        + ": an outbox entry was lost, or the shard's writer is stuck");
    }
  }

  private static void compareBalances(Run run, AccountState hot, Row row) {
    long available = row.getLong("available") == null ? 0 : row.getLong("available");
    long held = row.getLong("held") == null ? 0 : row.getLong("held");
    if (available != hot.available() || held != hot.held()) {
      run.found(hot.wallet() ? Kind.WALLET_BALANCE : Kind.SYSTEM_ACCOUNT_BALANCE, hot.id(), "at seq " + hot.seq()
        + " Redis holds available=" + hot.available() + " held=" + hot.held() + ", the ledger available=" + available
        + " held=" + held);
    }
  }

  /** The ledger past what Redis showed is normal when Redis moved on meanwhile; not when Redis is still behind. */
  private Future<Void> stillBehindLedger(Run run, AccountState hot, long ledgerSeq) {
    return hotTier.accounts(List.of(hot.id()))
      .map(now -> {
        Long seq = now.isEmpty() ? null : now.get(0).seq();
        if (seq == null || seq < ledgerSeq) {
          run.found(hot.wallet() ? Kind.WALLET_AHEAD_OF_REDIS : Kind.SYSTEM_ACCOUNT_AHEAD_OF_REDIS, hot.id(),
            "the ledger has seq " + ledgerSeq + " but Redis is at seq " + seq + ": Redis lost postings the ledger has");
        }
        return null;
      });
  }

  // ------------------------------------------------------------------ the ledger on its own

  /**
   * Each unbalanced posting recorded since {@code since}, up to 100 a database, and beyond those one
   * finding that says how many more there are: the window moves on after the run, and until
   * 2026-12-07 the postings past the first 100 were never named, nor counted.
   */
  private Future<Void> unbalancedPostings(Run run, Instant since) {
    return ledger.eachNode(SqlQueries.UNBALANCED_SINCE, Tuple.of(since.atOffset(ZoneOffset.UTC)))
      .map(databases -> {
        long unnamed = 0;
        for (LedgerNodes.DatabaseRows database : databases) {
          database.rows().forEach(r -> run.found.add(new Discrepancy(Kind.UNBALANCED_POSTING, r.getString("posting_id"),
            "its " + r.getString("currency").trim() + " entries sum to " + r.getLong("total"))));
          unnamed += database.rows().isEmpty() ? 0 : database.rows().get(0).getLong("unbalanced") - database.rows().size();
        }
        if (unnamed > 0) {
          run.found.add(new Discrepancy(Kind.UNBALANCED_POSTING, "recorded since " + since,
            unnamed + " more sums of a posting's entries in a currency, recorded since " + since
              + ", are not zero: they are not named here"));
        }
        return null;
      });
  }

  /** Read from every database under one placement, following a shard move that ends meanwhile, then recorded. */
  private Future<Void> brokenSequences(Run run, Map<String, Long> touched) {
    return chunks(List.copyOf(touched.keySet()), chunk -> ledger.followingMoves(() -> LedgerNodes.collect(
        ledger.byNode(chunk, account -> account).entrySet().stream().map(node -> node.getKey().rows(
          SqlQueries.BROKEN_SEQUENCES, Tuple.tuple().addArrayOfString(node.getValue().toArray(String[]::new))
            .addArrayOfLong(node.getValue().stream().map(touched::get).toArray(Long[]::new)))).toList()))
      .map(broken -> {
        broken.forEach(r -> brokenSequence(run, r));
        return (Void) null;
      }));
  }

  private static void brokenSequence(Run run, Row r) {
    String account = r.getString("account_id");
    String evidence = "at seq " + r.getLong("seq") + " (" + r.getString("bucket") + ", after seq "
      + r.getLong("prev_seq") + ") balance_after is " + r.getLong("balance_after") + ", the amounts give "
      + r.getLong("expected");
    run.found(Kind.BROKEN_SEQUENCE, account, evidence);
  }

  /**
   * Every posting balances within its shard, so each database's accounts sum to zero on their own:
   * a database whose do not is named (with one database, the finding reads as before).
   */
  private Future<Void> totals(Run run) {
    return ledger.eachNode(SqlQueries.TOTALS, Tuple.tuple())
      .map(all -> {
        for (LedgerNodes.DatabaseRows part : all) {
          String where = all.size() == 1 ? "" : " in " + part.database();
          for (Row r : part.rows()) {
            String currency = r.getString("currency").trim();
            run.totals.merge(currency, r.getLong("total"), Long::sum);
            if (r.getLong("total") != 0) {
              run.found.add(new Discrepancy(Kind.LEDGER_TOTAL, currency, "all accounts" + where + " sum to "
                + r.getLong("total")));
            }
          }
        }
        return null;
      });
  }

  // ------------------------------------------------------------------ acting and publishing

  /**
   * Fails closed on what each finding touches: a wallet's own finding freezes the wallet; any other
   * halts every money movement (see {@link MoneyHalts}). A run that cannot freeze or halt fails,
   * and says so in its report.
   */
  private Future<Void> act(Run run) {
    List<Discrepancy> found = List.copyOf(run.found);
    found.forEach(d -> LOG.error("RECONCILIATION ALERT {} {} ({}): {}", d.kind(), d.subject(), d.scope(), d.evidence()));
    found.forEach(d -> this.found.get(d.kind()).incrementAndGet());
    Map<String, List<Discrepancy>> walletsToFreeze = new LinkedHashMap<>();
    found.stream().filter(d -> d.scope() == ReconciliationReport.Scope.WALLET)
      .forEach(d -> walletsToFreeze.computeIfAbsent(d.subject(), wallet -> new ArrayList<>()).add(d));
    List<Future<Void>> actions = new ArrayList<>();
    walletsToFreeze.forEach((wallet, findings) -> actions.add(freeze(run, wallet, freezeReason(findings))));
    found.stream().filter(d -> d.scope() == ReconciliationReport.Scope.EVERYTHING).forEach(d -> actions.add(halt(run, d)));
    return Future.all(actions).mapEmpty();
  }

  /**
   * Only a wallet the money core froze is reported frozen: one the hot tier lost (WALLET_NOT_FOUND)
   * or closed cannot be, and its finding stands in the report alone. Until 2026-12-06 every wallet
   * asked for was listed frozen, whatever the answer.
   */
  private Future<Void> freeze(Run run, String wallet, String reason) {
    return cache.setStatus(new WalletId(wallet), WalletStatus.FROZEN, reason)
      .map(outcome -> {
        if (outcome.code() == OutcomeCode.OK) {
          LOG.error("RECONCILIATION froze wallet {}", wallet);
          run.frozen.add(wallet);
        } else {
          LOG.error("RECONCILIATION could not freeze wallet {}: {} (its finding is in the report)", wallet,
            outcome.code());
        }
        return null;
      });
  }

  /**
   * What the wallet's status change records as its reason (in the ledger's account events): the
   * findings themselves, within {@link #FREEZE_REASON_CHARS}. Until 2026-12-07 it was the same
   * sentence for every freeze, and once the next run's report replaced this one's, nothing said why.
   */
  static String freezeReason(List<Discrepancy> findings) {
    String reason = "reconciliation found " + findings.stream().map(d -> d.kind() + ": " + d.evidence())
      .collect(Collectors.joining("; "));
    return reason.length() <= FREEZE_REASON_CHARS ? reason : reason.substring(0, FREEZE_REASON_CHARS - 1) + "…";
  }

  private Future<Void> halt(Run run, Discrepancy finding) {
    return halts.raise(finding, options.instance(), run.started).map(raised -> {
      raised.ifPresent(halt -> {
        LOG.error("RECONCILIATION HALTED all money movement (halt {}): {}", halt.id(), halt.reason());
        run.halted.add(finding.describe());
      });
      return null;
    });
  }

  private Future<ReconciliationReport> publish(ReconciliationReport report) {
    last = report;
    JsonObject json = report.toJson();
    return home.preparedQuery(SqlQueries.INSERT_RECONCILIATION)
      .execute(Tuple.of(report.finishedAt().atOffset(ZoneOffset.UTC), report.instance(),
        report.startedAt().atOffset(ZoneOffset.UTC), report.ok(), json))
      .map(report);
  }
}
