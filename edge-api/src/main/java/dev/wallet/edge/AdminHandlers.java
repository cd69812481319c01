package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * /admin: what the risk team and administrators may do that owners may not (read any wallet,
 * freeze or close one). Behind the bearer-token guard like /v1, and then behind a role check:
 * a caller without the admin or risk role gets 403 for every /admin path, existing or not.
 */
final class AdminHandlers {

  static final Set<String> ROLES = Set.of("admin", "risk");

  private final BalanceCache cache;

  AdminHandlers(BalanceCache cache) {
    this.cache = cache;
  }

  /** Guard for /admin/*. */
  static void requireAdminOrRisk(RoutingContext ctx) {
    if (ROLES.stream().noneMatch(Authenticator.caller(ctx)::has)) {
      throw new ProblemException(Problem.forbidden("only the admin and risk roles reach /admin"));
    }
    ctx.next();
  }

  /** GET /admin/wallets/:id */
  void wallet(RoutingContext ctx) {
    Reply.answer(ctx, existing(PathIds.wallet(ctx)).map(found -> Reply.ok(Representations.wallet(found))));
  }

  /** POST /admin/wallets/:id/status {"status","reason"}: the reason is recorded with the caller's id. */
  void setStatus(RoutingContext ctx) {
    WalletId id = PathIds.wallet(ctx);
    RequestBody body = RequestBody.of(ctx);
    WalletStatus status = WalletStatus.fromWire(body.text("status"));
    String reason = body.text("reason") + " (by " + Authenticator.caller(ctx).id() + ")";
    Reply.answer(ctx, existing(id)
      .compose(found -> cache.setStatus(id, status, reason))
      .compose(outcome -> outcome.code() == OutcomeCode.OK ? existing(id).map(wallet ->
        Reply.ok(Representations.wallet(wallet))) : Future.succeededFuture(Problem.forRefusal(outcome.code()).reply())));
  }

  private Future<dev.wallet.balancecache.model.Wallet> existing(WalletId id) {
    return cache.wallet(id).map(found -> found.orElseThrow(() -> new ProblemException(Problem.notFound())));
  }
}
