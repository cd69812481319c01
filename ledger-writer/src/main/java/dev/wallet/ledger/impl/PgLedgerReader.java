package dev.wallet.ledger.impl;

import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.BalanceChange;
import dev.wallet.balancecache.model.Credited;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.ledger.DatabaseOutage;
import dev.wallet.ledger.EntryPage;
import dev.wallet.ledger.LedgerEntry;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.LedgerPosting;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.ledger.LedgerTransfer;
import dev.wallet.ledger.PointInTimeBalance;
import dev.wallet.ledger.PostingLine;
import dev.wallet.ledger.ReconciliationReport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The ledger's reads, with keyset pagination over (seq, bucket) so pages never shift. A wallet's
 * reads go to its shard's database; reads of several accounts or by reference ask every database
 * that may hold them and combine the answers.
 */
public final class PgLedgerReader implements LedgerReader {

  public static final int MAX_LIMIT = 200;
  private static final Comparator<Row> NEWEST_FIRST = Comparator
    .comparing((Row row) -> row.getOffsetDateTime("created_at"))
    .thenComparing(row -> row.getString("posting_id"))
    .thenComparing(row -> row.getShort("idx")).reversed();

  private final LedgerNodes nodes;

  public PgLedgerReader(LedgerNodes nodes) {
    this.nodes = nodes;
  }

  @Override
  public Future<EntryPage> entries(WalletId wallet, int limit, Optional<String> cursor) {
    if (cursor.isPresent() && TimePosition.isOne(cursor.get())) { // the merchant's stripes have gone since
      return entriesOfAccounts(List.of(wallet), List.of(), limit, cursor);
    }
    return pageAfter(limit, cursor, Position::decode, Position.START).compose(after -> nodes.followingMoves(() ->
      nodes.ofAccount(wallet.value()).preparedQuery(SqlQueries.ENTRIES_PAGE)
        .execute(Tuple.of(wallet.value(), after.seq(), after.bucket(), limit + 1, wallet.shard().number()))
        .recover(LedgerNodes::placementRefused)
        .map(rows -> page(rows, limit))));
  }

