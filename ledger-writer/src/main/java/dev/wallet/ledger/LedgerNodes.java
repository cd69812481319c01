package dev.wallet.ledger;

import dev.wallet.balancecache.model.ShardId;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A client of every database of the ledger ({@link LedgerPlacement}) and where each shard's ledger
 * is: what the ledger's readers ask. A read of one account goes to its shard's database; a read
 * across accounts asks every database and combines their answers.
 */
public final class LedgerNodes {

  private final List<SqlClient> clients;
  /** Each shard's index in {@code clients}; never written after construction, so copies share it. */
  private final int[] nodeOfShard;
  private final List<Pool> opened;

  private LedgerNodes(List<SqlClient> clients, int[] nodeOfShard, List<Pool> opened) {
    this.clients = List.copyOf(clients);
    this.nodeOfShard = nodeOfShard;
    this.opened = List.copyOf(opened);
  }

  /**
   * Over {@code clients}, one per database of {@code placement} in its order (the home database's
   * first); their owner closes them.
   */
  public static LedgerNodes over(List<? extends SqlClient> clients, LedgerPlacement placement) {
    List<LedgerDatabase> databases = placement.databases();
    if (databases.size() != clients.size()) {
      throw new IllegalArgumentException(databases.size() + " databases placed, " + clients.size() + " clients");
    }
    int[] nodeOfShard = new int[ShardId.MAX_SHARDS];
    for (LedgerPlacement.Placed p : placement.placed()) {
      int node = indexOf(databases, p.database());
      p.shards().numbers().forEach(shard -> nodeOfShard[shard] = node);
    }
    return new LedgerNodes(List.copyOf(clients), nodeOfShard, List.of());
  }

  /** One database holding every shard. */
  public static LedgerNodes single(SqlClient client) {
    return new LedgerNodes(List.of(client), new int[ShardId.MAX_SHARDS], List.of());
  }

  /**
   * Over {@code home} for the home database and a pool from {@code opener} for each other database
   * of {@code placement}; {@link #closeOpened()} closes those.
   */
  public static LedgerNodes opening(SqlClient home, LedgerPlacement placement, Function<LedgerDatabase, Pool> opener) {
    List<Pool> others = placement.databases().stream().skip(1).map(opener).toList();
    List<SqlClient> clients = new ArrayList<>(List.of(home));
    clients.addAll(others);
    LedgerNodes nodes = over(clients, placement);
    return new LedgerNodes(nodes.clients, nodes.nodeOfShard, others);
  }

  /** Closes the pools {@link #opening} opened (never the home client it was given). */
  public Future<Void> closeOpened() {
    return Future.join(opened.stream().map(Pool::close).toList()).mapEmpty();
  }

  /**
   * The same nodes with the home database's reads on {@code home} instead, e.g. a connection whose
   * transaction they should join.
   */
  public LedgerNodes withHome(SqlClient home) {
    List<SqlClient> replaced = new ArrayList<>(clients);
    replaced.set(0, home);
    return new LedgerNodes(replaced, nodeOfShard, List.of());
  }

  /** The home database: what is not a shard's (halts, reconciliation runs). */
  public SqlClient home() {
    return clients.get(0);
  }

  public List<SqlClient> all() {
    return clients;
  }

  public int size() {
    return clients.size();
  }

  public SqlClient ofShard(ShardId shard) {
    return clients.get(nodeOfShard[shard.number()]);
  }

  /**
   * The database of a ledger account: a wallet's or stripe's id, or a system account's
   * (fees:USD:s0042). An id that names no shard (the wallet makes none) is the home database's.
   */
  public SqlClient ofAccount(String accountId) {
    return clients.size() == 1 ? home() : shardOfAccount(accountId).map(this::ofShard).orElse(home());
  }

  /** {@code items} by the database of their account, in their order within each; databases holding none are left out. */
  public <T> Map<SqlClient, List<T>> byNode(List<T> items, Function<T, String> accountId) {
    Map<SqlClient, List<T>> grouped = new LinkedHashMap<>();
    for (T item : items) {
      grouped.computeIfAbsent(ofAccount(accountId.apply(item)), node -> new ArrayList<>()).add(item);
    }
    return grouped;
  }

  /** The rows of a prepared statement run on every database, the home database's first. */
  public Future<List<Row>> everywhere(String sql, Tuple args) {
    return collect(clients.stream().map(client -> client.preparedQuery(sql).execute(args)
      .map(LedgerNodes::rows)).toList());
  }

  /** The rows of a plain query run on every database, the home database's first. */
  public Future<List<Row>> everywhere(String sql) {
    return collect(clients.stream().map(client -> client.query(sql).execute().map(LedgerNodes::rows)).toList());
  }

  /** Each future's rows, in order, once all have them; the first failure otherwise. */
  public static Future<List<Row>> collect(List<Future<List<Row>>> parts) {
    return Future.all(parts).map(done -> {
      List<Row> all = new ArrayList<>();
      parts.forEach(part -> all.addAll(part.result()));
      return all;
    });
  }

  public static List<Row> rows(Iterable<Row> rows) {
    List<Row> list = new ArrayList<>();
    rows.forEach(list::add);
    return list;
  }

  /**
   * The shard of a ledger account id: a wallet's (w0042_...) names it after its kind letter, a system
   * account's (fees:USD:s0042) at its end; empty for an id of neither form.
   */
  public static Optional<ShardId> shardOfAccount(String accountId) {
    int colon = accountId.lastIndexOf(':');
    String digits = colon >= 0 && accountId.startsWith("s", colon + 1) ? accountId.substring(colon + 2)
      : accountId.length() > 5 && accountId.charAt(5) == '_' ? accountId.substring(1, 5) : "";
    if (digits.length() != 4 || !digits.chars().allMatch(Character::isDigit)) {
      return Optional.empty();
    }
    return Optional.of(new ShardId(Integer.parseInt(digits)));
  }

  private static int indexOf(List<LedgerDatabase> databases, LedgerDatabase database) {
    for (int i = 0; i < databases.size(); i++) {
      if (databases.get(i).sameDatabase(database)) {
        return i;
      }
    }
    throw new IllegalArgumentException(database + " is not among " + databases);
  }
}
