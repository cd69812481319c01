package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.model.AccountState;
import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.MovementKind;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * {@link HotTierAccess} on the money core's own connections. The field names are those the Lua
 * scripts keep (lib.lua's load_wallet and load_system, open_wallet.lua, saga_debit.lua, hold.lua,
 * and the idempotency records of lib.lua); HotTierRebuildTest fails when the two disagree.
 */
final class RedisHotTierAccess implements HotTierAccess {

  /**
   * Reconciliation and rebuild are background work that reads or writes thousands of keys at a
   * time: they wait longer for an answer than a client's request may (the operation timeout).
   */
  static final long BACKGROUND_TIMEOUT_MS = 5_000;

  /**
   * The request hash of a restored idempotency record: no request has it, so every reuse is refused,
   * but a retry of a movement restored as under way is told it is in flight (lib.lua's idem_seen).
   */
  static final String RESTORED_REQUEST_HASH = "rebuilt-from-ledger";

  private final ScriptRunner runner;
  private final ShardRange shards;
  private final PendingSets pendingSets;

  RedisHotTierAccess(ScriptRunner runner, PendingSets pendingSets) {
    this.runner = runner;
    this.shards = pendingSets.shards();
    this.pendingSets = pendingSets;
  }

  // ------------------------------------------------------------------ reading

  /**
   * From the shard's account index. An index not marked complete (a shard written before there
   * was one, or restored from the ledger) is completed first, once, from every key of the slot:
   * CLUSTER GETKEYSINSLOT, which blocks the master for as long as the slot is large (31 ms at
   * 300,000 keys), so it is not the way to list accounts each time.
   */
  @Override
  public Future<List<String>> accountsOnShard(ShardId shard) {
    String index = Keys.accountIndex(shard.tag());
    return send(index, Request.cmd(Command.SMEMBERS).arg(index)).compose(members -> {
      List<String> ids = new ArrayList<>();
      members.forEach(member -> ids.add(member.toString()));
      return ids.remove(Keys.INDEX_COMPLETE) ? Future.succeededFuture(ids) : accountsInSlot(shard);
    });
  }

  /**
   * Adds every account the slot holds to the index, then marks it complete. An account a script
   * creates meanwhile adds itself, so nothing created before or during this is left out.
   */
  @Override
  public Future<List<String>> accountsInSlot(ShardId shard) {
    String tag = shard.tag();
    Request keysInSlot = Request.cmd(Command.CLUSTER).arg("GETKEYSINSLOT").arg(HashSlot.of(tag)).arg(Integer.MAX_VALUE);
    return send(tag, keysInSlot).compose(keys -> {
      List<String> ids = new ArrayList<>();
      keys.forEach(key -> Keys.accountIdOf(key.toString()).ifPresent(ids::add));
      Request add = Request.cmd(Command.SADD).arg(Keys.accountIndex(tag));
      ids.forEach(add::arg);
      add.arg(Keys.INDEX_COMPLETE);
      return send(tag, add).map(ids);
    });
  }

  /**
   * One round trip per shard: reconciliation reads every wallet that moved since its last run, and
   * one request per wallet cost Redis a read and a write on the socket each.
   */
  @Override
  public Future<List<AccountState>> accounts(List<String> accountIds) {
    return readings(accountIds).map(readings -> readings.stream().map(Reading::state).toList());
  }

  @Override
  public Future<List<Reading>> readings(List<String> accountIds) {
    Map<String, List<String>> keysBySlot = accountIds.stream().map(Keys::accountKey)
      .collect(Collectors.groupingBy(key -> key.substring(0, key.indexOf('}') + 1), LinkedHashMap::new,
        Collectors.toList()));
    List<Future<List<Reading>>> reads = keysBySlot.values().stream().map(this::accountsOfOneSlot).toList();
    return Future.all(reads).map(done -> reads.stream().flatMap(read -> read.result().stream()).toList());
  }

