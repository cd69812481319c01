package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.Instrument;
import dev.wallet.ledger.DatabaseOutage;
import dev.wallet.balancecache.async.Deadline;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The edge's tables (schema "edge", migrations in db/edge) and every statement on them, in one
 * place. A state change is one conditional UPDATE (only from the states it may come from), so two
 * instances, or a webhook and the reconciler, can race on one row and exactly one of them moves it.
 */
final class FundsStore {

  /** SQLSTATE unique_violation: the row was already there. */
  static final String DUPLICATE = "23505";
  /** A statement (or a transaction) that takes longer counts as an outage: 503, and the caller may retry. */
  static final long TIMEOUT_MS = 2_000;

  private static final String INSERT_EVENT = """
    INSERT INTO edge.gateway_events (gateway, event_id, type, reference, body) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (gateway, event_id) DO NOTHING""";

  private static final String KEY_HOLDER =
    "SELECT movement FROM edge.gateway_keys WHERE idem_scope = $1 AND idem_key = $2";

  private static final String FEED_POSITION = "SELECT after_id FROM edge.gateway_feed_positions WHERE gateway = $1";
  private static final String SAVE_FEED_POSITION = """
    INSERT INTO edge.gateway_feed_positions (gateway, after_id) VALUES ($1, $2)
    ON CONFLICT (gateway) DO UPDATE SET after_id = EXCLUDED.after_id, updated_at = now()""";

  private final Vertx vertx;
  private final Pool pool;

  FundsStore(Vertx vertx, Pool pool) {
    this.vertx = vertx;
    this.pool = pool;
  }

  /** A stored request and the hash of the body that created it, to tell a replay from a reused key. */
  record Stored<T>(T value, String requestHash) {
  }

  /**
   * One table of movements and its statements. Deposits and withdrawals keep a table each (their
   * columns and triggers differ in a few names), and every statement is the same for both, written
   * once here with those names filled in.
   */
  static final class Table<M extends GatewayMovement> {

    private final String noun;
    private final List<? extends MovementStatus> states;
    private final Function<Row, M> reader;
    private final String insert;
    private final String byId;
    private final String byKey;
    private final String move;
    private final String claimStale;
    private final String anyOfWallet;

    /** {@code instrument}: the prefix of its _type and _account columns; {@code hold}: the column of its hold. */
    private Table(String noun, List<? extends MovementStatus> states, String instrument, String hold,
                  Function<Row, M> reader) {
      String name = noun + "s";
      this.noun = noun;
      this.states = List.copyOf(states);
      this.reader = reader;
      this.insert = """
        INSERT INTO edge.%1$s (id, wallet_id, owner_id, amount, currency, %2$s_type, %2$s_account, gateway,
                               status, failure_reason, idem_scope, idem_key, request_hash)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        ON CONFLICT (idem_scope, idem_key) DO NOTHING
        RETURNING *""".formatted(name, instrument);
      this.byId = "SELECT * FROM edge.%s WHERE id = $1".formatted(name);
      this.byKey = "SELECT * FROM edge.%s WHERE idem_scope = $1 AND idem_key = $2".formatted(name);
      this.move = """
        UPDATE edge.%1$s SET status = $2, gateway_ref = COALESCE($3, gateway_ref),
                             failure_reason = COALESCE($4, failure_reason),
                             %2$s = COALESCE($5, %2$s), reversal_learnt = COALESCE($7, reversal_learnt),
                             updated_at = now()
        WHERE id = $1 AND status = ANY($6) AND reversal_learnt IS NOT DISTINCT FROM $8
          AND (NOT $9 OR gateway_ref IS NULL)
        RETURNING *""".formatted(name, hold);
      this.claimStale = """
        UPDATE edge.%1$s SET updated_at = now()
        WHERE id IN (SELECT id FROM edge.%1$s
                     WHERE status = ANY($1) AND updated_at < now() - make_interval(secs => $2)
                     ORDER BY updated_at LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING *""".formatted(name);
      this.anyOfWallet = "SELECT EXISTS (SELECT 1 FROM edge.%s WHERE wallet_id = $1 AND status = ANY($2)) AS found"
        .formatted(name);
    }

    /** "deposit" or "withdrawal": in logs, metric names and request hashes. */
    String noun() {
      return noun;
    }

    /** Every state its status column may hold. */
    List<? extends MovementStatus> states() {
      return states;
    }
  }

