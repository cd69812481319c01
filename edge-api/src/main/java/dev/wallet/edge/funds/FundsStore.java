package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.Instrument;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The edge's tables (schema "edge", migrations in db/edge) and every statement on them, in one place. A state change is one
 * conditional UPDATE (only from the states it may come from), so two instances, or a webhook and
 * the reconciler, can race on one row and exactly one of them moves it.
 */
final class FundsStore {

  /** SQLSTATE unique_violation: the row was already there. */
  static final String DUPLICATE = "23505";
  /** A statement (or a transaction) that takes longer counts as an outage: 503, and the caller may retry. */
  static final long TIMEOUT_MS = 2_000;

  private static final String INSERT_DEPOSIT = """
    INSERT INTO edge.deposits (id, wallet_id, owner_id, amount, currency, source_type, source_account, gateway,
                               status, idem_scope, idem_key, request_hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11)
    ON CONFLICT (idem_scope, idem_key) DO NOTHING
    RETURNING *""";
  private static final String DEPOSIT_BY_ID = "SELECT * FROM edge.deposits WHERE id = $1";
  private static final String DEPOSIT_BY_KEY = "SELECT * FROM edge.deposits WHERE idem_scope = $1 AND idem_key = $2";
  private static final String MOVE_DEPOSIT = """
    UPDATE edge.deposits SET status = $2, gateway_ref = COALESCE($3, gateway_ref),
                             failure_reason = COALESCE($4, failure_reason),
                             reversal_hold = COALESCE($5, reversal_hold), updated_at = now()
    WHERE id = $1 AND status = ANY($6)
    RETURNING *""";
  private static final String CLAIM_DEPOSITS = """
    UPDATE edge.deposits SET updated_at = now()
    WHERE id IN (SELECT id FROM edge.deposits
                 WHERE status = ANY($1) AND updated_at < now() - make_interval(secs => $2)
                 ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)
    RETURNING *""";

  private static final String INSERT_WITHDRAWAL = """
    INSERT INTO edge.withdrawals (id, wallet_id, owner_id, amount, currency, destination_type, destination_account,
                                  gateway, status, idem_scope, idem_key, request_hash)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'holding', $9, $10, $11)
    ON CONFLICT (idem_scope, idem_key) DO NOTHING
    RETURNING *""";
  private static final String WITHDRAWAL_BY_ID = "SELECT * FROM edge.withdrawals WHERE id = $1";
  private static final String WITHDRAWAL_BY_KEY =
    "SELECT * FROM edge.withdrawals WHERE idem_scope = $1 AND idem_key = $2";
  private static final String MOVE_WITHDRAWAL = """
    UPDATE edge.withdrawals SET status = $2, gateway_ref = COALESCE($3, gateway_ref),
                                failure_reason = COALESCE($4, failure_reason),
                                hold_id = COALESCE($5, hold_id), updated_at = now()
    WHERE id = $1 AND status = ANY($6)
    RETURNING *""";
  private static final String CLAIM_WITHDRAWALS = """
    UPDATE edge.withdrawals SET updated_at = now()
    WHERE id IN (SELECT id FROM edge.withdrawals
                 WHERE status = ANY($1) AND updated_at < now() - make_interval(secs => $2)
                 ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)
    RETURNING *""";

  private static final String INSERT_EVENT = """
    INSERT INTO edge.gateway_events (gateway, event_id, type, reference, body) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (gateway, event_id) DO NOTHING""";

  private final Pool pool;

  FundsStore(Pool pool) {
    this.pool = pool;
  }

  /** A stored request and the hash of the body that created it, to tell a replay from a reused key. */
  record Stored<T>(T value, String requestHash) {
  }

  // ------------------------------------------------------------------ deposits

  /** Empty when a deposit with the same idempotency key exists already. */
  Future<Optional<Deposit>> insert(Deposit d, IdempotencyKey key, String requestHash) {
    Tuple args = Tuple.tuple().addString(d.id()).addString(d.wallet().value()).addString(d.ownerId())
      .addLong(d.amount().minor()).addString(d.amount().currencyCode()).addString(d.source().type())
      .addString(d.source().account().orElse(null)).addString(d.gateway()).addString(key.scope())
      .addString(key.key()).addString(requestHash);
    return one(pool, INSERT_DEPOSIT, args, FundsStore::deposit);
  }

  Future<Optional<Deposit>> deposit(String id) {
    return one(pool, DEPOSIT_BY_ID, Tuple.of(id), FundsStore::deposit);
  }

  Future<Optional<Stored<Deposit>>> deposit(IdempotencyKey key) {
    return one(pool, DEPOSIT_BY_KEY, Tuple.of(key.scope(), key.key()),
      row -> new Stored<>(deposit(row), row.getString("request_hash")));
  }

  Future<Optional<Deposit>> move(SqlClient client, Deposit d, Collection<Deposit.Status> from, Deposit.Status to,
                                 Changes changes) {
    Tuple args = Tuple.of(d.id(), to.column(), changes.gatewayRef().orElse(null),
      changes.failureReason().orElse(null), changes.hold().map(HoldId::value).orElse(null),
      from.stream().map(Deposit.Status::column).toArray(String[]::new));
    return one(client, MOVE_DEPOSIT, args, FundsStore::deposit);
  }

  Future<List<Deposit>> claimStaleDeposits(Collection<Deposit.Status> states, long staleAfterMs, int limit) {
    Tuple args = Tuple.of(states.stream().map(Deposit.Status::column).toArray(String[]::new), staleAfterMs / 1000.0,
      limit);
    return all(CLAIM_DEPOSITS, args, FundsStore::deposit);
  }

