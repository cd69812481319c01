package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.gateway.Instrument;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.edge.http.HomeRegion;
import dev.wallet.edge.http.IdempotencyKeys;
import dev.wallet.edge.http.Ownership;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.RequestBody;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.edge.money.RulesRefusals;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * /v1/deposits and /v1/withdrawals: a movement through a gateway, recorded pending and asked of the
 * gateway (202); the gateway's signed webhook ends it, exactly once. A deposit credits the wallet
 * when the gateway confirms; a withdrawal holds the amount before the gateway is asked to pay it
 * out, and the answer settles or releases the hold. The two differ here only in what {@link Kind}
 * holds.
 */
public final class GatewayMovementHandlers<M extends GatewayMovement> {

  /**
   * What differs between the two kinds at the edge.
   *
   * @param name            "deposit" or "withdrawal": the metrics' label and the refusal's "{name}Id"
   * @param path            where its movements are read back
   * @param instrumentField the body's field naming where the money comes from or goes to
   * @param limits          the limits a request is checked against, and the counters it takes
   * @param representation  the movement as the contract shows it
   */
  public record Kind<M>(String name, String path, String instrumentField,
                 BiFunction<Wallet, Money, Future<List<LimitCheck>>> limits, Function<M, JsonObject> representation) {
  }

  public static Kind<Deposit> deposits(LimitsHandlers limits) {
    return new Kind<>("deposit", "/v1/deposits", "source",
      (wallet, amount) -> limits.deposit(wallet, amount).map(List.<LimitCheck>of()), GatewayMovementHandlers::deposit);
  }

  public static Kind<Withdrawal> withdrawals(LimitsHandlers limits) {
    return new Kind<>("withdrawal", "/v1/withdrawals", "destination",
      (wallet, amount) -> limits.withdrawal(wallet.ownerId(), amount),
      GatewayMovementHandlers::withdrawal);
  }

  private final Kind<M> kind;
  private final GatewayMovements<M> movements;
  private final Ownership ownership;
  private final EdgeMetrics metrics;

  public GatewayMovementHandlers(Kind<M> kind, GatewayMovements<M> movements, Ownership ownership, EdgeMetrics metrics) {
    this.kind = kind;
    this.movements = movements;
    this.ownership = ownership;
    this.metrics = metrics;
  }

  /** What a POST asks for: money into or out of a wallet, from or to an instrument. */
  public record Asked(Caller caller, WalletId wallet, Money amount, Instrument instrument, IdempotencyKey key) {
  }

  /** POST: the movement it asks for, before the wallet's ownership and the limits are checked. */
  public Asked request(RoutingContext ctx) {
    RequestBody body = RequestBody.of(ctx);
    return new Asked(Authenticator.caller(ctx), HomeRegion.requireHere(ctx, body.walletId("walletId")), body.money("amount", "currency"),
      instrument(body.object(kind.instrumentField())), IdempotencyKeys.required(ctx));
  }

  /**
   * Into or out of a wallet the caller owns, with the limits it is checked against and the counters it
   * takes. A retry the rules refuse now replays what its key started before they changed
   * ({@link RulesRefusals}): until 2026-12-06 a withdrawal placed with its answer lost, retried after
   * a tier was lowered, was answered limit_exceeded while the reconciler paid it out.
   */
  public Future<GatewayMovements.Request> checked(Asked asked) {
    return ownership.ownedWallet(asked.caller(), asked.wallet())
      .compose(owned -> kind.limits().apply(owned, asked.amount())
        .recover(refused -> RulesRefusals.answeredBefore(() -> movements.recorded(asked.key()), refused))
        .map(checks -> new GatewayMovements.Request(owned, asked.amount(), asked.instrument(), asked.key(), checks)));
  }

  /** The movement started with the gateway: 202 pending, or the refusal's problem. */
  public Future<Reply> create(GatewayMovements.Request checked) {
    return movements.create(checked)
      .onSuccess(outcome -> metrics.outcome(kind.name(), outcome.code(), outcome.replayed()))
      .map(this::accepted);
  }

  /** A deposit's source or a withdrawal's destination: {"type", "account"?}. */
  private static Instrument instrument(RequestBody member) {
    return new Instrument(member.text("type"), member.optionalText("account"));
  }

  /** GET .../:id, for the owner of its wallet; an id of another shape is no movement (404, not a query). */
  public void get(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    String id = ctx.pathParam("id");
    if (!FundsIds.wellFormed(id)) {
      throw new ProblemException(Problem.notFound());
    }
    Reply.answer(ctx, movements.find(id)
      .map(found -> found.filter(movement -> caller.owns(movement.ownerId()))
        .orElseThrow(() -> new ProblemException(Problem.notFound())))
      .map(movement -> Reply.ok(kind.representation().apply(movement))));
  }

  /** A refusal that recorded a movement names it, so a client can read it back. */
  private Reply accepted(Outcome<M> outcome) {
    if (!outcome.accepted()) {
      Problem problem = Problem.forRefusal(outcome);
      if (outcome.value() != null) {
        problem = problem.with(kind.name() + "Id", outcome.value().id());
      }
      return problem.reply().replayed(outcome.replayed());
    }
    M movement = outcome.value();
    return Reply.accepted(kind.representation().apply(movement))
      .withHeader("Location", kind.path() + "/" + movement.id())
      .replayed(outcome.replayed());
  }

  /** The contract's deposit, plus source, createdAt and (when it failed or was reversed) failureReason. */
  private static JsonObject deposit(Deposit deposit) {
    JsonObject json = new JsonObject()
      .put("id", deposit.id())
      .put("walletId", deposit.wallet().value())
      .put("status", deposit.status().wire())
      .put("amount", deposit.amount().minor())
      .put("currency", deposit.amount().currencyCode())
      .put("source", deposit.source().type())
      .put("createdAt", deposit.createdAt().toString());
    deposit.failureReason().ifPresent(reason -> json.put("failureReason", reason));
    return json;
  }

  /** The contract's withdrawal, plus destination, createdAt and (when it failed or came back) failureReason. */
  private static JsonObject withdrawal(Withdrawal withdrawal) {
    JsonObject json = new JsonObject()
      .put("id", withdrawal.id())
      .put("walletId", withdrawal.wallet().value())
      .put("status", withdrawal.status().wire())
      .put("amount", withdrawal.amount().minor())
      .put("currency", withdrawal.amount().currencyCode())
      .put("destination", withdrawal.destination().type())
      .put("createdAt", withdrawal.createdAt().toString());
    withdrawal.failureReason().ifPresent(reason -> json.put("failureReason", reason));
    return json;
  }
}
