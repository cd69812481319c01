package dev.wallet.edge.admin;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.edge.funds.Funds;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.DependencyUnavailableException;
import dev.wallet.edge.http.MoneyGate;
import dev.wallet.edge.http.PathIds;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.RequestBody;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.ledger.MoneyHalt;
import dev.wallet.ledger.MoneyHalts;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * /admin: what the risk team and administrators may do that owners may not (read any wallet,
 * freeze or close one, see and release a halt of money movement). Behind the bearer-token guard like /v1, and then behind a role check:
 * a caller without the admin or risk role gets 403 for every /admin path, existing or not.
 */
public final class AdminHandlers {

  public static final Set<String> ROLES = Set.of("admin", "risk");

  /** The longest reasons the OpenAPI document takes (WalletStatusChange, HaltRelease). */
  private static final int STATUS_REASON_CHARS = 200;
  private static final int RELEASE_REASON_CHARS = 500;

  private final BalanceCache cache;
  private final MoneyHalts halts;
  private final MoneyGate gate;
  private final Funds funds;
  private final LimitsHandlers limits;

  public AdminHandlers(BalanceCache cache, MoneyHalts halts, MoneyGate gate, Funds funds, LimitsHandlers limits) {
    this.cache = cache;
    this.halts = halts;
    this.gate = gate;
    this.funds = funds;
    this.limits = limits;
  }

  /** Guard for /admin/*. */
  public static void requireAdminOrRisk(RoutingContext ctx) {
    if (ROLES.stream().noneMatch(Authenticator.caller(ctx)::has)) {
      throw new ProblemException(Problem.forbidden("only the admin and risk roles reach /admin"));
    }
    ctx.next();
  }

  /** GET /admin/wallets/:id */
  public void wallet(RoutingContext ctx) {
    Reply.answer(ctx, existing(PathIds.wallet(ctx)).compose(limits::wallet).map(Reply::ok));
  }

  /** POST /admin/wallets/:id/status {"status","reason"}: the reason is recorded with the caller's id. */
  public void setStatus(RoutingContext ctx) {
    WalletId id = PathIds.wallet(ctx);
    RequestBody body = RequestBody.of(ctx);
    WalletStatus status = WalletStatus.fromWire(body.text("status"));
    Reply.answer(ctx, changeStatus(id, status, body.text("reason"), Authenticator.caller(ctx))
      .compose(code -> code == OutcomeCode.OK ? existing(id).compose(limits::wallet).map(Reply::ok)
        : Future.succeededFuture(Problem.forRefusal(code).reply())));
  }

  /**
   * A wallet's status change, its reason recorded with the caller's id (the API and the console);
   * 403 for a wallet of the caller's own (until 2026-12-07 a risk user could lift a freeze of theirs).
   */
  public Future<OutcomeCode> changeStatus(WalletId id, WalletStatus status, String reason, Caller caller) {
    requireReason(reason, "why the status changes", STATUS_REASON_CHARS);
    String recorded = reason + " (by " + caller.id() + ")";
    return existing(id).compose(found -> {
      caller.requireNotOwnerOf(found.ownerId(), "the status of a wallet");
      return status != WalletStatus.CLOSED ? cache.setStatus(id, status, recorded).map(outcome -> outcome.code())
        : closedUnlessMoneyOnItsWay(id, recorded);
    });
  }

  /**
   * A wallet with a deposit asked of the gateway or being credited, or a returned payout being
   * credited back, does not close: the money would arrive to a wallet that takes nothing (until
   * 2026-12-07 it closed, and the money was stranded at the gateway; a returned payout's until the
   * day's later fix). One asked for after this check is counted stranded and alerted.
   */
  private Future<OutcomeCode> closedUnlessMoneyOnItsWay(WalletId id, String reason) {
    return funds.deposits().onItsWay(id)
      .compose(deposit -> deposit ? Future.succeededFuture(true) : funds.withdrawals().onItsWay(id))
      .compose(onItsWay -> onItsWay ? Future.succeededFuture(OutcomeCode.MONEY_IN_FLIGHT)
        : cache.setStatus(id, WalletStatus.CLOSED, reason).map(outcome -> outcome.code()));
  }