  // ------------------------------------------------------------------ withdrawals

  Future<Optional<Withdrawal>> insert(Withdrawal w, IdempotencyKey key, String requestHash) {
    Tuple args = Tuple.tuple().addString(w.id()).addString(w.wallet().value()).addString(w.ownerId())
      .addLong(w.amount().minor()).addString(w.amount().currencyCode()).addString(w.destination().type())
      .addString(w.destination().account().orElse("")).addString(w.gateway()).addString(key.scope())
      .addString(key.key()).addString(requestHash);
    return one(pool, INSERT_WITHDRAWAL, args, FundsStore::withdrawal);
  }

  Future<Optional<Withdrawal>> withdrawal(String id) {
    return one(pool, WITHDRAWAL_BY_ID, Tuple.of(id), FundsStore::withdrawal);
  }

  Future<Optional<Stored<Withdrawal>>> withdrawal(IdempotencyKey key) {
    return one(pool, WITHDRAWAL_BY_KEY, Tuple.of(key.scope(), key.key()),
      row -> new Stored<>(withdrawal(row), row.getString("request_hash")));
  }

  Future<Optional<Withdrawal>> move(SqlClient client, Withdrawal w, Collection<Withdrawal.Status> from,
                                    Withdrawal.Status to, Changes changes) {
    Tuple args = Tuple.of(w.id(), to.column(), changes.gatewayRef().orElse(null),
      changes.failureReason().orElse(null), changes.hold().map(HoldId::value).orElse(null),
      from.stream().map(Withdrawal.Status::column).toArray(String[]::new));
    return one(client, MOVE_WITHDRAWAL, args, FundsStore::withdrawal);
  }

  Future<List<Withdrawal>> claimStaleWithdrawals(Collection<Withdrawal.Status> states, long staleAfterMs, int limit) {
    Tuple args = Tuple.of(states.stream().map(Withdrawal.Status::column).toArray(String[]::new),
      staleAfterMs / 1000.0, limit);
    return all(CLAIM_WITHDRAWALS, args, FundsStore::withdrawal);
  }

  // ------------------------------------------------------------------ gateway events

  /** True when the event is new; false when this gateway's event id was recorded before. */
  Future<Boolean> record(SqlConnection conn, String gateway, GatewayEvent event, String body) {
    return conn.preparedQuery(INSERT_EVENT)
      .execute(Tuple.of(gateway, event.id(), event.type().wire(), event.reference(), body))
      .map(inserted -> inserted.rowCount() == 1);
  }

  <T> Future<T> inTransaction(Function<SqlConnection, Future<T>> work) {
    return guarded(pool.withTransaction(work));
  }

  /**
   * An answer in time, or a {@link StoreUnavailableException}. A DatabaseException (the database
   * answered with an error) is left as it is: that is a bug, not an outage.
   */
  private static <T> Future<T> guarded(Future<T> call) {
    return call.timeout(TIMEOUT_MS, TimeUnit.MILLISECONDS).recover(failure -> Future.failedFuture(
      failure instanceof DatabaseException || failure instanceof StoreUnavailableException ? failure
        : new StoreUnavailableException("PostgreSQL did not answer: " + failure, failure)));
  }

  SqlClient client() {
    return pool;
  }

  static boolean isDuplicate(Throwable failure) {
    return failure instanceof PgException pg && DUPLICATE.equals(pg.getSqlState());
  }

  // ------------------------------------------------------------------ rows

  private static <T> Future<Optional<T>> one(SqlClient client, String sql, Tuple args, Function<Row, T> mapper) {
    return guarded(client.preparedQuery(sql).execute(args)).map(rows -> first(rows).map(mapper));
  }

  private <T> Future<List<T>> all(String sql, Tuple args, Function<Row, T> mapper) {
    return guarded(pool.preparedQuery(sql).execute(args)).map(rows -> {
      List<T> values = new ArrayList<>();
      rows.forEach(row -> values.add(mapper.apply(row)));
      return values;
    });
  }

  private static Optional<Row> first(RowSet<Row> rows) {
    return rows.iterator().hasNext() ? Optional.of(rows.iterator().next()) : Optional.empty();
  }

  private static Deposit deposit(Row row) {
    return new Deposit(row.getString("id"), new WalletId(row.getString("wallet_id")), row.getString("owner_id"),
      money(row), new Instrument(row.getString("source_type"), Optional.ofNullable(row.getString("source_account"))),
      row.getString("gateway"), Deposit.Status.fromColumn(row.getString("status")),
      Optional.ofNullable(row.getString("gateway_ref")), Optional.ofNullable(row.getString("failure_reason")),
      Optional.ofNullable(row.getString("reversal_hold")).map(HoldId::new),
      row.getOffsetDateTime("created_at").toInstant());
  }

  private static Withdrawal withdrawal(Row row) {
    return new Withdrawal(row.getString("id"), new WalletId(row.getString("wallet_id")), row.getString("owner_id"),
      money(row), new Instrument(row.getString("destination_type"),
        Optional.of(row.getString("destination_account"))), row.getString("gateway"),
      Withdrawal.Status.fromColumn(row.getString("status")), Optional.ofNullable(row.getString("hold_id"))
        .map(HoldId::new), Optional.ofNullable(row.getString("gateway_ref")),
      Optional.ofNullable(row.getString("failure_reason")), row.getOffsetDateTime("created_at").toInstant());
  }

  private static Money money(Row row) {
    return new Money(row.getLong("amount"), Currencies.parse(row.getString("currency").trim()));
  }
}
