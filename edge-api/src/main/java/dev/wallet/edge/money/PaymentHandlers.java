package dev.wallet.edge.money;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.RefundView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.edge.http.HomeRegion;
import dev.wallet.edge.http.IdempotencyKeys;
import dev.wallet.edge.http.Ownership;
import dev.wallet.edge.http.PathIds;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.Representations;
import dev.wallet.edge.http.RequestBody;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.limits.model.Operation;
import dev.wallet.balancecache.model.OutcomeCode;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * /v1/payments: a checkout pays a merchant (one posting, or the saga across shards: the payer
 * debited, the merchant credited the amount less its fee, the fee account the fee), and the
 * merchant refunds part or all of it. The money core checks, in the script that moves the money,
 * that the payer's wallet is the caller's (payments) and that the merchant's wallet is the
 * caller's (refunds); the edge adds the fee (configured per merchant) and the merchant role.
 */
public final class PaymentHandlers {

  private final BalanceCache cache;
  private final Ownership ownership;
  private final Merchants merchants;
  private final EdgeMetrics metrics;
  private final LimitsHandlers limits;

  public PaymentHandlers(BalanceCache cache, Ownership ownership, Merchants merchants, EdgeMetrics metrics,
                         LimitsHandlers limits) {
    this.cache = cache;
    this.ownership = ownership;
    this.merchants = merchants;
    this.metrics = metrics;
    this.limits = limits;
  }

  /**
   * POST /v1/payments, the payment it asks for, before the merchant's fee and the payer's limits:
   * then 201 completed, 202 pending (the sweeper finishes it), or the refusal's problem.
   */
  public Request request(RoutingContext ctx) {
    Request request = Request.of(Authenticator.caller(ctx), RequestBody.of(ctx), IdempotencyKeys.required(ctx));
    HomeRegion.requireHere(ctx, request.payer());
    return request;
  }

  /**
   * A payment (or an authorization of one) as asked for, before the merchant's fee and the payer's
   * limits are known.
   */
  public record Request(Caller caller, WalletId payer, WalletId merchant, Money amount, String orderRef,
                 IdempotencyKey key) {

    /** From a body: a request's, or a batch item's. */
    static Request of(Caller caller, RequestBody body, IdempotencyKey key) {
      return new Request(caller, body.walletId("fromWalletId"), body.walletId("merchantWalletId"),
        body.money("amount", "currency"), body.optionalText("orderRef").orElse(""), key);
    }
  }

  /** The merchant (its wallet and fee) and the payer's limit checks for paying it. */
  record Checked(Merchants.Merchant merchant, List<LimitCheck> limits) {
  }

  /**
   * The merchant's wallet and the payer's limit checks, or a failed future with the refusal (not a
   * merchant wallet, another currency than the merchant wallet's, the payer's limits): a payment's, a
   * batch item's and an authorization's first step. A refusal is not the answer when the request's key
   * answered it before ({@link RulesRefusals}); {@code requestHash}: the request's hash for the money
   * core, given the merchant. Until 2026-12-06 another currency was refused only where the merchant's
   * shard was the payer's: an authorization held the payer's money until its expiry, and a payment
   * to another shard went out and came back. The payer's wallet must be the caller's before another
   * region is asked about its merchant (until 2026-12-06 any caller could have every item of a batch
   * ask, at no cost) and before a refusal is answered: 404 otherwise. On the way through, the money
   * core checks the payer's owner; an ordinary payment reads nothing more for it.
   */
  Future<Checked> checkMerchantAndLimits(Request request, Function<Merchants.Merchant, String> requestHash) {
    Future<Void> askable = merchants.regionOf(request.merchant()).isPresent() ? payersOwn(request)
      : Future.succeededFuture();
    return askable.compose(owned -> merchants.of(request.merchant())
      .transform(found -> found.succeeded() ? checkLimits(request, found.result(), requestHash)
        : answeredWithoutTheMerchant(request, requestHash, found.cause())));
  }

  Future<Void> payersOwn(Request request) {
    return ownership.requireSourceOf(request.caller().id(), request.payer());
  }

  private Future<Checked> checkLimits(Request request, Merchants.Merchant shop,
                                      Function<Merchants.Merchant, String> requestHash) {
    return inTheMerchantsCurrency(shop, request)
      .compose(same -> payerAndMerchantJudged(request, shop))
      .recover(refused -> (RulesRefusals.isRefusal(refused) ? payersOwn(request) : Future.<Void>succeededFuture())
        .compose(owned -> RulesRefusals.answeredBefore(cache, request.payer().shard(), request.key(),
          requestHash.apply(shop), refused)))
      .map(checks -> new Checked(shop, checks));
  }

  /**
   * The payer's limit checks, once the payer's limits and the merchant's standing (both asked at
   * once) allow the payment; the payer's refusal is the answer when both refuse. Another region's merchant is its
   * region's to judge, when the payment reaches it ({@code RegionHandlers}).
   */
  private Future<List<LimitCheck>> payerAndMerchantJudged(Request request, Merchants.Merchant shop) {
    Future<List<LimitCheck>> payer = limits.outgoing(request.caller().id(), Operation.MERCHANT_PAYMENT,
      request.amount(), Optional.of(shop.wallet().ownerId()));
    Future<Void> merchant = merchants.regionOf(request.merchant()).isPresent() ? Future.succeededFuture()
      : limits.merchantStanding(shop.wallet().ownerId());
    return Future.join(payer, merchant).transform(both -> payer.failed() ? payer
      : merchant.failed() ? Future.failedFuture(merchant.cause()) : payer);
  }

