package dev.wallet.ledger.impl;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.HotTierAccess.AuthorizationFacts;
import dev.wallet.balancecache.HotTierAccess.HoldFacts;
import dev.wallet.balancecache.HotTierAccess.LimitCounterFacts;
import dev.wallet.balancecache.HotTierAccess.PendingMovementFacts;
import dev.wallet.balancecache.HotTierAccess.SystemAccountFacts;
import dev.wallet.balancecache.HotTierAccess.WalletFacts;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.LedgerPlacement;
import dev.wallet.ledger.RebuildReport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Restores the Redis hot tier from the ledger after a disaster: every account with its balances
 * and sequence (wallets with owner, currency, type and status), every cross-shard transfer the
 * ledger shows debited and not finished (record, pending set, and the destination's decision when
 * it already credited, so the sweeper finishes it without crediting twice), every active hold and
 * every authorization still holding money, every limit counter whose window is still open (summed
 * from what the postings say they counted and gave back), and an idempotency record for every
 * posting a client may still retry (refusing every reuse of its key, so a retry is refused rather
 * than applied a second time). Run with the edge and the
 * writers stopped. Refuses to write over a hot tier that still holds any of these wallets. It
 * speaks in ledger facts; balance-cache ({@link HotTierAccess}) turns them into its records.
 */
public final class HotTierRebuild {

  private static final int CHUNK = 500;
  private static final Duration OTHER_REGIONS_DECISIONS = Duration.ofDays(7);
  /** Longer than any limit window (a calendar month, LimitsEngine): what counted in one still open is newer. */
  private static final Duration LONGEST_LIMIT_WINDOW = Duration.ofDays(32);
  private static final String[] CREDIT_TYPES = PostingType.wires(Arrays.stream(MovementKind.values())
    .map(MovementKind::credit).collect(Collectors.toSet()));

  private final LedgerNodes ledger;
  private final HotTierAccess hotTier;
  private final ShardRange shards;
  private final long idempotencyRetentionMs;

  HotTierRebuild(LedgerNodes ledger, HotTierAccess hotTier, ShardRange shards, long idempotencyRetentionMs) {
    this.ledger = ledger;
    this.hotTier = hotTier;
    this.shards = shards;
    this.idempotencyRetentionMs = idempotencyRetentionMs;
  }

  /** Rebuilds through a started money core (one without a sweeper: nothing may move while it runs). */
  public static Future<RebuildReport> run(Vertx vertx, BalanceCache cache, LedgerPlacement placement,
                                          long idempotencyRetentionMs) {
    List<Pool> pools = placement.databases().stream().map(database -> StreamLedgerWriter.pool(vertx, database)).toList();
    return new HotTierRebuild(LedgerNodes.over(pools, placement), cache.hotTier(), cache.shards(),
        idempotencyRetentionMs).rebuild()
      .eventually(() -> Future.join(pools.stream().map(Pool::close).toList()));
  }

  /**
   * Everything the rebuild can refuse for is checked before its first write (a live hot tier, a
   * pending movement whose destination the ledger does not know); a failure after that leaves Redis
   * partly written, and says so ({@link PartlyWritten}): until 2026-12-06 an unknown destination was
   * found after every wallet was written and reported as a refusal, which elsewhere means nothing
   * was written, and the rerun was then refused for the wallets it had left.
   */
  Future<RebuildReport> rebuild() {
    Map<String, Long> counts = new LinkedHashMap<>();
    return query(SqlQueries.ACCOUNTS)
      .compose(accounts -> refuseLiveWallets(accounts).map(accounts))
      .compose(accounts -> query(SqlQueries.OPEN_MOVEMENTS).compose(open -> creditsOf(open)
        .map(credited -> refuseUnknownDestinations(open, credited))
        .compose(credited -> mastersNow().compose(masters -> write(accounts, open, credited, counts)
          .compose(report -> sameMastersAs(masters).map(report))
          .recover(failure -> Future.failedFuture(new PartlyWritten(failure)))))));
  }

  /** The lineage of every shard's master before the first write: each must answer. */
  private Future<Map<ShardId, String>> mastersNow() {
    return hotTier.lineages(shards.all()).compose(lineages -> lineages.size() == shards.all().size()
      ? Future.succeededFuture(lineages)
      : Future.failedFuture(new IllegalStateException("the masters of " + shards.all().stream()
        .filter(shard -> !lineages.containsKey(shard)).toList() + " do not answer; nothing was written")));
  }

