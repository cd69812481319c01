package dev.wallet.ledger;

import dev.wallet.balancecache.model.ShardId;
import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
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
 * across accounts asks every database and combines their answers. Each database is asked through a
 * {@link Node}, which has it check in the same query that it agrees with this process's placement.
 */
public final class LedgerNodes {

  /** SQLSTATE of a read the database refused because this process's placement is out of date (V11, V12). */
  private static final String PLACEMENT_OUT_OF_DATE = "WL004";

  private final List<Node> nodes;
  /** Each shard's index in {@code nodes}; never written after construction, so copies share it. */
  private final int[] nodeOfShard;
  private final List<Pool> opened;

  private LedgerNodes(List<? extends SqlClient> clients, int[] nodeOfShard, List<Pool> opened) {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < clients.size(); i++) {
      nodes.add(new Node(clients.get(i), placedIn(i, nodeOfShard)));
    }
    this.nodes = List.copyOf(nodes);
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
    return new LedgerNodes(clients, nodeOfShard, List.of());
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
    return new LedgerNodes(clients, nodes.nodeOfShard, others);
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
    List<SqlClient> replaced = new ArrayList<>(nodes.stream().map(Node::client).toList());
    replaced.set(0, home);
    return new LedgerNodes(replaced, nodeOfShard, List.of());
  }

  /** The home database: what is not a shard's (halts, reconciliation runs). */
  public SqlClient home() {
    return nodes.get(0).client();
  }

  public List<Node> all() {
    return nodes;
  }

  public int size() {
    return nodes.size();
  }

  public SqlClient ofShard(ShardId shard) {
    return nodes.get(nodeOfShard[shard.number()]).client();
  }

  /**
   * The database of a ledger account: a wallet's or stripe's id, or a system account's
   * (fees:USD:s0042). An id that names no shard (the wallet makes none) is the home database's.
   */
  public SqlClient ofAccount(String accountId) {
    return nodeOfAccount(accountId).client();
  }

  private Node nodeOfAccount(String accountId) {
    return nodes.size() == 1 ? nodes.get(0) : shardOfAccount(accountId).map(shard -> nodes.get(nodeOfShard[shard.number()]))
      .orElse(nodes.get(0));
  }

  /** {@code items} by the database of their account, in their order within each; databases holding none are left out. */
  public <T> Map<Node, List<T>> byNode(List<T> items, Function<T, String> accountId) {
    Map<Node, List<T>> grouped = new LinkedHashMap<>();
    for (T item : items) {
      grouped.computeIfAbsent(nodeOfAccount(accountId.apply(item)), node -> new ArrayList<>()).add(item);
    }
    return grouped;
  }

  /** The rows of a prepared statement run on every database, the home database's first. */
  public Future<List<Row>> everywhere(String sql, Tuple args) {
    return eachNode(sql, args).map(perNode -> perNode.stream().flatMap(List::stream).toList());
  }

  /** The rows of a statement without parameters run on every database, the home database's first. */
  public Future<List<Row>> everywhere(String sql) {
    return everywhere(sql, Tuple.tuple());
  }

  /** The rows of a prepared statement run on every database, apart, in the order of the placement's databases. */
  public Future<List<List<Row>>> eachNode(String sql, Tuple args) {
    List<Future<List<Row>>> parts = nodes.stream().map(node -> node.rows(sql, args)).toList();
    return Future.all(parts).map(done -> parts.stream().map(Future::result).toList());
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
   * A failure of a read the database refused because this process's placement is out of date: a
   * failure of the ledger (an edge answers 503), never an empty or doubled answer.
   */
  public static <T> Future<T> placementRefused(Throwable failure) {
    return Future.failedFuture(failure instanceof PgException pg && PLACEMENT_OUT_OF_DATE.equals(pg.getSqlState())
      ? new IllegalStateException(pg.getErrorMessage(), pg) : failure);
  }

  /**
   * One database of the ledger and the shards this process places in it, as a multirange literal.
   * Its reads ask the database, in the same query, whether it agrees (V12: it holds no shard placed
   * elsewhere, and no shard placed here moved away from it), so that a read across databases never
   * combines a moved shard's rows twice or misses them.
   */
  public record Node(SqlClient client, String placedHere) {

    public Future<List<Row>> rows(String sql, Tuple args) {
      List<Object> values = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        values.add(args.getValue(i));
      }
      values.add(placedHere);
      return client.preparedQuery("SELECT * FROM (" + sql + ") placed WHERE ledger_placement_current($"
          + values.size() + "::text::int4multirange)")
        .execute(Tuple.from(values))
        .map(LedgerNodes::rows)
        .recover(LedgerNodes::placementRefused);
    }
  }

  /** The shards {@code nodeOfShard} puts in node {@code node}, as ranges: {[0,4),[7,8)}. */
  private static String placedIn(int node, int[] nodeOfShard) {
    StringBuilder ranges = new StringBuilder("{");
    int shard = 0;
    while (shard < nodeOfShard.length) {
      if (nodeOfShard[shard] != node) {
        shard++;
        continue;
      }
      int from = shard;
      while (shard < nodeOfShard.length && nodeOfShard[shard] == node) {
        shard++;
      }
      ranges.append(ranges.length() > 1 ? "," : "").append('[').append(from).append(',').append(shard).append(')');
    }
    return ranges.append('}').toString();
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
