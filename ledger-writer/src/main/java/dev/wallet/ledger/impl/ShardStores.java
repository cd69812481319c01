package dev.wallet.ledger.impl;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerPlacement;
import dev.wallet.ledger.MovesFollowed;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writer's {@link LedgerStore} of each database, and which one commits each shard's batches:
 * the placement the writer was given, and every move of a shard it followed since. A shard moves
 * while the writer runs ({@link ShardMove}): the database it left refuses the shard's next batch
 * (WL005, V16), and the batch is committed where the move records say the shard went, as the
 * readers follow a move ({@link dev.wallet.ledger.LedgerNodes#followingMoves}). The database it went
 * to takes the batch once the move has confirmed the shard there (V17); until then its batches fail
 * and are retried like any failed round, so a move interrupted at that point holds them back (and
 * the shard's lag grows, which the alerts show) until it is run again.
 */
final class ShardStores {

  private static final Logger LOG = LoggerFactory.getLogger(ShardStores.class);
  /** SQLSTATE of a batch refused because its shard moved out of the database (V16). */
  private static final String SHARD_MOVED_AWAY = "WL005";

  private final ShardRange shards;
  private final Function<LedgerDatabase, Pool> opener;
  private final StoreFactory factory;
  /** Pools and stores by database (host:port/name); a database joins when a move takes shards there. */
  private final Map<String, Pool> pools = new ConcurrentHashMap<>();
  private final Map<String, LedgerStore> stores = new ConcurrentHashMap<>();
  private volatile LedgerPlacement placement;
  private volatile Future<Void> following = Future.succeededFuture();

  /** A store over a pool, committing the shards given to it, pinning them only as {@code pins} allows. */
  interface StoreFactory {
    LedgerStore store(Pool pool, List<Integer> placedHere, LedgerStore.PinGuard pins);
  }

  /**
   * @param shards  the writer's shards
   * @param opener  the writer's pool to a database
   * @param factory its store over such a pool
   */
  ShardStores(LedgerPlacement placement, ShardRange shards, Function<LedgerDatabase, Pool> opener,
              StoreFactory factory) {
    this.placement = placement;
    this.shards = shards;
    this.opener = opener;
    this.factory = factory;
    placement.databases().forEach(this::storeOf);
  }

  /** Every store, one per database. */
  List<LedgerStore> all() {
    return List.copyOf(stores.values());
  }

  /**
   * Commits {@code batch} of {@code shard} to its database. Refused there because the shard moved, or
   * because the database holds other shards than the placement gives it (a writer started with the
   * placement before a move), it follows the moves and commits the batch where the shard is now; a
   * disagreement no move explains stays a failure.
   */
  Future<Void> write(ShardId shard, List<Positioned> batch) {
    return storeOf(shard).write(shard.name(), batch)
      .recover(failure -> movedAway(failure) || failure instanceof LedgerStore.PlacementDisagrees
        ? followMoves().compose(followed -> storeOf(shard).write(shard.name(), batch))
        : Future.failedFuture(failure));
  }

  private static boolean movedAway(Throwable failure) {
    return failure instanceof PgException pg && SHARD_MOVED_AWAY.equals(pg.getSqlState());
  }

  private LedgerStore storeOf(ShardId shard) {
    return storeOf(placement.databaseOf(shard));
  }

  private LedgerStore storeOf(LedgerDatabase database) {
    return stores.computeIfAbsent(database.toString(), key ->
      factory.store(pools.computeIfAbsent(key, k -> opener.apply(database)), placedIn(placement, database),
        shards -> heldNowhereElse(key, shards)));
  }

  /** Fails when a database other than {@code self} holds any of {@code shards}, naming them. */
  private Future<Void> heldNowhereElse(String self, List<Integer> shards) {
    List<Map.Entry<String, LedgerStore>> others = stores.entrySet().stream().filter(store -> !store.getKey().equals(self))
      .toList();
    return Future.all(others.stream().map(other -> other.getValue().held()).toList()).compose(all -> {
      for (int i = 0; i < others.size(); i++) {
        List<Integer> there = all.<List<Integer>>resultAt(i).stream().filter(shards::contains).toList();
        if (!there.isEmpty()) {
          return Future.failedFuture(new LedgerStore.PlacementDisagrees("the placement gives database " + self
            + " shards that database " + others.get(i).getKey() + " holds (" + there + "): it is not pinned with them "
            + "and commits nothing; LedgerTool move-shards moves shards between databases (docs/architecture.md)"));
        }
      }
      return Future.succeededFuture();
    });
  }

  /** The writer's shards that {@code placement} puts in {@code database}. */
  private List<Integer> placedIn(LedgerPlacement where, LedgerDatabase database) {
    return shards.numbers().filter(shard -> where.databaseOf(new ShardId(shard)).sameDatabase(database)).boxed()
      .toList();
  }

  /** One following at a time; the shards refused meanwhile wait for it. */
  private synchronized Future<Void> followMoves() {
    if (!following.isComplete()) {
      return following;
    }
    Promise<Void> mine = Promise.promise();
    following = mine.future();
    LedgerPlacement before = placement;
    MovesFollowed.from(before, database -> pools.computeIfAbsent(database.toString(), key -> opener.apply(database)))
      .onSuccess(after -> {
        if (!after.spec().equals(before.spec())) {
          moveTo(after);
          LOG.warn("followed a move of the ledger's shards: WALLET_LEDGER_PLACEMENT is now '{}' (it was '{}'); "
            + "give it to this writer's next start", after.spec(), before.spec());
        }
      })
      .<Void>mapEmpty()
      .onComplete(mine);
    return mine.future();
  }

  /** Each database's store commits the shards {@code after} puts there (confirmed with the database again). */
  private void moveTo(LedgerPlacement after) {
    placement = after;
    after.databases().forEach(this::storeOf);
    stores.forEach((key, store) -> store.place(placedIn(after, after.database(key))));
  }

  /** Closes every pool, those opened to follow a move too. */
  Future<Void> close() {
    return Future.join(pools.values().stream().map(Pool::close).toList()).mapEmpty();
  }
}