  /**
   * The replicas' acknowledgement at the end covers what the master serving each shard then holds:
   * a failover while the rebuild wrote may have lost what the old master had not replicated, and
   * the promoted master has another lineage. Until 2026-12-07 the rebuild reported success then.
   */
  private Future<Void> sameMastersAs(Map<ShardId, String> before) {
    return hotTier.lineages(shards.all()).compose(after -> {
      List<ShardId> silent = shards.all().stream().filter(shard -> !after.containsKey(shard)).toList();
      List<ShardId> changed = shards.all().stream()
        .filter(shard -> after.containsKey(shard) && !before.get(shard).equals(after.get(shard))).toList();
      if (!silent.isEmpty()) {
        return Future.failedFuture(new IllegalStateException("the masters of " + silent + " did not answer after "
          + "the last write: whether a failover lost some of it cannot be told"));
      }
      return changed.isEmpty() ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException(
        "the masters of " + changed + " changed while the rebuild wrote (a failover): what they had not replicated "
          + "may be lost"));
    });
  }

  /** A rebuild that failed after its first write: Redis holds part of the hot tier and must be emptied first. */
  static final class PartlyWritten extends RuntimeException {
    PartlyWritten(Throwable cause) {
      super("the rebuild failed part-way and Redis holds part of the hot tier: empty it (FLUSHALL on every master) "
        + "before running the rebuild again, and start no edge before it has finished: " + cause, cause);
    }
  }

  private static Map<String, String> refuseUnknownDestinations(List<Row> open, Map<String, String> credited) {
    List<String> unknown = open.stream().filter(t -> t.getString("counterparty") == null
        && credited.get(t.getString("movement_id")) == null).map(t -> t.getString("movement_id")).toList();
    if (!unknown.isEmpty()) {
      throw new IllegalStateException("the ledger does not know the destination of pending movements " + unknown
        + "; they cannot be restored, and nothing was written");
    }
    return credited;
  }

  private Future<RebuildReport> write(List<Row> accounts, List<Row> open, Map<String, String> credited,
                                      Map<String, Long> counts) {
    return accounts(accounts, counts)
      .compose(done -> transfers(open, credited, counts))
      .compose(done -> ledger.everywhere(SqlQueries.CREDITS_FROM_OTHER_REGIONS, Tuple.tuple()
        .addOffsetDateTime(Instant.now().minus(OTHER_REGIONS_DECISIONS).atOffset(ZoneOffset.UTC))
        .addArrayOfString(CREDIT_TYPES)))
      .compose(credits -> creditsFromOtherRegions(credits, counts))
      .compose(done -> query(SqlQueries.OPEN_HOLDS))
      .compose(holds -> holds(holds, counts))
      .compose(done -> query(SqlQueries.OPEN_AUTHORIZATIONS))
      .compose(authorizations -> authorizations(authorizations, counts))
      .compose(done -> ledger.everywhere(SqlQueries.RECENT_SCOPES, Tuple.of(
        Instant.now().minusMillis(idempotencyRetentionMs).atOffset(ZoneOffset.UTC))))
      .compose(scopes -> idempotencyRecords(scopes, counts))
      .compose(done -> openLimitWindows())
      .compose(windows -> limitCounters(windows, counts))
      .compose(done -> query(SqlQueries.SHARD_CLOCKS))
      .compose(this::clocks)
      // until 2026-12-07 nothing waited for the replicas: a failover just after could lose a credit
      // decision (and the sweeper credit again) or an idempotency record (and a retry apply again)
      .compose(done -> Sequential.forEach(shards.all(), hotTier::replicated))
      .map(done -> new RebuildReport(counts.getOrDefault("wallets", 0L), counts.getOrDefault("system", 0L),
        counts.getOrDefault("transfers", 0L), counts.getOrDefault("decisions", 0L), counts.getOrDefault("holds", 0L),
        counts.getOrDefault("idempotency", 0L), counts.getOrDefault("limits", 0L)));
  }

  /** Every database's rows: each holds its shards' accounts and postings. */
  private Future<List<Row>> query(String sql) {
    return ledger.everywhere(sql);
  }

  private Future<Void> refuseLiveWallets(List<Row> accounts) {
    List<String> wallets = new ArrayList<>();
    accounts.forEach(a -> {
      if (a.getString("kind").equals("wallet")) {
        wallets.add(a.getString("id"));
      }
    });
    return presentAmong(wallets, 0, 0).compose(live -> {
      return live == 0 ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException(
        "Redis still holds " + live + " of the ledger's wallets; a rebuild only fills an empty hot tier"));
    });
  }

  /**
   * How many of {@code wallets} Redis holds, asked {@link #CHUNK} at a time as the writes are (until
   * 2026-12-06 all at once: a ledger of a million wallets overran the connection pool's waiters).
   */
  private Future<Long> presentAmong(List<String> wallets, int from, long found) {
    if (from >= wallets.size()) {
      return Future.succeededFuture(found);
    }
    return hotTier.walletsPresent(wallets.subList(from, Math.min(wallets.size(), from + CHUNK)))
      .compose(present -> presentAmong(wallets, from + CHUNK, found + present));
  }

  // ------------------------------------------------------------------ accounts

  private Future<Void> accounts(List<Row> accounts, Map<String, Long> counts) {
    return Future.all(query(SqlQueries.ACCOUNT_STATES), query(SqlQueries.ACCOUNT_STATUSES)).compose(both -> {
      Map<String, Row> states = byAccount(both.<List<Row>>resultAt(0));
      Map<String, Row> statuses = byAccount(both.<List<Row>>resultAt(1));
      List<Supplier<Future<?>>> writes = new ArrayList<>();
      Set<String> withStripes = accounts.stream().map(a -> a.getString("parent_id")).filter(Objects::nonNull)
        .collect(Collectors.toSet());
      for (Row a : accounts) {
        Row state = states.get(a.getString("id"));
        if (a.getString("kind").equals("wallet")) {
          writes.add(() -> hotTier.restoreWallet(wallet(a, state, statuses.get(a.getString("id")),
            withStripes.contains(a.getString("id")))));
          counts.merge("wallets", 1L, Long::sum);
        } else if (state != null) {
          // a system account that never moved money does not exist in Redis
          writes.add(() -> hotTier.restoreSystemAccount(new SystemAccountFacts(a.getString("id"),
            a.getString("currency").trim(), value(state, "available"), value(state, "seq"))));
          counts.merge("system", 1L, Long::sum);
        }
      }
      return inChunks(writes);
    });
  }

  /** At most {@link #CHUNK} writes in flight: a rebuild writes every account and recent posting at once otherwise. */
  private static Future<Void> inChunks(List<Supplier<Future<?>>> writes) {
    List<List<Supplier<Future<?>>>> chunks = new ArrayList<>();
    for (int from = 0; from < writes.size(); from += CHUNK) {
      chunks.add(writes.subList(from, Math.min(writes.size(), from + CHUNK)));
    }
    return Sequential.forEach(chunks, chunk -> Future.all(chunk.stream().map(Supplier::get).toList()));
  }

  private static Map<String, Row> byAccount(List<Row> rows) {
    Map<String, Row> out = new HashMap<>();
    rows.forEach(r -> out.put(r.getString("account_id"), r));
    return out;
  }

  private static WalletFacts wallet(Row account, Row state, Row status, boolean stripesOpened) {
    return new WalletFacts(account.getString("id"), account.getString("owner_id"), account.getString("currency").trim(),
      account.getString("wallet_type"), status == null ? "active" : status.getString("status"),
      Optional.ofNullable(status).map(s -> s.getLong("versions")),
      Optional.ofNullable(status).map(s -> s.getString("own_status")), value(state, "available"), value(state, "held"),
      value(state, "seq"), account.getOffsetDateTime("opened_at").toInstant().toEpochMilli(),
      Optional.ofNullable(account.getString("parent_id")), stripesOpened);
  }

  private static long value(Row row, String column) {
    return row == null || row.getLong(column) == null ? 0 : row.getLong(column);
  }

  // ------------------------------------------------------------------ sagas in flight and holds

  /**
   * The decisions of credits from other regions, which this region's ledger has but its pending
   * movements do not (their debit and end are in the source region's ledger): a source that never had
   * the answer delivers again, and must get it rather than a second credit. Sources deliver only
   * while a movement is pending there, so a week of them is kept, each for a week.
   */
  private Future<Void> creditsFromOtherRegions(List<Row> credits, Map<String, Long> counts) {
    List<Supplier<Future<?>>> writes = new ArrayList<>();
    for (Row credit : credits) {
      ShardId shard = new ShardId(Integer.parseInt(credit.getString("shard").substring(1)));
      writes.add(() -> hotTier.restoreCreditFromRegion(shard, credit.getString("movement"),
        OTHER_REGIONS_DECISIONS.toMillis()));
      counts.merge("decisions", 1L, Long::sum);
    }
    return inChunks(writes);
  }

  /** The open movements credited (in any database), each with the wallet it credited, null when its credit had none. */
  private Future<Map<String, String>> creditsOf(List<Row> open) {
    if (open.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    String[] movements = open.stream().map(t -> t.getString("movement_id")).toArray(String[]::new);
    return ledger.everywhere(SqlQueries.MOVEMENT_CREDITS, Tuple.tuple().addArrayOfString(movements)
        .addArrayOfString(CREDIT_TYPES))
      .map(rows -> {
        Map<String, String> credited = new HashMap<>();
        rows.forEach(row -> credited.put(row.getString("movement_id"), row.getString("to_wallet")));
        return credited;
      });
  }

  /** Every destination is known here ({@link #refuseUnknownDestinations}). */
  private Future<Void> transfers(List<Row> transfers, Map<String, String> credited, Map<String, Long> counts) {
    List<Supplier<Future<?>>> writes = new ArrayList<>();
    Map<String, Long> outgoing = new LinkedHashMap<>();
    for (Row t : transfers) {
      outgoing.merge(t.getString("from_wallet"), 1L, Long::sum);
      String movement = t.getString("movement_id");
      String to = t.getString("counterparty") != null ? t.getString("counterparty") : credited.get(movement);
      boolean wasCredited = credited.containsKey(movement);
      writes.add(() -> hotTier.restorePendingMovement(pendingMovement(t, to, wasCredited)));
      counts.merge("transfers", 1L, Long::sum);
      if (wasCredited) {
        counts.merge("decisions", 1L, Long::sum);
      }
    }
    outgoing.forEach((wallet, movements) -> writes.add(() -> hotTier.restoreOutgoing(new WalletId(wallet), movements)));
    return inChunks(writes);
  }

  /**
   * The movement's hot fields (fee, payment, reference, limit counters, a capture's authorization)
   * travelled with its first posting. A capture's debit carries its authorization's counters since
   * 2026-12-06 (capture.lua); one debited before has none, and its reversal gives nothing back.
   */
  private static PendingMovementFacts pendingMovement(Row t, String to, boolean credited) {
    JsonObject hot = t.getString("movement") == null ? new JsonObject() : new JsonObject(t.getString("movement"));
    return new PendingMovementFacts(t.getString("movement_id"), t.getString("kind"), t.getString("from_wallet"),
      to, t.getLong("amount"), hot.getString("fee", "0"), t.getString("currency").trim(),
      t.getOffsetDateTime("created_at").toInstant().toEpochMilli(), t.getString("idempotency_scope"),
      hot.getString("pay", ""), hot.getString("ref", ""), counterKeys(hot), credited, hot.getString("auth", ""));
  }

  /**
   * The limit counters a debit or hold counted, in order, as its record names them ('lim', a JSON
   * list): the keys of its movement's 'counted' (lib.lua, count_limits). Postings written before
   * 'counted' named them also carried the list itself as 'lim', which is read as it is.
   */
  static String counterKeys(JsonObject movement) {
    String named = movement.getString("lim");
    if (named != null) {
      return named;
    }
    JsonArray keys = new JsonArray();
    // the writer stores each movement field as text (ShardConsumer), so 'counted' is JSON in a string
    String counted = movement.getString("counted");
    if (counted != null) {
      new JsonObject(counted).getJsonArray("keys").forEach(window -> keys.add(((JsonArray) window).getString(0)));
    }
    return keys.encode();
  }

  /** An active hold; its id is its posting's without ".hold". */
  private Future<Void> holds(List<Row> holds, Map<String, Long> counts) {
    List<Supplier<Future<?>>> writes = new ArrayList<>();
    for (Row h : holds) {
      String postingId = h.getString("posting_id");
      String hot = h.getString("movement");
      Optional<String> limits = Optional.of(counterKeys(hot == null ? new JsonObject() : new JsonObject(hot)));
      writes.add(() -> hotTier.restoreHold(new HoldFacts(postingId.substring(0, postingId.length() - ".hold".length()),
        h.getString("wallet"), h.getLong("amount"), h.getString("currency").trim(),
        h.getString("reference") == null ? "" : h.getString("reference"),
        h.getOffsetDateTime("created_at").toInstant().toEpochMilli(), limits)));
      counts.merge("holds", 1L, Long::sum);
    }
    return inChunks(writes);
  }

  /**
   * An authorization still holding money: the hold posting carried its merchant, expiry and order
   * reference, its captures' postings what it still held and had captured (see
   * SqlQueries.OPEN_AUTHORIZATIONS). Counted with the holds.
   */
  private Future<Void> authorizations(List<Row> authorizations, Map<String, Long> counts) {
    List<Supplier<Future<?>>> writes = new ArrayList<>();
    for (Row a : authorizations) {
      String postingId = a.getString("posting_id");
      JsonObject hot = new JsonObject(a.getString("movement"));
      HoldFacts hold = new HoldFacts(postingId.substring(0, postingId.length() - ".hold".length()),
        a.getString("wallet"), a.getLong("held"), a.getString("currency").trim(), hot.getString("ref", ""),
        a.getOffsetDateTime("created_at").toInstant().toEpochMilli(), Optional.of(counterKeys(hot)));
      AuthorizationFacts authorization = new AuthorizationFacts(hot.getString("to"),
        Long.parseLong(hot.getString("exp")), a.getLong("amount"), a.getLong("captured"));
      writes.add(() -> hotTier.restoreAuthorization(hold, authorization));
      counts.merge("holds", 1L, Long::sum);
    }
    return inChunks(writes);
  }

  /**
   * The hot tier's records hold each request's hash, which the ledger does not: a rebuilt record
   * cannot recognise a faithful retry, so it refuses every reuse of the key (422) rather than let
   * a retry move the money a second time. Records of pending transfers were written above. A key
   * whose postings are in several databases (a saga's steps) gets the lifetime of its latest.
   */
  // ------------------------------------------------------------------ limit counters

  /** Counted by postings of the longest window back (a month); a window that has ended is not restored. */
  private Future<List<Row>> openLimitWindows() {
    Instant now = Instant.now();
    return ledger.everywhere(SqlQueries.OPEN_LIMIT_WINDOWS, Tuple.of(
      now.minus(LONGEST_LIMIT_WINDOW).atOffset(ZoneOffset.UTC), now.toEpochMilli()));
  }

  /** Each counter once, summed over the databases (a counter's postings are all on its owner's home shard). */
  private Future<Void> limitCounters(List<Row> windows, Map<String, Long> counts) {
    Map<String, LimitCounterFacts> counters = new HashMap<>();
    for (Row w : windows) {
      counters.merge(w.getString("counter"), new LimitCounterFacts(w.getString("counter"), w.getLong("amount"),
        w.getLong("count"), w.getLong("ends_at")), (a, b) -> new LimitCounterFacts(a.key(), a.amount() + b.amount(),
        a.count() + b.count(), Math.max(a.windowEndsAtMs(), b.windowEndsAtMs())));
    }
    List<Supplier<Future<?>>> writes = new ArrayList<>();
    counters.values().forEach(counter -> writes.add(() -> hotTier.restoreLimitCounter(counter)));
    counts.merge("limits", (long) counters.size(), Long::sum);
    return inChunks(writes);
  }

  // ------------------------------------------------------------------ shard clocks

  /**
   * Each shard's clock at the latest time the ledger shows its scripts stamped: a clock carried ahead
   * of the masters' (a state the alert WalletShardClockAhead reports) would otherwise start over from
   * the new master's, and postings after the rebuild be stamped before older ones, which the ledger's
   * reads by time take out of order. Until 2026-12-07 no clock was restored.
   */
  private Future<Void> clocks(List<Row> latest) {
    List<Supplier<Future<?>>> writes = new ArrayList<>();
    latestByShard(latest).forEach((shard, latestMs) -> writes.add(() -> hotTier.restoreClock(shard, latestMs)));
    return inChunks(writes);
  }

  /** The latest over the databases: a shard being moved has rows in two, and its clock is written once. */
  private Map<ShardId, Long> latestByShard(List<Row> latest) {
    Map<ShardId, Long> byShard = new HashMap<>();
    for (Row row : latest) {
      ShardId shard = new ShardId(Integer.parseInt(row.getString("shard").substring(1)));
      if (shards.contains(shard)) {
        byShard.merge(shard, row.getOffsetDateTime("latest").toInstant().toEpochMilli(), Math::max);
      }
    }
    return byShard;
  }

  // ------------------------------------------------------------------ idempotency

  private Future<Void> idempotencyRecords(List<Row> scopes, Map<String, Long> counts) {
    Map<String, Instant> latest = new HashMap<>();
    scopes.forEach(s -> latest.merge(s.getString("idempotency_scope"), s.getOffsetDateTime("created_at").toInstant(),
      (a, b) -> a.isAfter(b) ? a : b));
    List<Supplier<Future<?>>> writes = new ArrayList<>();
    for (Map.Entry<String, Instant> s : latest.entrySet()) {
      String key = s.getKey();
      long ageMs = System.currentTimeMillis() - s.getValue().toEpochMilli();
      writes.add(() -> hotTier.retireIdempotencyScope(key, idempotencyRetentionMs - ageMs));
      counts.merge("idempotency", 1L, Long::sum);
    }
    return inChunks(writes);
  }
}
