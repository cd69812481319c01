package dev.wallet.ledger.impl;

import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import io.lettuce.core.KeyValue;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * In Redis, over all shards and per currency, the in-transit accounts must hold exactly the
 * amounts of the cross-shard transfers that are debited and not yet credited (a credit moves the
 * amount out of transit on the destination's shard; a reversal back out on the source's). The
 * shards cannot be read at one instant, so a transfer moving between the reads shows as a
 * difference: only a difference that stays the same over {@link #READS} reads is reported.
 */
final class InTransitCheck {

  private static final int READS = 3;

  Future<Optional<Discrepancy>> check(HotTier redis) {
    return differences(redis, READS, null);
  }

  private Future<Optional<Discrepancy>> differences(HotTier redis, int left, Map<String, Long> previous) {
    return difference(redis).compose(now -> {
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
      return differences(redis, left - 1, now);
    });
  }

  /** Per currency, transit balances minus pending uncredited amounts; only currencies where that is not zero. */
  private Future<Map<String, Long>> difference(HotTier redis) {
    Map<String, Long> diff = new TreeMap<>();
    return redis.keys("{s*}:a:transit:*")
      .compose(keys -> Future.all(keys.stream().map(k -> redis.on(redis.commands().hmget(k, "cur", "avail"))).toList()))
      .compose(balances -> {
        for (int i = 0; i < balances.size(); i++) {
          List<KeyValue<String, String>> f = balances.resultAt(i);
          diff.merge(f.get(0).getValue(), Long.parseLong(f.get(1).getValueOrElse("0")), Long::sum);
        }
        return pendingUncredited(redis);
      })
      .map(pending -> {
        pending.forEach((currency, amount) -> diff.merge(currency, -amount, Long::sum));
        diff.values().removeIf(v -> v == 0);
        return diff;
      });
  }

  private Future<Map<String, Long>> pendingUncredited(HotTier redis) {
    return redis.keys("{s*}:pending")
      .compose(sets -> Future.all(sets.stream().map(k -> redis.on(redis.commands().zrange(k, 0, -1))).toList()))
      .compose(members -> {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < members.size(); i++) {
          List<String> some = members.resultAt(i);
          ids.addAll(some);
        }
        return Future.all(ids.stream().map(id -> uncredited(redis, id)).toList());
      })
      .map(amounts -> {
        Map<String, Long> sums = new TreeMap<>();
        for (int i = 0; i < amounts.size(); i++) {
          Optional<Map.Entry<String, Long>> amount = amounts.resultAt(i);
          amount.ifPresent(a -> sums.merge(a.getKey(), a.getValue(), Long::sum));
        }
        return sums;
      });
  }

  /** A pending transfer's currency and amount, unless its destination has credited it already. */
  private Future<Optional<Map.Entry<String, Long>>> uncredited(HotTier redis, String transferId) {
    return redis.on(redis.commands().hmget(HotTierKeys.transfer(transferId), "state", "amt", "cur", "to"))
      .compose(t -> {
        if (!"pending".equals(t.get(0).getValueOrElse(null))) {
          return Future.succeededFuture(Optional.empty());
        }
        String marker = HotTierKeys.creditDecision(HotTierKeys.shardOf(t.get(3).getValue()), transferId);
        return redis.on(redis.commands().hget(marker, "outcome")).map(outcome -> credited(outcome)
          ? Optional.empty()
          : Optional.of(Map.entry(t.get(2).getValue(), Long.parseLong(t.get(1).getValue()))));
      });
  }

  private static boolean credited(String outcome) {
    return outcome != null && Objects.equals(new JsonObject(outcome).getString("code"), "OK");
  }
}