  static final Table<Deposit> DEPOSITS =
    new Table<>("deposit", List.of(Deposit.Status.values()), "source", "reversal_hold", FundsStore::deposit);
  static final Table<Withdrawal> WITHDRAWALS =
    new Table<>("withdrawal", List.of(Withdrawal.Status.values()), "destination", "hold_id", FundsStore::withdrawal);

  // ------------------------------------------------------------------ movements

  /**
   * Empty when the idempotency key started a movement already: one of this table (its ON CONFLICT), or
   * of the other, whose key the insert's trigger finds taken in edge.gateway_keys (23505; V5).
   */
  <M extends GatewayMovement> Future<Optional<M>> insert(Table<M> table, M m, IdempotencyKey key,
                                                         String requestHash) {
    Tuple args = Tuple.tuple().addString(m.id()).addString(m.wallet().value()).addString(m.ownerId())
      .addLong(m.amount().minor()).addString(m.amount().currencyCode()).addString(m.instrument().type())
      .addString(m.instrument().account().orElse(null)).addString(m.gateway()).addString(m.status().column())
      .addString(m.failureReason().orElse(null)).addString(key.scope()).addString(key.key()).addString(requestHash);
    return one(pool, table.insert, args, table.reader)
      .recover(failure -> isDuplicate(failure) ? Future.succeededFuture(Optional.empty()) : Future.failedFuture(failure));
  }

  <M extends GatewayMovement> Future<Optional<M>> byId(Table<M> table, String id) {
    return byId(pool, table, id);
  }

  /** Read through {@code client}: inside a transaction, its own connection rather than a second one. */
  <M extends GatewayMovement> Future<Optional<M>> byId(SqlClient client, Table<M> table, String id) {
    return one(client, table.byId, Tuple.of(id), table.reader);
  }

  <M extends GatewayMovement> Future<Optional<Stored<M>>> byKey(Table<M> table, IdempotencyKey key) {
    return one(pool, table.byKey, Tuple.of(key.scope(), key.key()),
      row -> new Stored<>(table.reader.apply(row), row.getString("request_hash")));
  }

  /** Which kind of movement ("deposit", "withdrawal": its table's noun) {@code key} started; empty when none. */
  Future<Optional<String>> keyHolder(IdempotencyKey key) {
    return one(pool, KEY_HOLDER, Tuple.of(key.scope(), key.key()), row -> row.getString("movement"));
  }

  /**
   * Empty when someone else moved the row: it is no longer in one of the {@code from} states, or a
   * reversal was learnt for it since {@code m} was read (whoever moves it must know that).
   */
  <M extends GatewayMovement> Future<Optional<M>> move(SqlClient client, Table<M> table, M m,
                                                       Collection<MovementStatus> from, MovementStatus to,
                                                       Changes changes) {
    return move(client, table, m, from, to, changes, false);
  }

  /**
   * The same, for a movement the gateway has not acknowledged: a row another process recorded the
   * gateway's reference on meanwhile is not moved (a deposit waits in one state either way).
   */
  <M extends GatewayMovement> Future<Optional<M>> moveUnacknowledged(SqlClient client, Table<M> table, M m,
                                                                     MovementStatus from, MovementStatus to,
                                                                     Changes changes) {
    return move(client, table, m, List.of(from), to, changes, true);
  }

  private <M extends GatewayMovement> Future<Optional<M>> move(SqlClient client, Table<M> table, M m,
                                                               Collection<MovementStatus> from, MovementStatus to,
                                                               Changes changes, boolean unacknowledgedOnly) {
    Tuple args = Tuple.of(m.id(), to.column(), changes.gatewayRef().orElse(null),
      changes.failureReason().orElse(null), changes.hold().map(HoldId::value).orElse(null), columns(from))
      .addString(changes.reversalLearnt().orElse(null)).addString(m.reversalLearnt().orElse(null))
      .addBoolean(unacknowledgedOnly);
    return one(client, table.move, args, table.reader);
  }

  /** Rows in {@code states} unchanged for {@code staleAfterMs}, leased to the caller by bumping updated_at. */
  <M extends GatewayMovement> Future<List<M>> claimStale(Table<M> table, Collection<MovementStatus> states,
                                                         long staleAfterMs, int limit) {
    return all(table.claimStale, Tuple.of(columns(states), staleAfterMs / 1000.0, limit), table.reader);
  }

  /** Whether a movement of {@code wallet} is in one of {@code states}. */
  <M extends GatewayMovement> Future<Boolean> anyOfWallet(Table<M> table, WalletId wallet,
                                                          Collection<MovementStatus> states) {
    return guarded(pool.preparedQuery(table.anyOfWallet).execute(Tuple.tuple().addString(wallet.value())
        .addArrayOfString(columns(states))))
      .map(rows -> rows.iterator().next().getBoolean("found"));
  }

