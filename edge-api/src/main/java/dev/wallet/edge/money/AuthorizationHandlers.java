package dev.wallet.edge.money;

import java.util.List;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.SystemNames;
import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Authorize;
import dev.wallet.balancecache.command.Capture;
import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.CaptureView;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.edge.http.HomeRegion;
import dev.wallet.edge.http.IdempotencyKeys;
import dev.wallet.edge.http.PathIds;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.Representations;
import dev.wallet.edge.http.RequestBody;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * /v1/authorizations: a card-style checkout. The payer authorizes (money held on its wallet for a
 * merchant wallet, limits counted as for a payment); the merchant captures part or all of it (a
 * payment, refundable like any) or voids it; an authorization past its expiry is released by the
 * money core's sweeper. The payer's and the merchant's owners may read it; only the merchant's
 * owner (with the merchant role) captures or voids.
 */
public final class AuthorizationHandlers {

  private final BalanceCache cache;
  private final Merchants merchants;
  private final EdgeConfig.Authorizations config;
  private final EdgeMetrics metrics;
  private final PaymentHandlers payments;

  public AuthorizationHandlers(BalanceCache cache, Merchants merchants, EdgeConfig.Authorizations config,
                               EdgeMetrics metrics, PaymentHandlers payments) {
    this.cache = cache;
    this.merchants = merchants;
    this.config = config;
    this.metrics = metrics;
    this.payments = payments;
  }

  /**
   * What POST /v1/authorizations asks for: a payment's request, held for {@code lifetimeMs}, which
   * the client asked for or the configured default is ({@code lifetimeAsked}).
   */
  public record AuthorizeRequest(PaymentHandlers.Request payment, long lifetimeMs, boolean lifetimeAsked) {
  }

  /** POST /v1/authorizations, the hold it asks for, before the payer's limits are checked. */
  public AuthorizeRequest request(RoutingContext ctx) {
    RequestBody body = RequestBody.of(ctx);
    PaymentHandlers.Request payment = PaymentHandlers.Request.of(Authenticator.caller(ctx), body,
      IdempotencyKeys.required(ctx));
    HomeRegion.requireHere(ctx, payment.payer());
    return new AuthorizeRequest(payment, expirySeconds(body) * 1_000, body.optionalWhole("expiresInSeconds") != null);
  }

  /** The authorization with the payer's limit checks, as for a payment to the same merchant. */
  public Future<Authorize> checked(AuthorizeRequest request) {
    if (request.lifetimeMs() > config.maxExpirySeconds() * 1_000) {
      return answeredBeforeOrTooLong(request);
    }
    PaymentHandlers.Request payment = request.payment();
    return payments.checkMerchantAndLimits(payment, shop -> authorize(request, List.of()).requestHash())
      .map(checked -> authorize(request, checked.limits()));
  }

  /**
   * A lifetime longer than the maximum is refused 400, unless the request's key answered it before:
   * the maximum was longer then (it was lowered since), and the retry is answered what the hold
   * placed was, as a rules refusal's retry is ({@code RulesRefusals}). Refused, a client that lost
   * the first answer would have authorized again, and the first hold stayed until its expiry.
   */
  private Future<Authorize> answeredBeforeOrTooLong(AuthorizeRequest request) {
    PaymentHandlers.Request payment = request.payment();
    ProblemException tooLong = new ProblemException(Problem.invalidRequest("expiresInSeconds must be between 1 and "
      + config.maxExpirySeconds()));
    return payments.payersOwn(payment)
      .compose(owned -> cache.answeredBefore(payment.payer().shard(), payment.key(),
        authorize(request, List.of()).requestHash()))
      .compose(before -> before
        ? Future.succeededFuture(authorize(request, RulesRefusals.noneCanPass(tooLong.problem().detail())))
        : Future.failedFuture(tooLong));
  }

  private static Authorize authorize(AuthorizeRequest request, List<LimitCheck> checks) {
    PaymentHandlers.Request payment = request.payment();
    return new Authorize(payment.payer(), payment.merchant(), payment.amount(), payment.caller().id(),
      payment.orderRef(), request.lifetimeMs(), payment.key(), checks, request.lifetimeAsked());
  }

