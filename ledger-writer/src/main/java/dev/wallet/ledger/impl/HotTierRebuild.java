package dev.wallet.ledger.impl;

import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.RebuildReport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Restores the Redis hot tier from the ledger after a disaster: every account with its balances
 * and sequence (wallets with owner, currency, type and status), every cross-shard transfer the
 * ledger shows debited and not finished (record, pending set, and the destination's decision when
 * it already credited, so the sweeper finishes it without crediting twice), every active hold,
 * and an idempotency record for every posting a client may still retry (marked as rebuilt, so a
 * retry is refused rather than applied a second time). Run with the edge and the writers stopped.
 * Refuses to write over a hot tier that still holds any of these wallets.
 */
public final class HotTierRebuild {

  static final String REBUILT_REQUEST_HASH = "rebuilt-from-ledger";

  private final Pool pool;
  private final HotTier redis;
  private final long idempotencyRetentionMs;

  HotTierRebuild(Pool pool, HotTier redis, long idempotencyRetentionMs) {
    this.pool = pool;
    this.redis = redis;
    this.idempotencyRetentionMs = idempotencyRetentionMs;
  }

  /** Connects, rebuilds, disconnects. */
  public static Future<RebuildReport> run(Vertx vertx, List<String> redisEndpoints, LedgerDatabase database,
                                          long idempotencyRetentionMs) {
    Pool pool = StreamLedgerWriter.pool(vertx, database);
    return HotTier.connect(vertx, redisEndpoints)
      .compose(redis -> new HotTierRebuild(pool, redis, idempotencyRetentionMs).rebuild()
        .eventually(() -> redis.close()))
      .eventually(() -> pool.close());
  }

  Future<RebuildReport> rebuild() {
    Map<String, Long> counts = new LinkedHashMap<>();
    return query(SqlQueries.ACCOUNTS)
      .compose(accounts -> refuseLiveWallets(accounts).map(accounts))
      .compose(accounts -> accounts(accounts, counts))
      .compose(done -> query(SqlQueries.OPEN_MOVEMENTS))
      .compose(transfers -> transfers(transfers, counts))
      .compose(done -> query(SqlQueries.OPEN_HOLDS))
      .compose(holds -> holds(holds, counts))
      .compose(done -> query(SqlQueries.OPEN_AUTHORIZATIONS))
      .compose(authorizations -> authorizations(authorizations, counts))
      .compose(done -> pool.preparedQuery(SqlQueries.RECENT_SCOPES).execute(Tuple.of(
        Instant.now().minusMillis(idempotencyRetentionMs).atOffset(ZoneOffset.UTC))))
      .compose(scopes -> idempotencyRecords(scopes, counts))
      .map(done -> new RebuildReport(counts.getOrDefault("wallets", 0L), counts.getOrDefault("system", 0L),
        counts.getOrDefault("transfers", 0L), counts.getOrDefault("decisions", 0L), counts.getOrDefault("holds", 0L),
        counts.getOrDefault("idempotency", 0L)));
  }

  private Future<RowSet<Row>> query(String sql) {
    return pool.query(sql).execute();
  }

  private Future<Void> refuseLiveWallets(RowSet<Row> accounts) {
    List<Future<Long>> exists = new ArrayList<>();
    for (Row a : accounts) {
      if (a.getString("kind").equals("wallet")) {
        exists.add(redis.on(redis.commands().exists(HotTierKeys.wallet(a.getString("id"), a.getString("shard")))));
      }
    }
    return Future.all(exists).compose(done -> {
      long live = exists.stream().mapToLong(Future::result).sum();
      return live == 0 ? Future.succeededFuture() : Future.failedFuture(new IllegalStateException(
        "Redis still holds " + live + " of the ledger's wallets; a rebuild only fills an empty hot tier"));
    });
  }

  // ------------------------------------------------------------------ accounts

  private Future<Void> accounts(RowSet<Row> accounts, Map<String, Long> counts) {
    return Future.all(query(SqlQueries.ACCOUNT_STATES), query(SqlQueries.ACCOUNT_STATUSES)).compose(both -> {
      Map<String, Row> states = byAccount(both.resultAt(0));
      Map<String, Row> statuses = byAccount(both.resultAt(1));
      List<Future<Long>> writes = new ArrayList<>();
      for (Row a : accounts) {
        boolean wallet = a.getString("kind").equals("wallet");
        Map<String, String> hash = wallet ? walletHash(a, states.get(a.getString("id")), statuses.get(a.getString("id")))
          : systemHash(a, states.get(a.getString("id")));
        if (hash.isEmpty()) {
          continue;
        }
        String key = wallet ? HotTierKeys.wallet(a.getString("id"), a.getString("shard"))
          : HotTierKeys.systemAccount(a.getString("id"));
        writes.add(redis.on(redis.commands().hset(key, hash)));
        counts.merge(wallet ? "wallets" : "system", 1L, Long::sum);
      }
      return Future.all(writes).mapEmpty();
    });
  }