  /** GET /admin/reconciliation/halt: the halts in force, as this edge last read them, and how old that read is. */
  public void halt(RoutingContext ctx) {
    List<MoneyHalt> halts = gate.halts();
    JsonArray open = new JsonArray();
    halts.forEach(halt -> open.add(halt.toJson()));
    JsonObject body = new JsonObject().put("halted", !halts.isEmpty()).put("halts", open)
      .put("stateAgeSeconds", gate.stateAge().toSeconds());
    gate.readFailure().ifPresent(failure -> body.put("readFailure", failure));
    Reply.ok(body).send(ctx);
  }

  /**
   * POST /admin/reconciliation/halt/release {"reason", "halts"?}, admin role only: the open halts named
   * (the ids read from GET /admin/reconciliation/halt), or without {@code halts} every open halt, are
   * released, recorded with the caller's id, the time and the reason; the answer lists those still
   * open. Money moves again on this edge at once, on the others within a second, once none is open. A
   * run that finds the same thing again halts again, but some findings are made once (a movement's
   * steps, a broken chain: each read since the run before): until 2026-12-07 a release took every
   * open halt, one raised after the operator looked too, which then never came back.
   */
  public void releaseHalt(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    RequestBody body = RequestBody.of(ctx);
    String reason = body.text("reason");
    Reply.answer(ctx, releaseHalts(caller, reason, body.optionalLongs("halts"))
      .map(released -> {
        JsonArray list = new JsonArray();
        released.forEach(halt -> list.add(halt.toJson().put("releasedBy", caller.id()).put("reason", reason)));
        JsonArray stillOpen = new JsonArray();
        gate.halts().stream().filter(halt -> released.stream().noneMatch(gone -> gone.id() == halt.id()))
          .forEach(halt -> stillOpen.add(halt.toJson()));
        return Reply.ok(new JsonObject().put("released", list).put("stillOpen", stillOpen));
      }));
  }

  /**
   * The open halts among {@code ids}, or every open halt, released (admin role, with a reason), and
   * this edge's gate refreshed at once.
   */
  public Future<List<MoneyHalt>> releaseHalts(Caller caller, String reason, Optional<List<Long>> ids) {
    if (!caller.has("admin")) {
      throw new ProblemException(Problem.forbidden("only the admin role releases a halt"));
    }
    requireReason(reason, "why the halt is released", RELEASE_REASON_CHARS);
    return ids.map(named -> halts.release(named, caller.id(), reason))
      .orElseGet(() -> halts.releaseAll(caller.id(), reason))
      .recover(failure -> Future.failedFuture(new DependencyUnavailableException("the ledger did not answer", failure)))
      .compose(released -> gate.refresh().transform(refreshed -> Future.succeededFuture(released)));
  }

  /**
   * A reason an operator gives (the API and the console's forms, whose reasons are typed in a text
   * area): text, recorded as given, its lines and tabs included, as long as the OpenAPI document
   * allows (the console's forms pass no schema: until 2026-12-07 a console reason could be as long as
   * the body limit, and went so into the outbox and the ledger).
   */
  private static void requireReason(String reason, String saying, int maxChars) {
    if (reason.isBlank()) {
      throw ProblemException.invalid("reason must say " + saying);
    }
    if (reason.codePointCount(0, reason.length()) > maxChars) {
      throw ProblemException.invalid("reason must be at most " + maxChars + " characters");
    }
    if (reason.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t')) {
      throw ProblemException.invalid("reason must be text without control characters (but line breaks and tabs)");
    }
  }

  private Future<dev.wallet.balancecache.model.Wallet> existing(WalletId id) {
    return cache.wallet(id).map(found -> found.orElseThrow(() -> new ProblemException(Problem.notFound())));
  }
}
