package dev.wallet.ledger;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Where the shards of a placement are now, read from the move records of the databases themselves
 * ({@code ledger_shard_moves}, V10): a shard whose database says it moved out is followed to the
 * database the record names, and on while that one says it moved out again, to the one whose latest
 * record says it moved in (or is arriving: V17). A move not finished (the source has no record yet)
 * leaves the shard where it was: the source is whole until the move's second commit. Between that
 * commit and the target's confirmation the shard is followed to the target, which refuses it until
 * then (a moment, or until an interrupted move is run again).
 */
public final class MovesFollowed {

  private static final int MOST_HOPS = 16;
  private static final String LATEST_MOVES = """
    SELECT DISTINCT ON (shard) shard, direction, peer FROM ledger_shard_moves ORDER BY shard, id DESC""";

  private record Move(boolean out, String peer) {
  }

  private final LedgerPlacement placement;
  private final Function<LedgerDatabase, SqlClient> clientOf;
  private final Map<String, Future<Map<Integer, Move>>> asked = new ConcurrentHashMap<>();

  private MovesFollowed(LedgerPlacement placement, Function<LedgerDatabase, SqlClient> clientOf) {
    this.placement = placement;
    this.clientOf = clientOf;
  }

  /** {@code placement} with every shard that moved where it is now; {@code clientOf} reaches any database. */
  public static Future<LedgerPlacement> from(LedgerPlacement placement, Function<LedgerDatabase, SqlClient> clientOf) {
    return new MovesFollowed(placement, clientOf).follow();
  }

  private Future<LedgerPlacement> follow() {
    List<LedgerDatabase> databases = placement.databases();
    List<Future<Map<Integer, Move>>> latest = databases.stream().map(this::latestMoves).toList();
    return Future.all(latest).compose(all -> {
      Future<LedgerPlacement> followed = Future.succeededFuture(placement);
      for (int i = 0; i < databases.size(); i++) {
        LedgerDatabase database = databases.get(i);
        for (Map.Entry<Integer, Move> move : latest.get(i).result().entrySet()) {
          int shard = move.getKey();
          if (move.getValue().out() && placement.databaseOf(new ShardId(shard))
              .sameDatabase(database)) {
            followed = followed.compose(p -> holder(shard, move.getValue().peer(), 1)
              .map(holder -> p.moving(new ShardRange(shard, 1), holder)));
          }
        }
      }
      return followed;
    });
  }

  /** The database holding {@code shard}, starting from the one a move out named. */
  private Future<LedgerDatabase> holder(int shard, String peer, int hops) {
    LedgerDatabase database = placement.database(peer);
    return latestMoves(database).compose(moves -> {
      Move latest = moves.get(shard);
      if (latest == null) {
        return Future.failedFuture(new IllegalStateException("shard " + shard + " moved to " + peer
          + ", which has no record of it"));
      }
      if (!latest.out()) {
        return Future.succeededFuture(database);
      }
      return hops >= MOST_HOPS ? Future.failedFuture(new IllegalStateException("shard " + shard
        + " moved more than " + MOST_HOPS + " times in a row")) : holder(shard, latest.peer(), hops + 1);
    });
  }

  private Future<Map<Integer, Move>> latestMoves(LedgerDatabase database) {
    return asked.computeIfAbsent(database.toString(), key -> clientOf.apply(database).query(LATEST_MOVES).execute()
      .map(rows -> {
        Map<Integer, Move> moves = new HashMap<>();
        for (Row row : rows) {
          moves.put(row.getInteger("shard"), new Move(row.getString("direction").equals("out"), row.getString("peer")));
        }
        return moves;
      }));
  }
}