  /**
   * In one batch: the master's lineage, its clock, the accounts, its lineage again; key by key (each
   * read following redirects, after a read of the clock, without lineage) when the batch fails, as
   * while a slot moves.
   */
  private Future<List<Reading>> accountsOfOneSlot(List<String> keys) {
    List<Request> reads = new ArrayList<>();
    reads.add(lineageRead());
    reads.add(Request.cmd(Command.TIME));
    keys.stream().map(RedisHotTierAccess::accountRead).forEach(reads::add);
    reads.add(lineageRead());
    return runner.batchOnce(keys.get(0), reads, BACKGROUND_TIMEOUT_MS)
      .map(replies -> {
        Optional<String> before = lineage(replies.get(0));
        Optional<String> lineage = before.equals(lineage(replies.get(replies.size() - 1))) ? before : Optional.empty();
        Instant time = time(replies.get(1));
        return replies.subList(2, replies.size() - 1).stream().map(RedisHotTierAccess::accountState)
          .flatMap(Optional::stream).map(state -> new Reading(state, time, lineage)).toList();
      })
      .recover(batchFailed -> {
        List<Future<Optional<Reading>>> one = keys.stream().map(key -> send(key, Request.cmd(Command.TIME))
          .compose(time -> send(key, accountRead(key)).map(read -> accountState(read)
            .map(state -> new Reading(state, time(time), Optional.empty()))))).toList();
        return Future.all(one).map(done -> one.stream().map(Future::result).flatMap(Optional::stream).toList());
      });
  }

  /** A TIME answer: seconds and microseconds. */
  private static Instant time(Response time) {
    return Instant.ofEpochSecond(time.get(0).toLong(), time.get(1).toLong() * 1_000);
  }

  @Override
  public Future<Map<ShardId, String>> lineages(Collection<ShardId> shards) {
    List<ShardId> asked = List.copyOf(new java.util.LinkedHashSet<>(shards));
    List<Future<Optional<String>>> reads = asked.stream()
      .map(shard -> send(shard.tag(), lineageRead()).map(RedisHotTierAccess::lineage)
        .otherwise(Optional.<String>empty()))
      .toList();
    return Future.all(reads).map(done -> {
      Map<ShardId, String> lineages = new LinkedHashMap<>();
      for (int i = 0; i < asked.size(); i++) {
        ShardId shard = asked.get(i);
        reads.get(i).result().ifPresent(lineage -> lineages.put(shard, lineage));
      }
      return lineages;
    });
  }

  private static Request lineageRead() {
    return Request.cmd(Command.INFO).arg("replication");
  }

  /** master_replid of an INFO replication answer. */
  private static Optional<String> lineage(Response info) {
    return info == null ? Optional.empty() : info.toString().lines().filter(line -> line.startsWith("master_replid:"))
      .map(line -> line.substring("master_replid:".length()).trim()).findFirst();
  }

  private static Request accountRead(String key) {
    return Request.cmd(Command.HMGET).arg(key).arg("id").arg("avail").arg("held").arg("seq");
  }

  private static Optional<AccountState> accountState(Response f) {
    return f.get(0) == null ? Optional.empty() : Optional.of(new AccountState(f.get(0).toString(),
      f.get(1).toLong(), f.get(2) == null ? 0 : f.get(2).toLong(), f.get(3).toLong()));
  }

  /**
   * The in-transit accounts are read before and after the pending movements: an account whose
   * sequence is the same in both reads did not change in between, so when none changed, the
   * balances read first are those of the moment the movements were read, and the difference is
   * exact. A movement debited, credited or reversed meanwhile changes a sequence, and the reading
   * says it is not settled.
   */
  @Override
  public Future<InTransitReading> inTransitImbalance(Collection<String> knownTransitAccounts) {
    Set<String> known = everyShardsTransit(knownTransitAccounts);
    return transitBalances(List.copyOf(known)).compose(before -> pendingMovements().compose(pending -> {
      Set<String> transitAccounts = new TreeSet<>(known);
      pending.forEach(p -> transitAccounts.add(p.transitAccount()));
      return transitBalances(List.copyOf(transitAccounts)).map(after -> {
        Map<String, Long> imbalance = after.byCurrency();
        pending.stream().filter(PendingMovement::uncredited)
          .forEach(p -> imbalance.merge(p.currency(), -p.amount(), Long::sum));
        imbalance.values().removeIf(v -> v == 0);
        boolean settled = after.sequences().entrySet().stream()
          .allMatch(account -> account.getValue().equals(before.sequences().getOrDefault(account.getKey(), -1L)));
        return new InTransitReading(imbalance, settled);
      });
    }));
  }

