package dev.wallet.edge.money;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.edge.http.ProblemException;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Supplier;

/**
 * A request the rules refuse now may have been answered before under its key: applied with its answer
 * lost, then retried after the rules changed (a tier lowered, a limit cut, a receiver's tier); the
 * same holds for any refusal the edge makes before the money core (another currency than a
 * merchant's), which the money core would have recorded under the key had it made it. Such a
 * request still goes to the money core, with a check no amount passes, and its key replays the first
 * answer there (or, used for another request, is refused as reused there: until 2026-12-07 the rules'
 * refusal answered it); one answered never is refused by the rules, and nothing is recorded under its key.
 * Until 2026-12-06 the retry was answered the rules' refusal, and a client told that an applied
 * payment was not could pay again. A withdrawal's key is recorded with the edge's own rows in
 * PostgreSQL, and is asked there ({@code GatewayMovementHandlers}).
 */
public final class RulesRefusals {

  /** The counter of the check no amount passes: never counted, since the money core refuses first. */
  private static final String NONE_PASSES = "refused:by-the-rules";

  private RulesRefusals() {
  }

  /**
   * The checks to send a refused request with when its key answered it before ({@code shard}: the
   * shard of the wallet it takes money from, where its key's record is); otherwise the refusal.
   * Anything but a refusal of the rules (422) fails as it came.
   */
  static Future<List<LimitCheck>> answeredBefore(BalanceCache cache, ShardId shard, IdempotencyKey key,
                                                 String requestHash, Throwable failure) {
    return answeredBefore(() -> cache.answeredBefore(shard, key, requestHash), failure);
  }

  /** The same, {@code answered} saying whether the request's key answered it before. */
  public static Future<List<LimitCheck>> answeredBefore(Supplier<Future<Boolean>> answered, Throwable failure) {
    if (!isRefusal(failure)) {
      return Future.failedFuture(failure);
    }
    String why = ((ProblemException) failure).problem().detail();
    return answered.get().compose(before -> before ? Future.succeededFuture(noneCanPass(why))
      : Future.failedFuture(failure));
  }

  /** A refusal of the rules (422), as opposed to a failure to ask them (the limits away: 503). */
  static boolean isRefusal(Throwable failure) {
    return failure instanceof ProblemException refused && refused.problem().status() == 422;
  }

  /**
   * The checks of a request sent to the money core only for its key's first answer: should its key's
   * record have gone in between, the money core refuses it ({@code why}) rather than applies it.
   */
  static List<LimitCheck> noneCanPass(String why) {
    return List.of(new LimitCheck(why, NONE_PASSES, 0, 0, 60_000));
  }
}
