package dev.wallet.ledger;

import dev.wallet.ledger.impl.PgLedgerMovements;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The ledger's money movements, for readers that watch them (the AML monitors and reports of
 * limits-kyc): the ledger's tables stay the ledger's, and what counts as a movement is decided here,
 * from {@link dev.wallet.balancecache.outbox.PostingType#MOVEMENTS}. Times are the postings'
 * {@code created_at} (when the money moved), except for {@link #postingsAfter}, which follows the
 * order of recording. A movement on a hot merchant's credit stripe is its merchant wallet's: the
 * stripes are where payments land, never who received them.
 */
public interface LedgerMovements {

  /**
   * Over {@code client}: a pool, or a connection whose transaction the reads should join (the AML
   * monitor reads and raises its flags in one transaction).
   */
  static LedgerMovements over(SqlClient client) {
    return over(LedgerNodes.single(client));
  }

  /** Over every database of the ledger (see {@link LedgerNodes#withHome} to join a transaction of the home one). */
  static LedgerMovements over(LedgerNodes nodes) {
    return new PgLedgerMovements(nodes);
  }

  /**
   * Up to {@code limit} postings recorded after {@code after}, and at least {@code settle} ago (a
   * ledger transaction still open when its younger siblings are read would otherwise be passed
   * over), in recording order, and the rest of the last one's transaction: a batch never ends inside
   * one. Every posting counts, movement or not, so a reader moves past all.
   */
  Future<List<LedgerPosition>> postingsAfter(LedgerPosition after, Duration settle, int limit);

  /**
   * The movements among the postings {@code postingIds}, and the returns among them of what a wallet
   * had sent ({@link LedgerMovement#returned()}), in recording order.
   */
  Future<List<LedgerMovement>> movementsOf(List<String> postingIds);

  /**
   * The movements one owner made (sent, paid, withdrew or deposited) in {@code currency} within
   * [{@code from}, {@code to}], of {@code floorMinor} to {@code belowMinor} (excluded) minor units.
   */
  Future<List<LedgerMovement>> madeByOwner(String ownerId, String currency, Instant from, Instant to, long floorMinor,
                                           long belowMinor);

  /**
   * The movements, in and out, of {@code walletIds} (and their stripes) within [{@code from}, {@code to}],
   * and the returns of what they had sent ({@link dev.wallet.balancecache.outbox.PostingType#RETURNS}: a
   * reversal, a returned withdrawal), which came in as well.
   */
  Future<List<LedgerMovement>> ofWallets(List<String> walletIds, Instant from, Instant to);

  /**
   * Every credit to each of {@code walletIds} within [{@code from}, {@code to}], per currency, movements
   * or not (a hold given back, a reversal, a sweep from its stripes), its stripes' included: what came
   * in by movements is at most this. Cheap for a busy wallet, it tells which wallets cannot have
   * taken in a given amount.
   */
  Future<List<Credited>> credited(List<String> walletIds, Instant from, Instant to);

  /**
   * The movements within [{@code from}, {@code to}) at or above their currency's threshold (currencies
   * without one are left out), at most {@code limit}.
   */
  Future<List<LedgerMovement>> atOrAbove(Map<String, Long> thresholdMinorByCurrency, Instant from, Instant to,
                                         int limit);

  /** The sum of a wallet's credits in one currency (see {@link #credited}). */
  record Credited(String walletId, String currency, long creditedMinor) {
  }
}