  /** Where a page starts, or a failed future for a limit out of range or a malformed cursor. */
  private static <P> Future<P> pageAfter(int limit, Optional<String> cursor, Function<String, P> decode, P start) {
    if (limit < 1 || limit > MAX_LIMIT) {
      return Future.failedFuture(new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT));
    }
    try {
      return Future.succeededFuture(cursor.map(decode).orElse(start));
    } catch (IllegalArgumentException malformed) {
      return Future.failedFuture(malformed);
    }
  }

  @Override
  public Future<EntryPage> entriesOfAccounts(List<WalletId> accounts, List<HotTierAccess.Reading> asRead, int limit,
                                             Optional<String> cursor) {
    if (cursor.isPresent() && !TimePosition.isOne(cursor.get())) { // begun before the stripes opened
      return entries(accounts.get(0), limit, cursor);
    }
    return pageAfter(limit, cursor, TimePosition::decode, TimePosition.START).compose(after -> nodes.followingMoves(() ->
      (cursor.isPresent() ? Future.succeededFuture(after) : settledBefore(accounts, asRead))
        .compose(from -> LedgerNodes.collect(nodes.byNode(accounts, WalletId::value).entrySet().stream()
          .map(node -> node.getKey().rows(SqlQueries.ACCOUNTS_ENTRIES_PAGE, Tuple.tuple()
            .addArrayOfString(node.getValue().stream().map(WalletId::value).toArray(String[]::new))
            .addValue(from.at()).addString(from.postingId()).addShort(from.idx()).addInteger(limit + 1)))
          .toList()))
        .map(rows -> timePage(rows.stream().sorted(NEWEST_FIRST).limit(limit + 1L).toList(), limit))));
  }

  /**
   * Where a first page starts: before the earliest instant at which one of the accounts may still
   * get an entry the ledger does not have. An account the ledger had caught up with when Redis was
   * read gets its next posting at that master's clock or later; one it had not, at the time of its
   * shard's last committed posting or later (a shard's writer commits its stream in order, and a
   * master stamps postings in order). Until 2026-12-06 the first page started now, and an entry of
   * a stripe whose writer lagged, committed after a page was served with a time within that page, was
   * on no page of that pass.
   */
  private Future<TimePosition> settledBefore(List<WalletId> accounts, List<HotTierAccess.Reading> asRead) {
    Map<String, HotTierAccess.Reading> read = byAccount(asRead);
    return frontiers(accounts).map(rows -> {
      Instant bound = Instant.MAX;
      for (Row row : rows) {
        bound = min(bound, stillToCome(Optional.ofNullable(read.get(row.getString("account_id"))), row));
      }
      return bound.equals(Instant.MAX) ? TimePosition.START
        : new TimePosition(bound.atOffset(ZoneOffset.UTC), "", (short) 0);
    });
  }

  @Override
  public Future<Optional<Instant>> unrecordedFrom(List<WalletId> accounts, List<HotTierAccess.Reading> asRead) {
    Map<String, HotTierAccess.Reading> read = byAccount(asRead);
    return frontiers(accounts).map(rows -> rows.stream()
      .flatMap(row -> Optional.ofNullable(read.get(row.getString("account_id")))
        .map(reading -> stillToCome(Optional.of(reading), row)).stream())
      .min(Instant::compareTo));
  }

  private static Map<String, HotTierAccess.Reading> byAccount(List<HotTierAccess.Reading> asRead) {
    Map<String, HotTierAccess.Reading> read = new HashMap<>();
    asRead.forEach(reading -> read.put(reading.state().id(), reading));
    return read;
  }

  /**
   * Each account's last seq in the ledger ({@code ledger_seq}) and its shard's last committed posting
   * time, following a shard's move as every read does (until 2026-12-07 this one did not, and a
   * balance at an instant answered 503 after a move until another read had followed it).
   */
  private Future<List<Row>> frontiers(List<WalletId> accounts) {
    return nodes.followingMoves(() -> LedgerNodes.collect(nodes.byNode(accounts, WalletId::value).entrySet().stream()
      .map(node -> node.getKey().rows(SqlQueries.ACCOUNTS_FRONTIER, Tuple.tuple()
        .addArrayOfString(node.getValue().stream().map(WalletId::value).toArray(String[]::new))
        .addArrayOfString(node.getValue().stream().map(account -> account.shard().name()).toArray(String[]::new))))
      .toList()));
  }

  private static long ledgerSeq(Row frontier) {
    return frontier.getLong("ledger_seq") == null ? 0 : frontier.getLong("ledger_seq");
  }

  /**
   * The earliest time an entry of the account the ledger does not have yet may bear. An account Redis
   * does not hold (a stripe not opened yet) and the ledger has nothing of has nothing to come before
   * it opens; one the ledger has entries of, as if the ledger were behind it.
   */
  private static Instant stillToCome(Optional<HotTierAccess.Reading> read, Row frontier) {
    long ledgerSeq = ledgerSeq(frontier);
    if (read.isEmpty() && ledgerSeq == 0) {
      return Instant.MAX;
    }
    if (read.isPresent() && ledgerSeq >= read.get().state().seq()) {
      HotTierAccess.Reading reading = read.get();
      // postings are stamped in whole milliseconds: one in the millisecond of the reading may be of later
      return Instant.ofEpochMilli(reading.masterTime().toEpochMilli());
    }
    OffsetDateTime shardLast = frontier.getOffsetDateTime("shard_last");
    return shardLast == null ? Instant.EPOCH : shardLast.toInstant();
  }

  private static Instant min(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static EntryPage timePage(List<Row> rows, int limit) {
    List<LedgerEntry> entries = new ArrayList<>();
    List<TimePosition> positions = new ArrayList<>();
    for (Row row : rows) {
      entries.add(entry(row));
      positions.add(new TimePosition(row.getOffsetDateTime("created_at"), row.getString("posting_id"),
        row.getShort("idx")));
    }
    if (entries.size() <= limit) {
      return new EntryPage(entries, Optional.empty());
    }
    return new EntryPage(List.copyOf(entries.subList(0, limit)), Optional.of(positions.get(limit - 1).encode()));
  }

  @Override
  public Future<PointInTimeBalance> balanceAt(WalletId wallet, Instant at) {
    return nodes.followingMoves(() -> nodes.ofAccount(wallet.value()).preparedQuery(SqlQueries.BALANCE_AT)
      .execute(Tuple.of(wallet.value(), at.atOffset(ZoneOffset.UTC), wallet.shard().number()))
      .recover(LedgerNodes::placementRefused))
      .map(rows -> {
        long available = 0;
        long held = 0;
        long seq = 0;
        for (Row row : rows) {
          if (row.getString("bucket").equals("available")) {
            available = row.getLong("balance_after");
          } else {
            held = row.getLong("balance_after");
          }
          seq = Math.max(seq, row.getLong("seq"));
        }
        return new PointInTimeBalance(wallet, at, available, held, seq);
      });
  }

  @Override
  public Future<PointInTimeBalance> balanceAtOfAccounts(List<WalletId> accounts, Instant at) {
    OffsetDateTime instant = at.atOffset(ZoneOffset.UTC);
    Future<List<Row>> balances = nodes.followingMoves(() -> LedgerNodes.collect(nodes.byNode(accounts, WalletId::value)
      .entrySet().stream().map(node -> node.getKey().rows(SqlQueries.ACCOUNTS_BALANCE_AT, Tuple.tuple()
        .addArrayOfString(node.getValue().stream().map(WalletId::value).toArray(String[]::new)).addValue(instant)))
      .toList()));
    return balances.compose(rows -> sweepsInTransit(accounts, instant).map(inTransit -> {
      long available = inTransit;
      long held = 0;
      Map<String, Long> seqs = new HashMap<>();
      for (Row row : rows) {
        if (row.getString("bucket").equals("available")) {
          available += row.getLong("balance_after");
        } else {
          held += row.getLong("balance_after");
        }
        seqs.merge(row.getString("account"), row.getLong("seq"), Math::max);
      }
      long seq = seqs.values().stream().mapToLong(Long::longValue).sum();
      return new PointInTimeBalance(accounts.get(0), at, available, held, seq);
    }));
  }

  /**
   * What sweeps between {@code accounts} carried at the instant: debited in the day before it,
   * neither credited nor reversed by then; less what sweeps credited by then whose debit comes after
   * it brought (their master's clock behind the debit's: their amount is in both accounts' balances
   * then; until 2026-12-06 it was counted twice). A sweep's debit is on its stripe's shard and its
   * credit on the merchant's, which may be another database: the two are read apart and matched here.
   */
  private Future<Long> sweepsInTransit(List<WalletId> accounts, OffsetDateTime at) {
    Tuple args = Tuple.tuple().addArrayOfString(accounts.stream().map(WalletId::value).toArray(String[]::new))
      .addValue(at);
    return debitedNotEnded(args, at).compose(carried -> creditedBeforeDebited(args, at)
      .map(early -> carried - early));
  }

  /** Of the sweeps credited by the instant (in the minute before it), what those not debited by then brought. */
  private Future<Long> creditedBeforeDebited(Tuple args, OffsetDateTime at) {
    return nodes.everywhere(SqlQueries.SWEEP_CREDITS_AT, args).compose(credits -> {
      if (credits.isEmpty()) {
        return Future.succeededFuture(0L);
      }
      String[] references = credits.stream().map(row -> row.getString("reference")).distinct().toArray(String[]::new);
      return nodes.everywhere(SqlQueries.SWEEPS_DEBITED_AFTER, Tuple.tuple().addArrayOfString(references).addValue(at))
        .map(later -> {
          Set<String> early = later.stream().map(row -> row.getString("reference")).collect(Collectors.toSet());
          return credits.stream().filter(row -> early.contains(row.getString("reference")))
            .mapToLong(row -> row.getLong("brought")).sum();
        });
    });
  }

  private Future<Long> debitedNotEnded(Tuple args, OffsetDateTime at) {
    return nodes.everywhere(SqlQueries.SWEEP_DEBITS_AT, args).compose(debits -> {
      if (debits.isEmpty()) {
        return Future.succeededFuture(0L);
      }
      String[] references = debits.stream().map(row -> row.getString("reference")).distinct().toArray(String[]::new);
      return nodes.everywhere(SqlQueries.SWEEPS_ENDED_AT, Tuple.tuple().addArrayOfString(references).addValue(at))
        .map(ended -> {
          Set<String> over = ended.stream().map(row -> row.getString("reference")).collect(Collectors.toSet());
          return debits.stream().filter(row -> !over.contains(row.getString("reference")))
            .mapToLong(row -> row.getLong("carried")).sum();
        });
    });
  }

  @Override
  public Future<Optional<LedgerTransfer>> transfer(String transferId) {
    return nodes.everywhere(SqlQueries.POSTINGS_BY_REFERENCE, Tuple.of(transferId))
      .map(rows -> rows.stream().sorted(Comparator.comparing((Row row) -> row.getOffsetDateTime("created_at"))
        .thenComparing(row -> row.getString("id"))).toList())
      .compose(rows -> withLines(rows).map(postings -> LedgerTransfers.of(transferId, postings, reversalCode(rows))));
  }

  /** The destination's refusal, which a reversal's posting carries (saga_finish.lua, reversal_facts). */
  private static Optional<String> reversalCode(List<Row> postings) {
    return postings.stream().map(PgLedgerReader::movement).map(m -> m.getString("code")).filter(Objects::nonNull)
      .findFirst();
  }

  @Override
  public Future<Optional<PaymentRecordFacts>> paymentRecord(ShardId shard, String paymentId) {
    return onShard(shard, SqlQueries.PAYMENT_RECORD, Tuple.of(shard.name(), paymentId, shard.number()))
      .map(rows -> paymentRecord(paymentId, rows));
  }

  @Override
  public Future<Optional<PaymentRecordFacts>> payment(String paymentId) {
    return nodes.everywhere(SqlQueries.PAYMENT_POSTINGS, Tuple.of(paymentId))
      .recover(PgLedgerReader::unavailableUnlessAnswered)
      .map(rows -> paymentRecord(paymentId, rows).or(() -> reversedPayment(paymentId, rows)));
  }

  /** A payment whose merchant side refused it: its reversal's posting says what its record said (saga_finish.lua). */
  private static Optional<PaymentRecordFacts> reversedPayment(String paymentId, List<Row> rows) {
    return rows.stream().map(PgLedgerReader::movement).filter(m -> m.containsKey("payer") && m.containsKey("code"))
      .findFirst().map(m -> new PaymentRecordFacts(paymentId, Long.parseLong(m.getString("amt")),
        Long.parseLong(m.getString("fee")), 0, m.getString("payer"), m.getString("merchant"), m.getString("cur"),
        Long.parseLong(m.getString("created")), Optional.ofNullable(m.getString("ref")).filter(ref -> !ref.isEmpty()),
        Optional.empty(), Optional.of(OutcomeCode.valueOf(m.getString("code")))));
  }

  /**
   * The posting that opened the record names its payer; the changes of 'refunded' are those on its
   * shard (a refund is on the merchant's); a saga's debit of the payment, the first posting, carries
   * its order reference when the opening credit does not.
   */
  private static Optional<PaymentRecordFacts> paymentRecord(String paymentId, List<Row> rows) {
    Optional<Row> opening = rows.stream()
      .filter(row -> movement(row).containsKey("payer") && !movement(row).containsKey("code")).findFirst();
    if (opening.isEmpty()) {
      return Optional.empty();
    }
    JsonObject opened = movement(opening.get());
    String shard = opening.get().getString("shard");
    long refunded = rows.stream().filter(row -> row.getString("shard").equals(shard))
      .mapToLong(row -> Long.parseLong(movement(row).getString("refunded", "0"))).sum();
    List<Row> paymentSteps = rows.stream().filter(row -> !movement(row).containsKey("refunded")).toList();
    long created = paymentSteps.stream().mapToLong(row -> row.getOffsetDateTime("created_at").toInstant().toEpochMilli())
      .min().orElseThrow();
    Optional<String> reference = paymentSteps.stream().map(row -> movement(row).getString("ref"))
      .filter(ref -> ref != null && !ref.isEmpty()).findFirst();
    return Optional.of(new PaymentRecordFacts(paymentId, Long.parseLong(opened.getString("amt")),
      Long.parseLong(opened.getString("fee")), refunded, opened.getString("payer"), opened.getString("merchant"),
      opened.getString("cur"), created, reference, Optional.ofNullable(opened.getString("parent")), Optional.empty()));
  }

  @Override
  public Future<Optional<HoldView>> holdEnding(HoldId id) {
    ShardId shard = id.shard();
    return onShard(shard, SqlQueries.HOLD_ENDING, Tuple.of(id.value(), shard.name(), shard.number()))
      .map(rows -> rows.stream().findFirst().map(row -> holdEnding(id, row)));
  }

  @Override
  public Future<Optional<Credited>> credited(WalletId wallet, String postingId) {
    ShardId shard = wallet.shard();
    return onShard(shard, SqlQueries.CREDIT_POSTING, Tuple.of(postingId, shard.name(), shard.number(), wallet.value()))
      .map(rows -> rows.stream().findFirst().map(row -> new Credited(postingId,
        Money.of(row.getLong("amount"), row.getString("currency")), row.getOffsetDateTime("created_at").toInstant(),
        walletAfter(row))));
  }

  @Override
  public Future<Optional<HoldView>> holdPlaced(WalletId wallet, HoldId id) {
    ShardId shard = id.shard();
    return onShard(shard, SqlQueries.HOLD_PLACED, Tuple.of(id.value(), shard.name(), shard.number(), wallet.value()))
      .map(rows -> rows.stream().findFirst().map(row -> new HoldView(id, HoldView.HoldStatus.ACTIVE,
        Money.of(row.getLong("amount"), row.getString("currency")), row.getString("reference"),
        row.getOffsetDateTime("created_at").toInstant(), walletAfter(row))));
  }

  /** A wallet's balances right after an entry, read as {@code account_id}, {@code available}, {@code held} and {@code seq}. */
  private static BalanceChange walletAfter(Row row) {
    return new BalanceChange(new WalletId(row.getString("account_id")), row.getLong("available"), row.getLong("held"),
      row.getLong("seq"));
  }

  @Override
  public Future<List<String>> holdCounters(HoldId id) {
    ShardId shard = id.shard();
    return onShard(shard, SqlQueries.HOLD_COUNTED, Tuple.of(id.value(), shard.name(), shard.number()))
      .map(rows -> rows.stream().findFirst().map(row -> row.getString("counted")).map(PgLedgerReader::counterKeys)
        .orElse(List.of()));
  }

  /** The keys of a posting's 'counted' ({"amt", "cnt", "keys": [[key, window end], ...]}), stored as JSON text. */
  private static List<String> counterKeys(String counted) {
    return new JsonObject(counted).getJsonArray("keys").stream().map(window -> ((JsonArray) window).getString(0))
      .toList();
  }

  private static HoldView holdEnding(HoldId id, Row row) {
    HoldView.HoldStatus status = PostingType.HOLD_SETTLED.wire().equals(row.getString("type"))
      ? HoldView.HoldStatus.SETTLED : HoldView.HoldStatus.RELEASED;
    return new HoldView(id, status, Money.of(-row.getLong("amount"), row.getString("currency")),
      row.getString("reference"), row.getOffsetDateTime("created_at").toInstant(), walletAfter(row));
  }

  @Override
  public Future<Optional<AuthorizationView>> authorization(HoldId id) {
    ShardId shard = id.shard();
    return onShard(shard, SqlQueries.AUTHORIZATION_STEPS, Tuple.of(id.value(), shard.name(), shard.number()))
      .map(rows -> authorization(id, rows));
  }

  /**
   * Its hold posting names the payer (its held entry), the merchant, the expiry and the order
   * reference; each capture says what it left held and what had been captured by then (held only
   * falls); a capture that left nothing held ended it, else a release with who released it did.
   */
  private static Optional<AuthorizationView> authorization(HoldId id, List<Row> steps) {
    Optional<Row> hold = steps.stream().filter(row -> PostingType.HOLD.wire().equals(row.getString("type"))).findFirst();
    if (hold.isEmpty() || !movement(hold.get()).containsKey("to")) {
      return Optional.empty();
    }
    JsonObject placed = movement(hold.get());
    long amount = hold.get().getLong("amount");
    List<JsonObject> captures = steps.stream().map(PgLedgerReader::movement).filter(m -> m.containsKey("auth")).toList();
    long held = captures.stream().mapToLong(m -> Long.parseLong(m.getString("held"))).min().orElse(amount);
    long captured = captures.stream().mapToLong(m -> Long.parseLong(m.getString("captured"))).max().orElse(0);
    List<Row> releases = steps.stream().filter(row -> PostingType.HOLD_RELEASED.wire().equals(row.getString("type")))
      .toList();
    Optional<String> releasedBy = releases.stream().map(row -> movement(row).getString("by")).filter(Objects::nonNull)
      .findFirst();
    AuthorizationView.Status status = held == 0 && !captures.isEmpty() ? AuthorizationView.Status.CAPTURED
      : !releases.isEmpty() ? AuthorizationView.Status.RELEASED : AuthorizationView.Status.ACTIVE;
    String ref = placed.getString("ref", "");
    return Optional.of(new AuthorizationView(id, status, new WalletId(hold.get().getString("account_id")),
      new WalletId(placed.getString("to")), Money.of(amount, hold.get().getString("currency")), captured,
      status == AuthorizationView.Status.ACTIVE ? held : 0, releasedBy, ref.isEmpty() ? Optional.empty() : Optional.of(ref),
      hold.get().getOffsetDateTime("created_at").toInstant(), Instant.ofEpochMilli(Long.parseLong(placed.getString("exp")))));
  }

  /** {@code query} on the database that holds {@code shard}'s ledger, following a move of it. */
  private Future<List<Row>> onShard(ShardId shard, String query, Tuple args) {
    return nodes.followingMoves(() -> nodes.ofShard(shard).preparedQuery(query).execute(args)
      .recover(LedgerNodes::placementRefused))
      .recover(PgLedgerReader::unavailableUnlessAnswered)
      .map(LedgerNodes::rows);
  }

  /**
   * For the money core, which reads here what the hot tier no longer holds: a ledger that did not
   * answer (or refused this process's out-of-date placement) leaves it unavailable, a 503 retried
   * under the same key as nothing was decided; one that answered with an error is a bug.
   */
  private static <T> Future<T> unavailableUnlessAnswered(Throwable failure) {
    return Future.failedFuture(!DatabaseOutage.is(failure) ? failure
      : new BalanceCacheUnavailableException("the ledger did not answer for a record the hot tier no longer holds",
        failure));
  }

  /** A posting's movement facts; none (an empty object) for a posting that carries none. */
  private static JsonObject movement(Row row) {
    String movement = row.getString("movement");
    return movement == null ? new JsonObject() : new JsonObject(movement);
  }

  @Override
  public Future<Optional<LedgerPosting>> posting(String postingId) {
    return nodes.everywhere(SqlQueries.POSTING_BY_ID, Tuple.of(postingId))
      .compose(this::withLines)
      .map(postings -> postings.stream().findFirst());
  }

  /**
   * Two reads of every database: a counterparty's account may be in another than the posting's. A
   * step of a movement across shards ({@code <movement>.credit}) holds one side's legs alone; its
   * debit and credit hold both sides.
   */
  @Override
  public Future<Set<String>> ownersOf(List<String> postingIds) {
    String[] ids = postingIds.stream().flatMap(PgLedgerReader::withBothSides).distinct().toArray(String[]::new);
    return nodes.everywhere(SqlQueries.ACCOUNTS_OF_POSTINGS, Tuple.of((Object) ids))
      .compose(accounts -> nodes.everywhere(SqlQueries.OWNERS_OF_ACCOUNTS,
        Tuple.of((Object) accounts.stream().map(row -> row.getString("account_id")).distinct().toArray(String[]::new))))
      .map(owners -> owners.stream().map(row -> row.getString("owner_id")).collect(Collectors.toSet()));
  }

  private static Stream<String> withBothSides(String postingId) {
    int step = postingId.lastIndexOf('.');
    if (step < 0) {
      return Stream.of(postingId);
    }
    String movement = postingId.substring(0, step);
    return Stream.of(postingId, movement + ".debit", movement + ".credit");
  }

  @Override
  public Future<Optional<ReconciliationReport>> lastReconciliation() {
    return nodes.home().query(SqlQueries.LAST_RECONCILIATION).execute()
      .map(rows -> rows.size() == 0 ? Optional.empty()
        : Optional.of(ReconciliationReport.fromJson((JsonObject) rows.iterator().next().getValue("result"))));
  }

  @Override
  public Future<Void> ping() {
    return Future.all(nodes.all().stream().map(node -> node.client().query("SELECT 1").execute()).toList()).mapEmpty();
  }

  private Future<List<LedgerPosting>> withLines(List<Row> postings) {
    if (postings.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String[] ids = postings.stream().map(r -> r.getString("id")).distinct().toArray(String[]::new);
    return nodes.everywhere(SqlQueries.ENTRIES_OF_POSTINGS, Tuple.of(ids)).map(entryRows -> {
      Map<String, List<PostingLine>> lines = new HashMap<>();
      for (Row e : entryRows) {
        lines.computeIfAbsent(e.getString("posting_id") + "@" + e.getOffsetDateTime("created_at").toInstant(),
          k -> new ArrayList<>()).add(new PostingLine(e.getInteger("idx"), e.getString("account_id"),
          e.getString("bucket"), e.getLong("amount"), e.getString("currency").trim(), e.getLong("balance_after"),
          e.getLong("seq")));
      }
      return postings.stream().map(p -> posting(p, lines)).toList();
    });
  }

  private static LedgerPosting posting(Row p, Map<String, List<PostingLine>> lines) {
    Instant created = p.getOffsetDateTime("created_at").toInstant();
    return new LedgerPosting(p.getString("id"), p.getString("type"), p.getString("shard"),
      Optional.ofNullable(p.getString("reference")), Optional.ofNullable(p.getString("idempotency_scope")),
      Optional.ofNullable(p.getString("counterparty")), created,
      lines.getOrDefault(p.getString("id") + "@" + created, List.of()));
  }

  private static EntryPage page(RowSet<Row> rows, int limit) {
    List<LedgerEntry> entries = new ArrayList<>();
    for (Row row : rows) {
      entries.add(entry(row));
    }
    if (entries.size() <= limit) {
      return new EntryPage(entries, Optional.empty());
    }
    List<LedgerEntry> page = entries.subList(0, limit);
    LedgerEntry last = page.get(limit - 1);
    return new EntryPage(List.copyOf(page), Optional.of(new Position(last.seq(), last.bucket()).encode()));
  }

  private static LedgerEntry entry(Row row) {
    return new LedgerEntry(row.getString("posting_id") + "/" + row.getInteger("idx"), row.getString("posting_id"),
      row.getString("reference"), row.getString("type"), row.getString("bucket"), row.getLong("amount"),
      row.getString("currency").trim(), row.getLong("balance_after"), row.getLong("seq"),
      row.getOffsetDateTime("created_at").toInstant(), row.getString("account_id"));
  }

  /**
   * Where a page of several accounts ends: entries are ordered by time, posting and index, all
   * descending. The time is kept to the microsecond, as PostgreSQL keeps it.
   */
  record TimePosition(OffsetDateTime at, String postingId, short idx) {

    static final TimePosition START = new TimePosition(OffsetDateTime.of(9999, 12, 31, 0, 0, 0, 0, ZoneOffset.UTC),
      "", (short) 0);

    String encode() {
      long micros = at.toEpochSecond() * 1_000_000 + at.getNano() / 1_000;
      return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(("t:" + micros + ":" + idx + ":" + postingId).getBytes(StandardCharsets.UTF_8));
    }

    /** Whether {@code cursor} is one of these rather than a {@link Position}, as far as its kind says. */
    static boolean isOne(String cursor) {
      try {
        return new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).startsWith("t:");
      } catch (IllegalArgumentException notBase64) {
        return false;
      }
    }

    static TimePosition decode(String cursor) {
      try {
        String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(":", 4);
        if (parts.length != 4 || !parts[0].equals("t") || parts[3].isEmpty()
          || parts[3].chars().anyMatch(Character::isISOControl)) {
          throw new IllegalArgumentException("malformed cursor");
        }
        long micros = Long.parseLong(parts[1]);
        OffsetDateTime at = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1_000)
          .atOffset(ZoneOffset.UTC);
        return new TimePosition(at, parts[3], Short.parseShort(parts[2]));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("malformed cursor", e);
      }
    }
  }

  /** Where a page ends: entries are ordered by seq descending, then bucket ascending. */
  record Position(long seq, String bucket) {

    static final Position START = new Position(Long.MAX_VALUE, "");

    String encode() {
      return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((seq + ":" + bucket).getBytes(StandardCharsets.UTF_8));
    }

    static Position decode(String cursor) {
      try {
        String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(":", 2);
        if (parts.length != 2 || !(parts[1].equals("available") || parts[1].equals("held"))) {
          throw new IllegalArgumentException("malformed cursor");
        }
        return new Position(Long.parseLong(parts[0]), parts[1]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("malformed cursor", e);
      }
    }
  }

}