  /**
   * With {@code known}, the transit account of every shard of the region in each currency they are
   * in. A movement's credit takes its amount out of transit on its destination's shard, whose account
   * the ledger may not know yet (its writer behind) when it knows the source's: read alone, the
   * source's showed a difference that was none, and halted all money movement for nothing (on a
   * fresh system, ReconciliationTest.creditStripesReconcile, 2026-12-04).
   */
  private Set<String> everyShardsTransit(Collection<String> known) {
    Set<String> accounts = new TreeSet<>(known);
    known.stream().map(id -> id.split(":")).filter(parts -> parts.length == 3).map(parts -> parts[1]).distinct()
      .map(currency -> SystemAccount.transit(Currencies.parse(currency)))
      .forEach(transit -> shards.all().forEach(shard -> accounts.add(transit.id(shard))));
    return accounts;
  }

  @Override
  public Future<MovementAtSource> movementAtSource(String movementId) {
    Optional<ShardId> source = Keys.shardNamedBy(movementId);
    if (source.isEmpty()) {
      return Future.succeededFuture(MovementAtSource.STRANDED);
    }
    String record = Keys.movement(source.get(), movementId);
    List<Future<Response>> scores = pendingSets.keysOf(source.get()).stream()
      .map(pending -> send(pending, Request.cmd(Command.ZSCORE).arg(pending).arg(movementId))).toList();
    return Future.all(scores).compose(read -> scores.stream().anyMatch(score -> score.result() != null)
      ? Future.succeededFuture(MovementAtSource.DRIVEN)
      : send(record, Request.cmd(Command.HGET).arg(record).arg("state")).map(state -> state == null
        || "pending".equals(state.toString()) ? MovementAtSource.STRANDED : MovementAtSource.FINISHED));
  }

  /** In-transit accounts as read: their sequences by ledger id, and their balances summed per currency. */
  private record TransitBalances(Map<String, Long> sequences, Map<String, Long> byCurrency) {
  }

  private Future<TransitBalances> transitBalances(List<String> transitAccounts) {
    List<Future<Response>> reads = transitAccounts.stream().map(Keys::accountKey)
      .map(key -> send(key, Request.cmd(Command.HMGET).arg(key).arg("cur").arg("avail").arg("seq"))).toList();
    return Future.all(reads).map(done -> {
      Map<String, Long> sequences = new TreeMap<>();
      Map<String, Long> byCurrency = new TreeMap<>();
      for (int i = 0; i < reads.size(); i++) {
        Response f = reads.get(i).result();
        sequences.put(transitAccounts.get(i), f.get(2) == null ? 0 : f.get(2).toLong());
        if (f.get(0) != null) {
          byCurrency.merge(f.get(0).toString(), f.get(1) == null ? 0 : f.get(1).toLong(), Long::sum);
        }
      }
      return new TransitBalances(sequences, byCurrency);
    });
  }

  /** A movement pending at its source, where its amount sits in transit, and whether its destination credited it. */
  private record PendingMovement(String transitAccount, String currency, long amount, boolean uncredited) {
  }

  private Future<List<PendingMovement>> pendingMovements() {
    List<Future<Response>> sets = shards.all().stream().flatMap(shard -> pendingSets.keysOf(shard).stream())
      .map(key -> send(key, Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(-1))).toList();
    return Future.all(sets).compose(done -> {
      List<Future<Optional<PendingMovement>>> movements = new ArrayList<>();
      sets.forEach(set -> set.result().forEach(id -> movements.add(pendingMovement(id.toString()))));
      return Future.all(movements)
        .map(read -> movements.stream().map(Future::result).flatMap(Optional::stream).toList());
    });
  }

