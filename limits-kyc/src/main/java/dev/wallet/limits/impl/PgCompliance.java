package dev.wallet.limits.impl;

import dev.wallet.balancecache.async.Rounds;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.ledger.LedgerMovement;
import dev.wallet.ledger.LedgerMovements;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.LedgerPosition;
import dev.wallet.limits.Compliance;
import dev.wallet.limits.LimitsOptions;
import dev.wallet.limits.LimitsUnavailableException;
import dev.wallet.limits.model.AmlCase;
import dev.wallet.limits.model.AmlFlag;
import dev.wallet.limits.model.AmlFlagState;
import dev.wallet.limits.model.AmlQueueFilter;
import dev.wallet.limits.model.AmlReview;
import dev.wallet.limits.model.AmlRules;
import dev.wallet.limits.model.RulesInForce;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The AML monitors and the reports, over the ledger's movements ({@link LedgerMovements}: the
 * ledger's tables are the ledger's). A monitor run is one transaction: it takes a lock (one runner
 * at a time across every process), reads the next batch of postings after its position, raises
 * flags (unique by what they are about, so a repeated run raises nothing twice) and moves its
 * position, all or nothing; the ledger's reads in its home database join that transaction, those in
 * other databases of the ledger (docs/architecture.md, "A ledger over several databases") run beside
 * it: the ledger only grows, so they read the same either way.
 */
final class PgCompliance implements Compliance {

  private static final Logger LOG = LoggerFactory.getLogger(PgCompliance.class);
  static final String MONITOR = "aml";
  static final int MAX_REPORT_ROWS = 100_000;
  static final int MAX_NOTE_CHARS = 2_000;
  /** foreign_key_violation: the review names a flag that does not exist */
  private static final String NO_SUCH_FLAG = "23503";

  private final Pool pool;
  private final LedgerNodes ledger;
  private final Supplier<Optional<RulesInForce>> rules;
  private final LimitsOptions options;
  /** A run's deadline: a run waiting on a silent connection must not stop the monitors for good. */
  private static final long RUN_DEADLINE_MS = 600_000;
  private final Rounds rounds;
  /** Batches another process held the monitors' lock for: no batch was read here. */
  private static final int LOCK_ELSEWHERE = -1;
  /**
   * When a run of this process last read the ledger to its end (the epoch until one has): a round that
   * found the lock held elsewhere read nothing, and must not say the monitors ran.
   */
  private volatile Instant ranToTheEnd = Instant.EPOCH;

  PgCompliance(Vertx vertx, Pool pool, LedgerNodes ledger, Supplier<Optional<RulesInForce>> rules,
               LimitsOptions options) {
    this.pool = pool;
    this.ledger = ledger;
    this.rules = rules;
    this.options = options;
    this.rounds = new Rounds(vertx, "the AML monitors' run", RUN_DEADLINE_MS,
      () -> runMonitors().onFailure(this::runFailed));
  }

  private void runFailed(Throwable failure) {
    if (!rounds.stopped()) {
      LOG.warn("AML monitors did not run, next try in {} ms: {}", options.amlIntervalMs(), failure.toString());
    }
  }

  Future<Void> start() {
    if (options.amlIntervalMs() > 0) {
      rounds.start(options.amlIntervalMs());
    }
    return Future.succeededFuture();
  }

  void stop() {
    rounds.stop();
  }

  @Override
  public Instant monitorsRanAt() {
    return ranToTheEnd;
  }

  @Override
  public boolean monitorsRunHere() {
    return options.amlIntervalMs() > 0;
  }

  /**
   * Batch after batch until one comes back short: a run that read one batch per interval would cap
   * the monitors at {@link #MONITOR_BATCH_POSTINGS} per interval (400 postings/s), and under a load above
   * that fall behind for good.
   */
  @Override
  public Future<Integer> runMonitors() {
    Optional<AmlRules> aml = rules.get().map(r -> r.rules().aml());
    if (aml.isEmpty()) {
      return Future.failedFuture(new LimitsUnavailableException("no rules in force: the AML thresholds are unknown"));
    }
    AtomicInteger read = new AtomicInteger();
    AtomicBoolean lockedElsewhere = new AtomicBoolean();
    // one after another at a constant stack depth: until 2026-12-07 each batch nested a future, and a
    // catch-up of thousands of batches overflowed the stack on completion and never ended
    return Sequential.repeatWhile(() -> lockedBatch(aml.get()).map(inBatch -> {
      lockedElsewhere.set(inBatch == LOCK_ELSEWHERE);
      read.addAndGet(Math.max(0, inBatch));
      return inBatch >= MONITOR_BATCH_POSTINGS; // a full batch ends with its last transaction: it may hold more
    })).map(done -> {
      if (!lockedElsewhere.get()) {
        ranToTheEnd = Instant.now();
      }
      return read.get();
    });
  }