  /** 201 active, or the refusal's problem (as for a payment). */
  public Future<Reply> authorize(Authorize checked) {
    return cache.authorize(checked)
      .onSuccess(outcome -> metrics.outcome("authorization", outcome.code(), outcome.replayed()))
      .map(outcome -> outcome.accepted()
        ? Reply.created(Representations.authorization(outcome.value()))
          .withHeader("Location", "/v1/authorizations/" + outcome.value().id().value()).replayed(outcome.replayed())
        : Problem.forRefusal(outcome).reply().replayed(outcome.replayed()));
  }

  /** GET /v1/authorizations/:id, for the payer's owner or the merchant's owner. */
  public void get(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    Reply.answer(ctx, visible(caller, authorizationId(ctx))
      .map(authorization -> Reply.ok(Representations.authorization(authorization))));
  }

  /** What a capture or a void asks for: the authorization, by whom, under which key; a capture's amount and keepOpen. */
  public record ActionRequest(Caller caller, HoldId authorization, Optional<Long> amountMinor, boolean keepOpen,
                              IdempotencyKey key) {
  }

  /**
   * POST /v1/authorizations/:id/captures {"amount"?, "keepOpen"?}: without an amount, all that the
   * authorization holds when it is read.
   */
  public ActionRequest captureRequest(RoutingContext ctx) {
    RequestBody body = RequestBody.of(ctx);
    Optional<Long> asked = body.optionalWhole("amount") == null ? Optional.empty() : Optional.of(body.amount("amount"));
    return new ActionRequest(Authenticator.caller(ctx), authorizationId(ctx), asked, body.flag("keepOpen"),
      IdempotencyKeys.required(ctx));
  }

  /**
   * The capture: 201 when the merchant is on the payer's shard, 202 while the payment goes through
   * the saga (to another shard, or another region); the fee is the merchant's rate, its region's.
   */
  public Future<Reply> capture(ActionRequest request) {
    HoldId id = request.authorization();
    return merchantOwned(request.caller(), id)
      .compose(authorization -> {
        // without an amount, what it holds now: nothing left is still asked, so that a retry of a capture
        // that took it all is answered from the key's record (the money core refuses one never made)
        long amount = request.amountMinor().orElse(Math.max(0, authorization.heldMinor()));
        return merchants.of(authorization.merchant()).compose(merchant -> cache.capture(new Capture(id, amount,
          Fees.feeMinor(new Money(amount, authorization.authorized().currency()), merchant.feeBps()),
          request.keepOpen(), SystemNames.ACTOR, request.key(), request.amountMinor().isEmpty(), merchant.feeBps())));
      })
      .onSuccess(outcome -> metrics.outcome("capture", outcome.code(), outcome.replayed()))
      .compose(outcome -> outcome.code() != OutcomeCode.AUTHORIZATION_NOT_ACTIVE
        ? Future.succeededFuture(captured(outcome))
        : cache.authorization(id).map(found -> found.map(AuthorizationHandlers::notActive)
            .orElseGet(() -> Problem.forRefusal(outcome)))
          // what it became is the answer's detail: the refusal stands without it
          .otherwise(unread -> Problem.forRefusal(outcome))
          .map(problem -> problem.reply().replayed(outcome.replayed())));
  }

  /** POST /v1/authorizations/:id/void: its request is its path and its key. */
  public ActionRequest voidRequest(RoutingContext ctx) {
    return new ActionRequest(Authenticator.caller(ctx), authorizationId(ctx), Optional.empty(), false,
      IdempotencyKeys.required(ctx));
  }

  /**
   * The void: 200 with the released authorization. Voiding one already voided answers the same
   * (replayed); one captured or expired is 409 authorization_not_active, replayed too, as the ending it
   * had before; a key used before for
   * another request is 422, as on every money route.
   */
  public Future<Reply> voidAuthorization(ActionRequest request) {
    return merchantOwned(request.caller(), request.authorization())
      .compose(owned -> cache.voidAuthorization(request.authorization(), request.key()))
      .onSuccess(outcome -> metrics.outcome("void", outcome.code(), outcome.replayed()))
      .map(AuthorizationHandlers::voided);
  }