  private Future<Optional<PendingMovement>> pendingMovement(String movementId) {
    ShardId source = Keys.shardOfId(movementId);
    String record = Keys.movement(source, movementId);
    return send(record, Request.cmd(Command.HMGET).arg(record).arg("state").arg("amt").arg("cur").arg("to"))
      .compose(m -> {
        if (m.get(0) == null || !"pending".equals(m.get(0).toString())) {
          return Future.succeededFuture(Optional.empty());
        }
        ShardId destination = Keys.shardOfId(m.get(3).toString());
        if (!shards.contains(destination)) {
          // settled by another region: its amount waits in that region's clearing account, not in transit
          return Future.succeededFuture(Optional.empty());
        }
        String currency = m.get(2).toString();
        String transit = SystemAccount.transit(Currencies.parse(currency)).id(source);
        String decision = Keys.creditDecision(destination, movementId);
        return send(decision, Request.cmd(Command.HGET).arg(decision).arg("outcome"))
          .map(outcome -> Optional.of(new PendingMovement(transit, currency, m.get(1).toLong(), !credited(outcome))));
      });
  }

  private static boolean credited(Response outcome) {
    return outcome != null && "OK".equals(new JsonObject(outcome.toString()).getString("code"));
  }

  // ------------------------------------------------------------------ restoring

  @Override
  public Future<Long> walletsPresent(List<String> walletIds) {
    List<Future<Response>> exists = walletIds.stream().map(id -> Keys.wallet(new WalletId(id)))
      .map(key -> send(key, Request.cmd(Command.EXISTS).arg(key))).toList();
    return Future.all(exists).map(done -> exists.stream().mapToLong(e -> e.result().toLong()).sum());
  }

