package dev.wallet.ledger.impl;

import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * In Redis, over all shards and per currency, the in-transit accounts must hold exactly the
 * amounts of the cross-shard movements that are debited and not yet credited (a credit moves the
 * amount out of transit on the destination's shard; a reversal back out on the source's). The
 * shards cannot be read at one instant, so a movement between the reads shows as a difference:
 * only a difference that stays the same over {@link #READS} reads is reported.
 *
 * <p>No key is searched for: the in-transit accounts read are those the ledger knows (an account
 * gets a balance only through postings, which all reach the ledger) plus those of the pending
 * movements, which the money core reads from each shard's pending set.
 */
final class InTransitCheck {

  private static final int READS = 3;

  Future<Optional<Discrepancy>> check(HotTierAccess hotTier, Pool ledger) {
    return ledger.query(SqlQueries.TRANSIT_ACCOUNTS).execute().compose(rows -> {
      List<String> known = new ArrayList<>();
      rows.forEach(row -> known.add(row.getString("id")));
      return differences(hotTier, known, READS, null);
    });
  }

  private Future<Optional<Discrepancy>> differences(HotTierAccess hotTier, List<String> known, int left,
                                                    Map<String, Long> previous) {
    return hotTier.inTransitImbalance(known).compose(now -> {
      if (now.isEmpty() || (previous != null && !now.equals(previous))) {
        return Future.succeededFuture(Optional.empty());
      }
      if (left == 1) {
        return Future.succeededFuture(Optional.of(new Discrepancy(Kind.IN_TRANSIT, String.join(",", now.keySet()),
          "in-transit accounts minus pending uncredited transfers, per currency: " + now)));
      }
      return differences(hotTier, known, left - 1, now);
    });
  }
}