  /**
   * What the request asks for, or the default. One longer than this edge's maximum is judged once its
   * key is looked at ({@link #checked}); one longer than any maximum may be is refused here.
   */
  private long expirySeconds(RequestBody body) {
    Long asked = body.optionalWhole("expiresInSeconds");
    if (asked == null) {
      return config.defaultExpirySeconds();
    }
    if (asked < 1 || asked > EdgeConfig.Authorizations.LONGEST_EXPIRY_SECONDS) {
      throw new ProblemException(Problem.invalidRequest("expiresInSeconds must be between 1 and "
        + config.maxExpirySeconds()));
    }
    return asked;
  }

  private static HoldId authorizationId(RoutingContext ctx) {
    return PathIds.parse(ctx, HoldId::new);
  }

  private Future<AuthorizationView> visible(Caller caller, HoldId id) {
    return cache.authorization(id)
      .map(found -> found.orElseThrow(() -> new ProblemException(Problem.notFound())))
      .compose(authorization -> merchants.visibleTo(caller, authorization.payer(), authorization.merchant())
        .map(seen -> {
          if (!seen) {
            throw new ProblemException(Problem.notFound());
          }
          return authorization;
        }));
  }

  /** The authorization when the caller may capture or void it: the merchant wallet's owner, with the merchant role. */
  private Future<AuthorizationView> merchantOwned(Caller caller, HoldId id) {
    return visible(caller, id).compose(authorization -> {
      if (!caller.has(Caller.MERCHANT)) {
        throw new ProblemException(Problem.forbidden("captures and voids need the merchant role"));
      }
      return merchants.ownedBy(caller, authorization.merchant()).map(owner -> {
        if (!owner) {
          throw new ProblemException(Problem.forbidden("only the merchant's owner captures or voids an authorization"));
        }
        return authorization;
      });
    });
  }

  /**
   * 409 authorization_not_active, with what the authorization became and, when released, by what
   * (void or expiry): a capture's answer too (until 2026-12-06 only a void's carried them).
   */
  private static Problem notActive(AuthorizationView authorization) {
    Problem problem = Problem.forRefusal(OutcomeCode.AUTHORIZATION_NOT_ACTIVE)
      .with("authorizationStatus", authorization.status().wire());
    return authorization.releasedBy().map(by -> problem.with("releasedBy", by)).orElse(problem);
  }

  private static Reply captured(Outcome<CaptureView> outcome) {
    Reply reply = switch (outcome.code()) {
      case OK -> Reply.created(Representations.capture(outcome.value()));
      case PENDING -> Reply.accepted(Representations.capture(outcome.value()));
      default -> refused(outcome);
    };
    return reply.replayed(outcome.replayed());
  }

  /**
   * A refusal, naming the payment behind it as a payment's refusal does: one still in flight under
   * this key, or one reversed because the merchant's wallet refused the credit (until 2026-12-07 it
   * named none, though the payer's money had moved and come back).
   */
  private static Reply refused(Outcome<CaptureView> outcome) {
    if (outcome.value() == null) {
      return Problem.forRefusal(outcome).reply();
    }
    return MovementReply.PAYMENT.answer(new Outcome<>(outcome.code(), outcome.value().payment(), outcome.replayed(),
      outcome.detail()));
  }

  /** The void's answer, replayed when the money core says so: a 409 too (until 2026-12-07 only a 200 said so). */
  private static Reply voided(Outcome<AuthorizationView> outcome) {
    return voidAnswer(outcome).replayed(outcome.replayed());
  }

  private static Reply voidAnswer(Outcome<AuthorizationView> outcome) {
    if (!outcome.accepted()) {
      return Problem.forRefusal(outcome).reply();
    }
    AuthorizationView authorization = outcome.value();
    if (authorization.status() != AuthorizationView.Status.RELEASED
      || !authorization.releasedBy().equals(Optional.of("void"))) {
      return notActive(authorization).reply();
    }
    return Reply.ok(Representations.authorization(authorization));
  }
}
