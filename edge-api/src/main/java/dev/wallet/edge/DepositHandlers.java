package dev.wallet.edge;

import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.funds.Deposit;
import dev.wallet.edge.funds.GatewayMovements;
import dev.wallet.edge.gateway.Instrument;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * /v1/deposits. A deposit is recorded pending and asked of the gateway (202); the wallet is
 * credited when the gateway confirms through its signed webhook, exactly once.
 */
final class DepositHandlers {

  private final GatewayMovements<Deposit> deposits;
  private final Ownership ownership;
  private final EdgeMetrics metrics;

  private final LimitsHandlers limits;

  DepositHandlers(GatewayMovements<Deposit> deposits, Ownership ownership, EdgeMetrics metrics, LimitsHandlers limits) {
    this.deposits = deposits;
    this.ownership = ownership;
    this.metrics = metrics;
    this.limits = limits;
  }

  /** POST /v1/deposits into a wallet the caller owns. */
  void create(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    RequestBody body = RequestBody.of(ctx);
    WalletId wallet = body.walletId("walletId");
    Money amount = body.money("amount", "currency");
    Instrument source = body.object("source").instrument();
    Reply.answer(ctx, ownership.ownedWallet(caller, wallet)
      .compose(owned -> limits.deposit(owned, amount).map(owned))
      .compose(owned -> deposits.create(new GatewayMovements.Request(owned, amount, source,
        IdempotencyKeys.required(ctx), List.of())))
      .onSuccess(outcome -> metrics.outcome("deposit", outcome.code(), outcome.replayed()))
      .map(DepositHandlers::accepted));
  }

  /** GET /v1/deposits/:id, for the owner of its wallet. */
  void get(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    Reply.answer(ctx, deposits.find(ctx.pathParam("id"))
      .map(found -> found.filter(deposit -> caller.owns(deposit.ownerId()))
        .orElseThrow(() -> new ProblemException(Problem.notFound())))
      .map(deposit -> Reply.ok(Representations.deposit(deposit))));
  }

  private static Reply accepted(Outcome<Deposit> outcome) {
    if (!outcome.accepted()) {
      return Problem.forRefusal(outcome).reply().replayed(outcome.replayed());
    }
    Deposit deposit = outcome.value();
    return Reply.accepted(Representations.deposit(deposit))
      .withHeader("Location", "/v1/deposits/" + deposit.id())
      .replayed(outcome.replayed());
  }
}