  /** The fields open_wallet.lua and set_status.lua keep. */
  @Override
  public Future<Void> restoreWallet(WalletFacts w) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("id", w.id());
    h.put("owner", w.ownerId());
    h.put("cur", w.currency());
    h.put("type", w.type());
    h.put("status", w.status());
    h.put("avail", Long.toString(w.available()));
    h.put("held", Long.toString(w.held()));
    h.put("seq", Long.toString(w.seq()));
    h.put("created", Long.toString(w.openedAtMs()));
    w.statusVersion().ifPresent(version -> h.put("status_version", Long.toString(version)));
    w.parent().ifPresent(parent -> h.put("parent", parent));
    w.parent().flatMap(parent -> w.ownStatus()).ifPresent(own -> h.put("status_own", ownFlag(own)));
    if (w.stripesOpened()) {
      h.put(Stripes.OPENED, "1");
    }
    String key = Keys.wallet(new WalletId(w.id()));
    return hset(key, h).compose(written -> index(key, w.id()));
  }

  /** set_status.lua's flag of a stripe's status of its own, which a copy of its merchant's does not lift. */
  private static String ownFlag(String ownStatus) {
    return WalletStatus.ACTIVE.wire().equals(ownStatus) ? "0" : "1";
  }

  /** The fields lib.lua keeps for a system account. */
  @Override
  public Future<Void> restoreSystemAccount(SystemAccountFacts a) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("id", a.id());
    h.put("cur", a.currency());
    h.put("avail", Long.toString(a.available()));
    h.put("seq", Long.toString(a.seq()));
    String key = Keys.accountKey(a.id());
    return hset(key, h).compose(written -> index(key, a.id()));
  }

  /**
   * Adds a restored account to its shard's index (which a first listing then marks complete), and a
   * region's clearing account to the shard's list of those too, as the scripts do (lib.lua).
   */
  private Future<Void> index(String accountKey, String accountId) {
    String index = Keys.accountIndex(accountKey);
    Future<Response> indexed = send(index, Request.cmd(Command.SADD).arg(index).arg(accountId));
    if (!SystemAccount.isRegionAccountId(accountId)) {
      return indexed.mapEmpty();
    }
    String regions = Keys.regionAccounts(accountKey);
    return indexed.compose(done -> send(regions, Request.cmd(Command.SADD).arg(regions).arg(accountId))).mapEmpty();
  }

  @Override
  public Future<Void> restoreCreditFromRegion(ShardId shard, String movementId, long lifetimeMs) {
    String marker = Keys.creditDecision(shard, movementId);
    return hset(marker, Map.of("outcome", new JsonObject().put("code", "OK").put("id", movementId).encode()))
      .compose(written -> send(marker, Request.cmd(Command.PEXPIRE).arg(marker).arg(lifetimeMs))).mapEmpty();
  }

  /** The record saga_debit.lua writes, with what else the saga keeps about it (see the interface). */
  @Override
  public Future<Void> restorePendingMovement(PendingMovementFacts m) {
    ShardId source = Keys.shardOfId(m.id());
    Map<String, String> record = new LinkedHashMap<>();
    record.put("id", m.id());
    record.put("kind", m.kind());
    record.put("from", m.from());
    record.put("to", m.to());
    record.put("amt", Long.toString(m.amount()));
    record.put("fee", m.fee());
    record.put("cur", m.currency());
    record.put("state", "pending");
    record.put("created", Long.toString(m.createdAtMs()));
    record.put("idem", m.idempotencyScope());
    record.put("pay", m.payment());
    record.put("ref", m.reference());
    record.put("lim", m.limits());
    record.put("out", "1");
    if (!m.authorization().isEmpty()) {
      record.put("auth", m.authorization()); // a capture's: its reversal gives back the amount, not the count
    }
    String pending = pendingSets.setFor(source, new WalletId(m.to()).shard());
    List<Future<?>> writes = new ArrayList<>(List.of(
      hset(Keys.movement(source, m.id()), record),
      hset(m.idempotencyScope(), Map.of("rh", RESTORED_REQUEST_HASH, "state", "pending",
        "outcome", pendingOutcome(m).encode()))));
    if (m.credited()) {
      writes.add(hset(Keys.creditDecision(new WalletId(m.to()).shard(), m.id()),
        Map.of("outcome", new JsonObject().put("code", "OK").put("id", m.id()).encode())));
    }
    if (MovementKind.SWEEP.wire().equals(m.kind())) {
      // listed at its source as saga_debit.lua lists it, so a hot merchant's total counts it while in transit
      writes.add(hset(Keys.sweepsSent(new WalletId(m.from())), Map.of(m.id(), m.amount() + " " + m.to())));
    }
    // listed for the sweeper last: one that found it listed before its credit decision was restored
    // would ask the destination to credit it again
    return Future.all(writes)
      .compose(written -> send(pending, Request.cmd(Command.ZADD).arg(pending).arg(m.createdAtMs()).arg(m.id())))
      .mapEmpty();
  }

  /**
   * The outcome saga_debit.lua records under the movement's key, which answers a retry while it is in
   * flight: a refund's names its payment, as its view needs (until 2026-12-07 it named none, and such a
   * retry after a rebuild failed, 500 at the edge), and a payment's its order reference.
   */
  private static JsonObject pendingOutcome(PendingMovementFacts m) {
    JsonObject outcome = new JsonObject().put("code", "PENDING").put("id", m.id()).put("kind", m.kind())
      .put("status", "pending").put("fromWalletId", m.from()).put("toWalletId", m.to())
      .put("amount", Long.toString(m.amount())).put("fee", m.fee()).put("currency", m.currency())
      .put("createdAt", m.createdAtMs());
    if (!m.payment().isEmpty()) {
      outcome.put("paymentId", m.payment());
    }
    if (!m.reference().isEmpty()) {
      outcome.put("reference", m.reference());
    }
    return outcome;
  }

  @Override
  public Future<Void> restoreOutgoing(WalletId wallet, long movements) {
    return hset(Keys.wallet(wallet), Map.of("outgoing", Long.toString(movements)));
  }

  @Override
  public Future<Void> replicated(ShardId shard) {
    return runner.replicated(Keys.replicationMarker(shard));
  }

  /** Set rather than carried forward: the rebuild writes an empty hot tier, and lib.lua takes the later of it and TIME. */
  @Override
  public Future<Void> restoreClock(ShardId shard, long latestMs) {
    String clock = Keys.shardClock(shard);
    return send(clock, Request.cmd(Command.SET).arg(clock).arg(Long.toString(latestMs))).mapEmpty();
  }

  /** The record hold.lua writes. */
  @Override
  public Future<Void> restoreHold(HoldFacts h) {
    return hset(Keys.hold(new HoldId(h.id())), holdRecord(h));
  }

  @Override
  public Future<Void> restoreAuthorization(HoldFacts h, AuthorizationFacts a) {
    HoldId id = new HoldId(h.id());
    Map<String, String> record = holdRecord(h);
    record.put("to", a.merchant());
    record.put("exp", Long.toString(a.expiresAtMs()));
    record.put("auth", Long.toString(a.authorized()));
    record.put("captured", Long.toString(a.captured()));
    String expiries = Keys.holdExpiries(id.shard());
    return hset(Keys.hold(id), record).compose(written -> runner.send(expiries,
      Request.cmd(Command.ZADD).arg(expiries).arg(a.expiresAtMs()).arg(h.id()))).mapEmpty();
  }

  /** The fields hold.lua writes for every hold. */
  private static Map<String, String> holdRecord(HoldFacts h) {
    Map<String, String> record = new LinkedHashMap<>();
    record.put("id", h.id());
    record.put("wallet", h.wallet());
    record.put("amt", Long.toString(h.amount()));
    record.put("cur", h.currency());
    record.put("state", "active");
    record.put("ref", h.reference());
    record.put("created", Long.toString(h.createdAtMs()));
    h.limits().ifPresent(limits -> record.put("lim", limits));
    return record;
  }

  @Override
  public Future<Boolean> retireIdempotencyScope(String scope, long retentionLeftMs) {
    return send(scope, Request.cmd(Command.HSETNX).arg(scope).arg("rh").arg(RESTORED_REQUEST_HASH))
      .compose(created -> created.toInteger() == 1 ? Future.succeededFuture(true) : retiredPartly(scope))
      .compose(ours -> !ours ? Future.succeededFuture(false)
        : hset(scope, Map.of("state", "done", "outcome", "{\"code\":\"IDEMPOTENCY_KEY_REUSED\"}"))
          .compose(set -> send(scope, Request.cmd(Command.PEXPIRE).arg(scope).arg(Math.max(1, retentionLeftMs))))
          .map(true));
  }

  /**
   * Whether a scope holds only the first write of its retirement: an attempt whose reply was lost
   * (and {@link #send} sent it again), or one that failed after it. No request writes a record
   * without its state.
   */
  private Future<Boolean> retiredPartly(String scope) {
    return send(scope, Request.cmd(Command.HMGET).arg(scope).arg("rh").arg("state"))
      .map(fields -> fields.get(0) != null && RESTORED_REQUEST_HASH.equals(fields.get(0).toString())
        && fields.get(1) == null);
  }

  @Override
  public Future<Void> restoreLimitCounter(LimitCounterFacts c) {
    if (!Keys.isLimitCounter(c.key())) {
      return Future.failedFuture(new IllegalArgumentException("not a limit counter's key: " + c.key()));
    }
    return hset(c.key(), Map.of("amt", Long.toString(c.amount()), "cnt", Long.toString(c.count())))
      .compose(written -> send(c.key(), Request.cmd(Command.PEXPIREAT).arg(c.key()).arg(c.windowEndsAtMs())))
      .mapEmpty();
  }

  private Future<Response> send(String key, Request request) {
    return runner.send(key, request, BACKGROUND_TIMEOUT_MS);
  }

  private Future<Void> hset(String key, Map<String, String> fields) {
    Request request = Request.cmd(Command.HSET).arg(key);
    fields.forEach((field, value) -> request.arg(field).arg(value));
    return send(key, request).mapEmpty();
  }
}