  private Future<Integer> lockedBatch(AmlRules aml) {
    return pool.withTransaction(conn -> conn.preparedQuery(SqlQueries.LOCK_MONITOR).execute()
      .compose(lock -> lock.iterator().next().getBoolean(0) ? batch(conn, aml)
        : Future.succeededFuture(LOCK_ELSEWHERE)));
  }

  private Future<Integer> batch(SqlConnection conn, AmlRules aml) {
    LedgerMovements ledger = LedgerMovements.over(this.ledger.withHome(conn));
    return conn.preparedQuery(SqlQueries.POSITION).execute(Tuple.of(MONITOR)).map(MonitorPosition::of)
      .compose(position -> ledger.postingsAfter(position.after(), Duration.ofMillis(options.amlSettleMs()),
          MONITOR_BATCH_POSTINGS)
        .compose(batch -> batch.isEmpty() ? Future.succeededFuture(0)
          : detect(conn, ledger, aml, new AmlCredits(conn, ledger, position.creditsFrom()), batch)));
  }

  /** The last posting the monitors read, and from when the sums of credits hold every movement. */
  private record MonitorPosition(LedgerPosition after, Instant creditsFrom) {

    static MonitorPosition of(RowSet<Row> found) {
      if (found.size() == 0) {
        return new MonitorPosition(LedgerPosition.BEGINNING, Instant.MIN);
      }
      Row row = found.iterator().next();
      OffsetDateTime creditsFrom = row.getOffsetDateTime("credits_from");
      return new MonitorPosition(new LedgerPosition(row.getOffsetDateTime("recorded_at").toInstant(),
        row.getString("posting_id")), creditsFrom.equals(OffsetDateTime.MIN) ? Instant.MIN : creditsFrom.toInstant());
    }
  }

  /** Counts the batch's credits, then looks for the patterns, then moves the position: all in {@code conn}'s transaction. */
  private Future<Integer> detect(SqlConnection conn, LedgerMovements ledger, AmlRules aml, AmlCredits credits,
                                 List<LedgerPosition> batch) {
    LedgerPosition last = batch.get(batch.size() - 1);
    return ledger.movementsOf(batch.stream().map(LedgerPosition::postingId).toList())
      .compose(movements -> credits.add(movements).compose(counted -> new Detection(conn, ledger, aml, credits)
        .run(movements)))
      .compose(detected -> credits.forgetBefore(Instant.now().minus(AmlCredits.KEPT)))
      .compose(creditsFrom -> conn.preparedQuery(SqlQueries.SAVE_POSITION)
        .execute(Tuple.of(MONITOR, utc(last.recordedAt()), last.postingId(), utc(creditsFrom))))
      .map(batch.size());
  }

  @Override
  public Future<List<AmlFlag>> flags(Instant from, Instant to, long afterId, int limit) {
    return query(SqlQueries.FLAGS_DETECTED, Tuple.of(utc(from), utc(to), limit, afterId), "the AML flags")
      .map(PgCompliance::flags);
  }

  @Override
  public Future<List<AmlCase>> queue(AmlQueueFilter filter) {
    Tuple args = Tuple.of(utc(filter.from()), utc(filter.to()), filter.kind().orElse(null),
      filter.ownerId().orElse(null), filter.state().map(AmlFlagState::wire).orElse(null), filter.limit());
    return query(SqlQueries.FLAG_QUEUE, args, "the AML queue").map(rows -> {
      List<AmlCase> cases = new ArrayList<>();
      rows.forEach(row -> cases.add(new AmlCase(flag(row), AmlFlagState.fromWire(row.getString("state")), List.of())));
      return cases;
    });
  }

  @Override
  public Future<Optional<AmlCase>> flagCase(long flagId) {
    return query(SqlQueries.FLAG_BY_ID, Tuple.of(flagId), "the AML flag").compose(rows -> {
      if (rows.size() == 0) {
        return Future.succeededFuture(Optional.empty());
      }
      AmlFlag flag = flag(rows.iterator().next());
      return query(SqlQueries.FLAG_REVIEWS, Tuple.of(flagId), "the AML flag's reviews").map(reviews -> {
        List<AmlReview> list = new ArrayList<>();
        reviews.forEach(row -> list.add(review(row)));
        AmlFlagState state = list.isEmpty() ? AmlFlagState.OPEN : list.get(list.size() - 1).state();
        return Optional.of(new AmlCase(flag, state, list));
      });
    });
  }

