package dev.wallet.ledger.impl;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import io.lettuce.core.KeyValue;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * In Redis, over all shards and per currency, the in-transit accounts must hold exactly the
 * amounts of the cross-shard transfers that are debited and not yet credited (a credit moves the
 * amount out of transit on the destination's shard; a reversal back out on the source's). The
 * shards cannot be read at one instant, so a transfer moving between the reads shows as a
 * difference: only a difference that stays the same over {@link #READS} reads is reported.
 *
 * <p>No key is searched for: the in-transit accounts are those the ledger knows (an account gets a
 * balance only through postings, which all reach the ledger) plus those of the pending transfers
 * (a new one whose first posting the ledger has not committed yet), and the pending transfers are
 * each shard's pending set. A SCAN of the whole keyspace per read made the check's cost grow with
 * every wallet and idempotency record, for a handful of keys.
 */
final class InTransitCheck {

  private static final int READS = 3;

  /** A pending transfer as the check needs it: where its in-transit account is, and whether it still counts. */
  private record Pending(String transitKey, String currency, long amount, boolean uncredited) {
  }

  Future<Optional<Discrepancy>> check(HotTier redis, Pool ledger, int shardCount) {
    return ledger.query(SqlQueries.TRANSIT_ACCOUNTS).execute().compose(rows -> {
      Set<String> known = new TreeSet<>();
      rows.forEach(row -> known.add(HotTierKeys.systemAccount(row.getString("id"))));
      return differences(redis, known, shardCount, READS, null);
    });
  }

  private Future<Optional<Discrepancy>> differences(HotTier redis, Set<String> known, int shardCount, int left,
                                                    Map<String, Long> previous) {
    return difference(redis, known, shardCount).compose(now -> {
      if (now.isEmpty()) {
        return Future.succeededFuture(Optional.empty());
      }
      if (previous != null && !now.equals(previous)) {
        return Future.succeededFuture(Optional.empty());
      }
      if (left == 1) {
        return Future.succeededFuture(Optional.of(new Discrepancy(Kind.IN_TRANSIT, String.join(",", now.keySet()),
          "in-transit accounts minus pending uncredited transfers, per currency: " + now)));
      }
      return differences(redis, known, shardCount, left - 1, now);
    });
  }

  /** Per currency, transit balances minus pending uncredited amounts; only currencies where that is not zero. */
  private Future<Map<String, Long>> difference(HotTier redis, Set<String> known, int shardCount) {
    return pendingTransfers(redis, shardCount).compose(pending -> {
      Set<String> transitKeys = new TreeSet<>(known);
      pending.forEach(p -> transitKeys.add(p.transitKey()));
      List<String> keys = List.copyOf(transitKeys);
      return Future.all(keys.stream().map(k -> redis.on(redis.commands().hmget(k, "cur", "avail"))).toList())
        .map(balances -> {
          Map<String, Long> diff = new TreeMap<>();
          for (int i = 0; i < balances.size(); i++) {
            List<KeyValue<String, String>> f = balances.resultAt(i);
            f.get(0).ifHasValue(currency -> diff.merge(currency, Long.parseLong(f.get(1).getValueOrElse("0")), Long::sum));
          }
          pending.stream().filter(Pending::uncredited).forEach(p -> diff.merge(p.currency(), -p.amount(), Long::sum));
          diff.values().removeIf(v -> v == 0);
          return diff;
        });
    });
  }

  private Future<List<Pending>> pendingTransfers(HotTier redis, int shardCount) {
    List<String> sets = IntStream.range(0, shardCount).mapToObj(n -> HotTierKeys.pendingTransfers(new ShardId(n).name()))
      .toList();
    return Future.all(sets.stream().map(k -> redis.on(redis.commands().zrange(k, 0, -1))).toList())
      .compose(members -> {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
          List<String> some = members.resultAt(i);
          ids.addAll(some);
        }
        return Future.all(ids.stream().map(id -> pending(redis, id)).toList());
      })
      .map(found -> {
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < found.size(); i++) {
          Optional<Pending> one = found.resultAt(i);
          one.ifPresent(pending::add);
        }
        return pending;
      });
  }

  /** A transfer still pending at its source, and whether its destination has credited it already. */
  private Future<Optional<Pending>> pending(HotTier redis, String transferId) {
    return redis.on(redis.commands().hmget(HotTierKeys.transfer(transferId), "state", "amt", "cur", "to"))
      .compose(t -> {
        if (!"pending".equals(t.get(0).getValueOrElse(null))) {
          return Future.succeededFuture(Optional.empty());
        }
        String currency = t.get(2).getValue();
        String transitKey = HotTierKeys.tag(HotTierKeys.shardOf(transferId)) + ":a:transit:" + currency;
        long amount = Long.parseLong(t.get(1).getValue());
        String marker = HotTierKeys.creditDecision(HotTierKeys.shardOf(t.get(3).getValue()), transferId);
        return redis.on(redis.commands().hget(marker, "outcome"))
          .map(outcome -> Optional.of(new Pending(transitKey, currency, amount, !credited(outcome))));
      });
  }

  private static boolean credited(String outcome) {
    return outcome != null && Objects.equals(new JsonObject(outcome).getString("code"), "OK");
  }
}