  /**
   * Another region's merchant its region cannot answer about now (away, and its answer forgotten): a
   * request its key answered before goes to the money core all the same, which replays that answer
   * before it reads the fee (not part of the request's hash), so the merchant stands in with none, and
   * with a check no amount passes should the key's record have gone meanwhile; any other fails as it came (503, nothing moved). Until 2026-12-06 a retry of a payment applied
   * with its answer lost was 503 for as long as the merchant's region was away.
   */
  private Future<Checked> answeredWithoutTheMerchant(Request request, Function<Merchants.Merchant, String> requestHash,
                                                     Throwable failure) {
    if (merchants.regionOf(request.merchant()).isEmpty()) {
      return Future.failedFuture(failure);
    }
    Merchants.Merchant unknown = new Merchants.Merchant(new WalletIdentity(request.merchant(), "",
      request.amount().currency(), WalletType.MERCHANT), 0);
    return cache.answeredBefore(request.payer().shard(), request.key(), requestHash.apply(unknown))
      .compose(before -> before ? Future.succeededFuture(new Checked(unknown,
        RulesRefusals.noneCanPass("the merchant's region does not answer now")))
        : Future.failedFuture(failure));
  }

  private static Future<Void> inTheMerchantsCurrency(Merchants.Merchant shop, Request request) {
    return shop.wallet().currency().equals(request.amount().currency()) ? Future.succeededFuture()
      : Future.failedFuture(new ProblemException(Problem.forRefusal(OutcomeCode.CURRENCY_MISMATCH)));
  }

  /** The payment with the merchant's fee (its region's) and the payer's limit checks. */
  public Future<Payment> checked(Request request) {
    return checkMerchantAndLimits(request, shop -> payment(request, shop, List.of()).requestHash())
      .map(checked -> payment(request, checked.merchant(), checked.limits()));
  }

  private static Payment payment(Request request, Merchants.Merchant merchant, List<LimitCheck> checks) {
    return new Payment(request.payer(), request.merchant(), request.amount(),
      Fees.feeMinor(request.amount(), merchant.feeBps()), request.caller().id(), request.orderRef(), request.key(),
      checks);
  }

  /** A checked payment through the money core, answered as POST /v1/payments answers it. */
  public Future<Reply> apply(Payment checked) {
    return cache.pay(checked).onSuccess(this::count).map(MovementReply.PAYMENT::answer);
  }

  /** Checked payments all or nothing (see {@link BalanceCache#payAll}), each answered as alone. */
  Future<List<Reply>> applyAll(List<Payment> checked) {
    return cache.payAll(checked).onSuccess(outcomes -> outcomes.forEach(this::count))
      .map(outcomes -> outcomes.stream().map(MovementReply.PAYMENT::answer).toList());
  }

  private void count(Outcome<PaymentView> outcome) {
    metrics.outcome("payment", outcome.code(), outcome.replayed());
  }

  /** GET /v1/payments/:id, for the payer's owner or the merchant's owner. */
  public void get(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    Reply.answer(ctx, visiblePayment(caller, PathIds.payment(ctx))
      .map(payment -> Reply.ok(Representations.payment(payment))));
  }

  /** What POST /v1/payments/:id/refunds {"amount"} asks for: by the merchant (role and wallet). */
  public record RefundRequest(Caller caller, PaymentId payment, long amountMinor, IdempotencyKey key) {
  }

  /** POST /v1/payments/:id/refunds, the refund it asks for; only a caller with the merchant role may. */
  public RefundRequest refundRequest(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    if (!caller.has(Caller.MERCHANT)) {
      throw new ProblemException(Problem.forbidden("refunds need the merchant role"));
    }
    return new RefundRequest(caller, PathIds.payment(ctx), RequestBody.of(ctx).amount("amount"),
      IdempotencyKeys.required(ctx));
  }

  /**
   * The refund, from the merchant's wallet the caller owns, in the payment's currency; of a payment to
   * another region's merchant, made in that region (which checks, in the script that moves the money,
   * that the caller owns the merchant's wallet) and answered as it answers.
   */
  public Future<Reply> refund(RefundRequest request) {
    return cache.payment(request.payment())
      .map(found -> found.orElseThrow(() -> new ProblemException(Problem.notFound())))
      .compose(payment -> {
        Refund refund = new Refund(request.payment(), new Money(request.amountMinor(), payment.amount().currency()),
          request.caller().id(), request.key());
        return merchants.regionOf(payment.merchant())
          .map(region -> merchants.refundThere(region, refund, payment.merchant()))
          .orElseGet(() -> ownership.requireOwned(request.caller(), Optional.of(payment.merchant()))
            .compose(owned -> answered(cache.refund(refund))));
      });
  }

  /**
   * POST /internal/v1/refunds, as another region asks it for its payer's payment to a merchant here
   * ({@link BalanceCache#refundReceived}): answered as this region answers a refund.
   */
  public Future<Reply> refundReceived(Refund refund, WalletId merchant) {
    return answered(cache.refundReceived(refund, merchant));
  }

  private Future<Reply> answered(Future<Outcome<RefundView>> refunded) {
    return refunded.onSuccess(outcome -> metrics.outcome("refund", outcome.code(), outcome.replayed()))
      .map(MovementReply.REFUND::answer);
  }

  /** The payment, for the payer's owner or the merchant's (whose region says who owns it when it is another). */
  private Future<PaymentView> visiblePayment(Caller caller, PaymentId id) {
    return cache.payment(id)
      .map(found -> found.orElseThrow(() -> new ProblemException(Problem.notFound())))
      .compose(payment -> merchants.visibleTo(caller, payment.payer(), payment.merchant()).map(visible -> {
        if (!visible) {
          throw new ProblemException(Problem.notFound());
        }
        return payment;
      }));
  }
}