  @Override
  public Future<AmlReview> review(long flagId, AmlFlagState state, String note, String actor) {
    if (state == AmlFlagState.OPEN) {
      return Future.failedFuture(new IllegalArgumentException("a review marks a flag reviewed, escalated or dismissed"));
    }
    if (note == null || note.isBlank() || note.length() > MAX_NOTE_CHARS) {
      return Future.failedFuture(new IllegalArgumentException("a review needs a note of 1 to " + MAX_NOTE_CHARS
        + " characters saying why"));
    }
    if (note.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t')) {
      // PostgreSQL's text refuses NUL: until 2026-12-07 such a note answered 500
      return Future.failedFuture(new IllegalArgumentException("a note is text without control characters (but line "
        + "breaks and tabs)"));
    }
    return query(SqlQueries.INSERT_FLAG_REVIEW, Tuple.of(flagId, state.wire(), note, actor), "the review")
      .map(rows -> review(rows.iterator().next()))
      .recover(failure -> Future.failedFuture(failure instanceof PgException pg && NO_SUCH_FLAG.equals(pg.getSqlState())
        ? new IllegalArgumentException("there is no AML flag " + flagId) : failure));
  }

  /** One statement of compliance's records; an outage fails as {@link LimitsUnavailableException}. */
  private Future<RowSet<Row>> query(String sql, Tuple args, String what) {
    return pool.preparedQuery(sql).execute(args).recover(LimitsUnavailableException.whenOutage(what));
  }

  private static AmlReview review(Row row) {
    return new AmlReview(row.getLong("id"), row.getLong("flag_id"), AmlFlagState.fromWire(row.getString("state")),
      row.getString("note"), row.getString("actor"), row.getOffsetDateTime("at").toInstant());
  }

  @Override
  public Future<String> largeTransactionsCsv(Instant from, Instant to) {
    Optional<AmlRules> aml = rules.get().map(r -> r.rules().aml());
    if (aml.isEmpty()) {
      return Future.failedFuture(new LimitsUnavailableException("no rules in force: the thresholds are unknown"));
    }
    return LedgerMovements.over(ledger).atOrAbove(aml.get().largeTransaction(), from, to, MAX_REPORT_ROWS + 1)
      .recover(LimitsUnavailableException.whenOutage("the ledger's large transactions"))
      .map(movements -> largeCsv(complete(movements), aml.get().largeTransaction()));
  }

  @Override
  public Future<String> amlFlagsCsv(Instant from, Instant to) {
    return query(SqlQueries.FLAGS_OCCURRED, Tuple.of(utc(from), utc(to), MAX_REPORT_ROWS + 1), "the AML flags report")
      .map(rows -> flagsCsv(complete(flags(rows))));
  }

  /** A report is complete or not given: a regulator must never receive a silently truncated one. */
  private static <T> List<T> complete(List<T> rows) {
    if (rows.size() > MAX_REPORT_ROWS) {
      throw new IllegalArgumentException("the period holds more than " + MAX_REPORT_ROWS + " rows: ask for a shorter one");
    }
    return rows;
  }

  private static String largeCsv(List<LedgerMovement> movements, Map<String, Long> thresholds) {
    Csv csv = new Csv(List.of("posting_id", "posting_type", "created_at", "wallet_id", "owner_id", "direction",
      "amount_minor", "currency", "amount", "threshold_minor"));
    for (LedgerMovement m : movements) {
      csv.row(Arrays.asList(m.postingId(), m.type().wire(), m.createdAt().toString(), m.walletId(), m.ownerId(),
        m.amountMinor() < 0 ? "out" : "in", Math.abs(m.amountMinor()), m.currency(),
        decimal(Math.abs(m.amountMinor()), m.currency()), thresholds.get(m.currency())));
    }
    return csv.text();
  }

  private static String flagsCsv(List<AmlFlag> flags) {
    Csv csv = new Csv(List.of("flag_id", "kind", "occurred_at", "detected_at", "owner_id", "wallet_id", "currency",
      "total_minor", "total", "posting_ids", "detail"));
    for (AmlFlag f : flags) {
      csv.row(Arrays.asList(f.id(), f.kind(), f.occurredAt().toString(), f.detectedAt().toString(), f.ownerId(),
        f.walletId(), f.currency(), f.totalMinor(), decimal(f.totalMinor(), f.currency()),
        String.join(" ", f.postingIds()), f.detail()));
    }
    return csv.text();
  }

  static String decimal(long minor, String currency) {
    return Csv.decimal(minor, Currency.getInstance(currency).getDefaultFractionDigits());
  }

  private static List<AmlFlag> flags(RowSet<Row> rows) {
    List<AmlFlag> flags = new ArrayList<>();
    rows.forEach(row -> flags.add(flag(row)));
    return flags;
  }

  private static AmlFlag flag(Row row) {
    return new AmlFlag(row.getLong("id"), row.getString("kind"), row.getString("owner_id"),
      row.getString("wallet_id"), row.getString("currency").trim(), row.getLong("total_minor"),
      Arrays.asList(row.getArrayOfStrings("posting_ids")), row.getOffsetDateTime("occurred_at").toInstant(),
      row.getOffsetDateTime("detected_at").toInstant(), row.getString("detail"));
  }

  static OffsetDateTime utc(Instant instant) {
    return instant.atOffset(ZoneOffset.UTC);
  }
}