  /**
   * When the oldest movement of {@code gateway} in {@code states} was asked for; empty when none is.
   * The states are written into the statement (they are the code's own names, not input), so that it
   * reads the table's partial index of unsettled rows, not the whole table.
   */
  <M extends GatewayMovement> Future<Optional<Instant>> oldestAskedFor(Table<M> table, String gateway,
                                                                      Collection<MovementStatus> states) {
    String sql = "SELECT min(created_at) AS oldest FROM edge.%ss WHERE gateway = $1 AND status IN (%s)"
      .formatted(table.noun(), states.stream().map(state -> "'" + state.column() + "'").sorted()
        .collect(Collectors.joining(", ")));
    return one(pool, sql, Tuple.of(gateway), row -> Optional.ofNullable(row.getOffsetDateTime("oldest")))
      .map(oldest -> oldest.flatMap(found -> found).map(OffsetDateTime::toInstant));
  }

  private static String[] columns(Collection<MovementStatus> states) {
    return states.stream().map(MovementStatus::column).toArray(String[]::new);
  }

  // ------------------------------------------------------------------ gateway events

  /** True when the event is new; false when this gateway's event id was recorded before. */
  Future<Boolean> record(SqlConnection conn, String gateway, GatewayEvent event, String body) {
    return conn.preparedQuery(INSERT_EVENT)
      .execute(Tuple.of(gateway, event.id(), event.type().wire(), event.reference(), body))
      .map(inserted -> inserted.rowCount() == 1);
  }

  /** The id of the last event read from the gateway's feed; empty before its first. */
  Future<Optional<String>> feedPosition(String gateway) {
    return one(pool, FEED_POSITION, Tuple.of(gateway), row -> row.getString("after_id"));
  }

  Future<Void> saveFeedPosition(String gateway, String afterId) {
    return guarded(pool.preparedQuery(SAVE_FEED_POSITION).execute(Tuple.of(gateway, afterId))).mapEmpty();
  }

  <T> Future<T> inTransaction(Function<SqlConnection, Future<T>> work) {
    return guarded(pool.withTransaction(work));
  }

  /**
   * An answer in time, or a {@link StoreUnavailableException}. The database's own answer (an
   * error that is not an {@link DatabaseOutage}) is left as it is: that is a refusal or a bug.
   */
  private <T> Future<T> guarded(Future<T> call) {
    return Deadline.within(vertx, call, TIMEOUT_MS).recover(failure -> Future.failedFuture(
      !DatabaseOutage.is(failure) || failure instanceof StoreUnavailableException ? failure
        : new StoreUnavailableException("PostgreSQL did not answer: " + failure, failure)));
  }

  SqlClient client() {
    return pool;
  }

  static boolean isDuplicate(Throwable failure) {
    return failure instanceof PgException pg && DUPLICATE.equals(pg.getSqlState());
  }

  // ------------------------------------------------------------------ rows

  private <T> Future<Optional<T>> one(SqlClient client, String sql, Tuple args, Function<Row, T> mapper) {
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
      money(row), instrument(row, "source"), row.getString("gateway"),
      MovementStatus.fromColumn(Deposit.Status.class, row.getString("status")), text(row, "gateway_ref"),
      text(row, "failure_reason"), text(row, "reversal_learnt"), text(row, "reversal_hold").map(HoldId::new),
      row.getOffsetDateTime("created_at").toInstant());
  }

  private static Withdrawal withdrawal(Row row) {
    return new Withdrawal(row.getString("id"), new WalletId(row.getString("wallet_id")), row.getString("owner_id"),
      money(row), instrument(row, "destination"), row.getString("gateway"),
      MovementStatus.fromColumn(Withdrawal.Status.class, row.getString("status")),
      text(row, "hold_id").map(HoldId::new), text(row, "gateway_ref"), text(row, "failure_reason"),
      text(row, "reversal_learnt"), row.getOffsetDateTime("created_at").toInstant());
  }

  private static Instrument instrument(Row row, String prefix) {
    return new Instrument(row.getString(prefix + "_type"), text(row, prefix + "_account"));
  }

  private static Optional<String> text(Row row, String column) {
    return Optional.ofNullable(row.getString(column));
  }

  private static Money money(Row row) {
    return new Money(row.getLong("amount"), Currencies.parse(row.getString("currency").trim()));
  }
}