  private static Map<String, Row> byAccount(RowSet<Row> rows) {
    Map<String, Row> out = new HashMap<>();
    rows.forEach(r -> out.put(r.getString("account_id"), r));
    return out;
  }

  /** The fields open_wallet.lua and set_status.lua keep. */
  private static Map<String, String> walletHash(Row account, Row state, Row status) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("id", account.getString("id"));
    h.put("owner", account.getString("owner_id"));
    h.put("cur", account.getString("currency").trim());
    h.put("type", account.getString("wallet_type"));
    h.put("status", status == null ? "active" : status.getString("status"));
    h.put("avail", Long.toString(value(state, "available")));
    h.put("held", Long.toString(value(state, "held")));
    h.put("seq", Long.toString(value(state, "seq")));
    h.put("created", Long.toString(account.getOffsetDateTime("opened_at").toInstant().toEpochMilli()));
    if (status != null) {
      h.put("status_version", Long.toString(status.getLong("versions")));
    }
    return h;
  }

  /** The fields lib.lua keeps for a system account; one that never moved money does not exist in Redis. */
  private static Map<String, String> systemHash(Row account, Row state) {
    if (state == null) {
      return Map.of();
    }
    return Map.of("id", account.getString("id"), "cur", account.getString("currency").trim(),
      "avail", Long.toString(value(state, "available")), "seq", Long.toString(value(state, "seq")));
  }

  private static long value(Row row, String column) {
    return row == null || row.getLong(column) == null ? 0 : row.getLong(column);
  }

  // ------------------------------------------------------------------ sagas in flight and holds

  private Future<Void> transfers(RowSet<Row> transfers, Map<String, Long> counts) {
    List<Future<?>> writes = new ArrayList<>();
    List<String> unknownDestination = new ArrayList<>();
    for (Row t : transfers) {
      String id = t.getString("movement_id");
      if (t.getString("to_wallet") == null) {
        unknownDestination.add(id);
        continue;
      }
      writes.addAll(transfer(t));
      counts.merge("transfers", 1L, Long::sum);
      if (t.getBoolean("credited")) {
        writes.add(redis.on(redis.commands().hset(HotTierKeys.creditDecision(HotTierKeys.shardOf(t.getString("to_wallet")),
          id), "outcome", new JsonObject().put("code", "OK").put("id", id).encode())));
        counts.merge("decisions", 1L, Long::sum);
      }
    }
    if (!unknownDestination.isEmpty()) {
      return Future.failedFuture(new IllegalStateException("the ledger does not know the destination of pending "
        + "movements " + unknownDestination + "; they cannot be restored"));
    }
    return Future.all(writes).mapEmpty();
  }

  /**
   * The record saga_debit.lua writes, the pending set entry the sweeper reads, the request's
   * idempotency record, and the source wallet's count of outgoing movements (written above).
   */
  private List<Future<?>> transfer(Row t) {
    String id = t.getString("movement_id");
    long created = t.getOffsetDateTime("created_at").toInstant().toEpochMilli();
    JsonObject hot = t.getString("movement") == null ? new JsonObject() : new JsonObject(t.getString("movement"));
    Map<String, String> record = new LinkedHashMap<>();
    record.put("id", id);
    record.put("kind", t.getString("kind"));
    record.put("from", t.getString("from_wallet"));
    record.put("to", t.getString("to_wallet"));
    record.put("amt", Long.toString(t.getLong("amount")));
    record.put("fee", hot.getString("fee", "0"));
    record.put("cur", t.getString("currency").trim());
    record.put("state", "pending");
    record.put("created", Long.toString(created));
    record.put("idem", t.getString("idempotency_scope"));
    record.put("pay", hot.getString("pay", ""));
    record.put("ref", hot.getString("ref", ""));
    record.put("lim", hot.getString("lim", "[]"));
    record.put("out", "1");
    JsonObject outcome = new JsonObject().put("code", "PENDING").put("id", id).put("kind", record.get("kind"))
      .put("status", "pending").put("fromWalletId", record.get("from")).put("toWalletId", record.get("to"))
      .put("amount", record.get("amt")).put("fee", record.get("fee")).put("currency", record.get("cur"))
      .put("createdAt", created);
    return List.of(
      redis.on(redis.commands().hset(HotTierKeys.transfer(id), record)),
      redis.on(redis.commands().zadd(HotTierKeys.pendingTransfers(t.getString("shard")), created, id)),
      redis.on(redis.commands().hincrby(HotTierKeys.wallet(record.get("from"), t.getString("shard")), "outgoing", 1)),
      redis.on(redis.commands().hset(t.getString("idempotency_scope"), Map.of("rh", REBUILT_REQUEST_HASH,
        "state", "pending", "outcome", outcome.encode()))));
  }

  /** The record hold.lua writes; its id is the posting's without ".hold". */
  private Future<Void> holds(RowSet<Row> holds, Map<String, Long> counts) {
    List<Future<Long>> writes = new ArrayList<>();
    for (Row h : holds) {
      writes.add(redis.on(redis.commands().hset(HotTierKeys.hold(holdId(h)), holdRecord(h))));
      counts.merge("holds", 1L, Long::sum);
    }
    return Future.all(writes).mapEmpty();
  }

  /**
   * An open authorization: the hold's record with its merchant, expiry, amount authorized, what
   * its captures took and what it still holds, and its place in the shard's expiry set, so that
   * a capture, a void or the sweeper at expiry ends it as before. Counted with the holds.
   */
  private Future<Void> authorizations(RowSet<Row> authorizations, Map<String, Long> counts) {
    List<Future<?>> writes = new ArrayList<>();
    for (Row a : authorizations) {
      String id = holdId(a);
      JsonObject hot = new JsonObject(a.getString("movement"));
      Map<String, String> record = holdRecord(a);
      record.put("amt", Long.toString(a.getLong("held")));
      record.put("to", hot.getString("to"));
      record.put("exp", hot.getString("exp"));
      record.put("auth", Long.toString(a.getLong("amount")));
      record.put("captured", Long.toString(a.getLong("captured")));
      record.put("ref", hot.getString("ref", ""));
      writes.add(redis.on(redis.commands().hset(HotTierKeys.hold(id), record)));
      writes.add(redis.on(redis.commands().zadd(HotTierKeys.authorizationExpiries(HotTierKeys.shardOf(id)),
        Double.parseDouble(hot.getString("exp")), id)));
      counts.merge("holds", 1L, Long::sum);
    }
    return Future.all(writes).mapEmpty();
  }

  private static String holdId(Row h) {
    String postingId = h.getString("posting_id");
    return postingId.substring(0, postingId.length() - ".hold".length());
  }

  private static Map<String, String> holdRecord(Row h) {
    Map<String, String> record = new LinkedHashMap<>();
    record.put("id", holdId(h));
    record.put("wallet", h.getString("wallet"));
    record.put("amt", Long.toString(h.getLong("amount")));
    record.put("cur", h.getString("currency").trim());
    record.put("state", "active");
    record.put("ref", h.getString("reference") == null ? "" : h.getString("reference"));
    record.put("created", Long.toString(h.getOffsetDateTime("created_at").toInstant().toEpochMilli()));
    String hot = h.getString("movement");
    if (hot != null && new JsonObject(hot).containsKey("lim")) {
      record.put("lim", new JsonObject(hot).getString("lim"));
    }
    return record;
  }

  /**
   * The hot tier's records hold each request's hash, which the ledger does not: a rebuilt record
   * cannot recognise a faithful retry, so it refuses every reuse of the key (422) rather than let
   * a retry move the money a second time. Records of pending transfers were written above.
   */
  private Future<Void> idempotencyRecords(RowSet<Row> scopes, Map<String, Long> counts) {
    List<Future<?>> writes = new ArrayList<>();
    for (Row s : scopes) {
      String key = s.getString("idempotency_scope");
      long ageMs = System.currentTimeMillis() - s.getOffsetDateTime("created_at").toInstant().toEpochMilli();
      writes.add(redis.on(redis.commands().hsetnx(key, "rh", REBUILT_REQUEST_HASH))
        .compose(created -> created
          ? redis.on(redis.commands().hset(key, Map.of("state", "done", "outcome", "{\"code\":\"IDEMPOTENCY_KEY_REUSED\"}")))
            .compose(set -> redis.on(redis.commands().pexpire(key, Math.max(1, idempotencyRetentionMs - ageMs))))
          : Future.succeededFuture(false)));
      counts.merge("idempotency", 1L, Long::sum);
    }
    return Future.all(writes).mapEmpty();
  }
}
