package dev.wallet.ledger;

import dev.wallet.balancecache.model.ShardId;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of every database of the ledger ({@link LedgerPlacement}) and where each shard's ledger
 * is: what the ledger's readers ask. A read of one account goes to its shard's database; a read
 * across accounts asks every database and combines their answers. Each database is asked through a
 * {@link Node}, which has it check in the same query that it agrees with this process's placement.
 * Nodes that can open pools ({@link #opening}) follow a move the databases refuse them for
 * ({@link #followingMoves}); copies ({@link #withHome}) share what they learn.
 */
public final class LedgerNodes {

  private static final Logger LOG = LoggerFactory.getLogger(LedgerNodes.class);
  /** SQLSTATE of a read the database refused because this process's placement is out of date (V11, V12). */
  private static final String PLACEMENT_OUT_OF_DATE = "WL004";

  /** Where each shard's ledger is as this process knows it now: replaced whole when it follows a move. */
  private record Layout(Optional<LedgerPlacement> placement, List<Node> nodes, int[] nodeOfShard) {

    static Layout of(Optional<LedgerPlacement> placement, List<? extends SqlClient> clients, int[] nodeOfShard) {
      List<Node> nodes = new ArrayList<>();
      for (int i = 0; i < clients.size(); i++) {
        nodes.add(new Node(clients.get(i), placedIn(i, nodeOfShard)));
      }
      return new Layout(placement, List.copyOf(nodes), nodeOfShard);
    }
  }

  private final AtomicReference<Layout> layout;
  private final Optional<SqlClient> homeInstead;
  /** Opens a pool to a database this process was not configured with; null: moves are not followed. */
  private final Function<LedgerDatabase, Pool> opener;
  /** The pools this opened, by database (host:port/name). */
  private final Map<String, Pool> opened;
  private final AtomicReference<Future<Boolean>> following;

  private LedgerNodes(AtomicReference<Layout> layout, Optional<SqlClient> homeInstead,
                      Function<LedgerDatabase, Pool> opener, Map<String, Pool> opened,
                      AtomicReference<Future<Boolean>> following) {
    this.layout = layout;
    this.homeInstead = homeInstead;
    this.opener = opener;
    this.opened = opened;
    this.following = following;
  }

  private static LedgerNodes fixed(Layout layout) {
    return new LedgerNodes(new AtomicReference<>(layout), Optional.empty(), null, Map.of(), new AtomicReference<>());
  }

  /**
   * Over {@code clients}, one per database of {@code placement} in its order (the home database's
   * first); their owner closes them.
   */
  public static LedgerNodes over(List<? extends SqlClient> clients, LedgerPlacement placement) {
    return fixed(layout(clients, placement));
  }

  private static Layout layout(List<? extends SqlClient> clients, LedgerPlacement placement) {
    List<LedgerDatabase> databases = placement.databases();
    if (databases.size() != clients.size()) {
      throw new IllegalArgumentException(databases.size() + " databases placed, " + clients.size() + " clients");
    }
    int[] nodeOfShard = new int[ShardId.MAX_SHARDS];
    for (LedgerPlacement.Placed p : placement.placed()) {
      int node = indexOf(databases, p.database());
      p.shards().numbers().forEach(shard -> nodeOfShard[shard] = node);
    }
    return Layout.of(Optional.of(placement), clients, nodeOfShard);
  }

  /** One database holding every shard. */
  public static LedgerNodes single(SqlClient client) {
    return fixed(Layout.of(Optional.empty(), List.of(client), new int[ShardId.MAX_SHARDS]));
  }

  /**
   * Over {@code home} for the home database and a pool from {@code opener} for each other database
   * of {@code placement}, and for any database a move took shards to; {@link #closeOpened()} closes
   * those.
   */
  public static LedgerNodes opening(SqlClient home, LedgerPlacement placement, Function<LedgerDatabase, Pool> opener) {
    Map<String, Pool> others = new ConcurrentHashMap<>();
    List<SqlClient> clients = new ArrayList<>(List.of(home));
    for (LedgerDatabase database : placement.databases().subList(1, placement.databases().size())) {
      Pool pool = opener.apply(database);
      others.put(database.toString(), pool);
      clients.add(pool);
    }
    return new LedgerNodes(new AtomicReference<>(layout(clients, placement)), Optional.empty(), opener, others,
      new AtomicReference<>());
  }

  /** Closes the pools this opened (never the home client it was given). */
  public Future<Void> closeOpened() {
    return Future.join(opened.values().stream().map(Pool::close).toList()).mapEmpty();
  }

  /**
   * The same nodes with the home database's reads on {@code home} instead, e.g. a connection whose
   * transaction they should join. What either learns of moves, both know.
   */
  public LedgerNodes withHome(SqlClient home) {
    return new LedgerNodes(layout, Optional.of(home), opener, opened, following);
  }

  /**
   * The layout's nodes, the home node replaced for a copy {@link #withHome}. Each lookup reads the
   * layout once: a move followed meanwhile replaces nodes and shard indexes together.
   */
  private List<Node> nodes(Layout current) {
    List<Node> nodes = current.nodes();
    if (homeInstead.isEmpty()) {
      return nodes;
    }
    List<Node> replaced = new ArrayList<>(nodes);
    replaced.set(0, new Node(homeInstead.get(), nodes.get(0).placedHere()));
    return replaced;
  }

  /** The home database: what is not a shard's (halts, reconciliation runs). */
  public SqlClient home() {
    return homeInstead.orElseGet(() -> layout.get().nodes().get(0).client());
  }

  public List<Node> all() {
    return nodes(layout.get());
  }

  public int size() {
    return layout.get().nodes().size();
  }

  public SqlClient ofShard(ShardId shard) {
    Layout current = layout.get();
    return nodes(current).get(current.nodeOfShard()[shard.number()]).client();
  }

  /**
   * The database of a ledger account: a wallet's or stripe's id, or a system account's
   * (fees:USD:s0042). An id that names no shard (the wallet makes none) is the home database's.
   */
  public SqlClient ofAccount(String accountId) {
    Layout current = layout.get();
    return nodeOfAccount(nodes(current), current.nodeOfShard(), accountId).client();
  }

  private static Node nodeOfAccount(List<Node> nodes, int[] nodeOfShard, String accountId) {
    return nodes.size() == 1 ? nodes.get(0)
      : shardOfAccount(accountId).map(shard -> nodes.get(nodeOfShard[shard.number()])).orElse(nodes.get(0));
  }

  /**
   * {@code read}, and when a database refused it because a move left this process's placement out of
   * date, the same read once more after following the move ({@link MovesFollowed}): the reader sees
   * the moved shard's rows where they went, not a failure. Nodes that cannot open pools, and a
   * refusal no move explains (one not finished), fail with the refusal.
   */
  public <T> Future<T> followingMoves(Supplier<Future<T>> read) {
    Layout readWith = layout.get();
    return read.get().recover(failure -> failure instanceof PlacementOutOfDateException && opener != null
      ? followedSince(readWith).transform(followed -> followed.succeeded() && followed.result() ? read.get()
        : Future.failedFuture(failure))
      : Future.failedFuture(failure));
  }

  /**
   * Whether the layout changed since {@code readWith}: by a following that ended while the read was
   * out (until 2026-12-07 such a read failed, the next following finding nothing new), or by one now.
   */
  private Future<Boolean> followedSince(Layout readWith) {
    return layout.get() != readWith ? Future.succeededFuture(true) : followMoves();
  }

  /** One following at a time; reads refused meanwhile wait for it. Answers whether the placement changed. */
  private Future<Boolean> followMoves() {
    Promise<Boolean> mine = Promise.promise();
    Future<Boolean> running = following.get();
    if (running != null && !running.isComplete() || !following.compareAndSet(running, mine.future())) {
      return following.get();
    }
    Layout before = layout.get();
    LedgerPlacement placement = before.placement().orElseThrow();
    Map<String, SqlClient> reachable = new ConcurrentHashMap<>();
    List<LedgerDatabase> known = placement.databases();
    for (int i = 0; i < known.size(); i++) {
      reachable.put(known.get(i).toString(), before.nodes().get(i).client());
    }
    MovesFollowed.from(placement, database -> reachable.computeIfAbsent(database.toString(), key -> pool(database)))
      .map(after -> {
        if (after.spec().equals(placement.spec())) {
          return false;
        }
        List<SqlClient> clients = after.databases().stream().map(database -> reachable.get(database.toString())).toList();
        layout.set(layout(clients, after));
        LOG.warn("followed a move of the ledger's shards: WALLET_LEDGER_PLACEMENT is now '{}' (it was '{}'); "
          + "give it to this process's next start", after.spec(), placement.spec());
        return true;
      })
      .onFailure(failure -> LOG.error("could not follow a move of the ledger's shards; their reads stay refused",
        failure))
      .onComplete(mine);
    return mine.future();
  }

  /** A pool to {@code database}: the one this opened before, or a new one. */
  private Pool pool(LedgerDatabase database) {
    return opened.computeIfAbsent(database.toString(), key -> opener.apply(database));
  }

  /** {@code items} by the database of their account, in their order within each; databases holding none are left out. */
  public <T> Map<Node, List<T>> byNode(List<T> items, Function<T, String> accountId) {
    Layout current = layout.get();
    List<Node> nodes = nodes(current);
    int[] nodeOfShard = current.nodeOfShard();
    Map<Node, List<T>> grouped = new LinkedHashMap<>();
    for (T item : items) {
      grouped.computeIfAbsent(nodeOfAccount(nodes, nodeOfShard, accountId.apply(item)), node -> new ArrayList<>())
        .add(item);
    }
    return grouped;
  }

  /** The rows of a prepared statement run on every database, the home database's first. */
  public Future<List<Row>> everywhere(String sql, Tuple args) {
    return eachNode(sql, args).map(perNode -> perNode.stream().flatMap(part -> part.rows().stream()).toList());
  }

  /** The rows of a statement without parameters run on every database, the home database's first. */
  public Future<List<Row>> everywhere(String sql) {
    return everywhere(sql, Tuple.tuple());
  }

  /** The rows a statement gave on one database, and the database as the placement names it ("" for a single one). */
  public record DatabaseRows(String database, List<Row> rows) {
  }

  /**
   * The rows of a prepared statement run on every database, apart, in the order of the placement's
   * databases; following a move that refused it. Each part names its database from the layout it was
   * read with: a move followed may change how many there are (until 2026-12-06 the reconciler paired
   * them with the databases it was started with, and left out a database a move added, or failed every
   * run after one a move emptied).
   */
  public Future<List<DatabaseRows>> eachNode(String sql, Tuple args) {
    return followingMoves(() -> {
      Layout current = layout.get();
      List<String> names = current.placement().map(p -> p.databases().stream().map(LedgerDatabase::toString).toList())
        .orElse(List.of(""));
      List<Future<List<Row>>> parts = nodes(current).stream().map(node -> node.rows(sql, args)).toList();
      return Future.all(parts).map(done -> IntStream.range(0, parts.size())
        .mapToObj(i -> new DatabaseRows(names.get(i), parts.get(i).result())).toList());
    });
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
      ? new PlacementOutOfDateException(pg.getErrorMessage(), pg) : failure);
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
