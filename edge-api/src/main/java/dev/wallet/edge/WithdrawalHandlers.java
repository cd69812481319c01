package dev.wallet.edge;

import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.limits.model.Operation;
import java.util.Optional;
import dev.wallet.edge.funds.Withdrawal;
import dev.wallet.edge.funds.GatewayMovements;
import dev.wallet.edge.gateway.Instrument;
import io.vertx.ext.web.RoutingContext;

/**
 * /v1/withdrawals. The amount is held before the gateway is asked to pay it out (202 pending,
 * funds held); the gateway's answer settles or releases the hold.
 */
final class WithdrawalHandlers {

  private final GatewayMovements<Withdrawal> withdrawals;
  private final Ownership ownership;
  private final EdgeMetrics metrics;

  private final LimitsHandlers limits;

  WithdrawalHandlers(GatewayMovements<Withdrawal> withdrawals, Ownership ownership, EdgeMetrics metrics,
                     LimitsHandlers limits) {
    this.withdrawals = withdrawals;
    this.ownership = ownership;
    this.metrics = metrics;
    this.limits = limits;
  }

  /** POST /v1/withdrawals from a wallet the caller owns. */
  void create(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    RequestBody body = RequestBody.of(ctx);
    WalletId wallet = body.walletId("walletId");
    Money amount = body.money("amount", "currency");
    Instrument destination = body.object("destination").instrument();
    Reply.answer(ctx, ownership.ownedWallet(caller, wallet)
      .compose(owned -> limits.outgoing(owned.ownerId(), Operation.WITHDRAWAL, amount, Optional.empty())
        .compose(checks -> withdrawals.create(new GatewayMovements.Request(owned, amount, destination,
          IdempotencyKeys.required(ctx), checks))))
      .onSuccess(outcome -> metrics.outcome("withdrawal", outcome.code(), outcome.replayed()))
      .map(WithdrawalHandlers::accepted));
  }

  /** GET /v1/withdrawals/:id, for the owner of its wallet. */
  void get(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    Reply.answer(ctx, withdrawals.find(ctx.pathParam("id"))
      .map(found -> found.filter(withdrawal -> caller.owns(withdrawal.ownerId()))
        .orElseThrow(() -> new ProblemException(Problem.notFound())))
      .map(withdrawal -> Reply.ok(Representations.withdrawal(withdrawal))));
  }

  /** A refused hold names the withdrawal it failed, so a client can read it back. */
  private static Reply accepted(Outcome<Withdrawal> outcome) {
    if (outcome.code() != OutcomeCode.PENDING) {
      Problem problem = Problem.forRefusal(outcome);
      if (outcome.value() != null) {
        problem = problem.with("withdrawalId", outcome.value().id());
      }
      return problem.reply().replayed(outcome.replayed());
    }
    Withdrawal withdrawal = outcome.value();
    return Reply.accepted(Representations.withdrawal(withdrawal))
      .withHeader("Location", "/v1/withdrawals/" + withdrawal.id())
      .replayed(outcome.replayed());
  }
}
