package dev.wallet.edge.regions;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;
import dev.wallet.edge.gateway.WebhookSignature;
import dev.wallet.edge.http.FailureHandler;
import dev.wallet.edge.http.MoneyGate;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.RequestLog;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.edge.money.Merchants;
import dev.wallet.edge.money.PaymentHandlers;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What regions ask of each other (docs/architecture.md, "Regions"), not behind the bearer-token
 * guard: another region names itself ({@link RegionChannel#REGION_HEADER}) and proves it with the
 * signature over the timestamp and the raw body made with the secret the two share, checked (401
 * otherwise) before the body is parsed; a settlement must be of a movement of the region that signed it.
 * <ul>
 *   <li>{@code POST /internal/v1/settlements}: a transfer another region debited for a wallet of this
 *       one; the money core credits it at most once and answers every delivery with its first
 *       decision, {@code 200 {"code": "OK" | refusal}};</li>
 *   <li>{@code POST /internal/v1/settlements/finished}: the source finished that movement and will not
 *       deliver it again, so its decision marker here may expire;</li>
 *   <li>{@code POST /internal/v1/merchants}: a merchant wallet of this region and the fee it pays, for a
 *       payment to it from another region ({@link MerchantMessage});</li>
 *   <li>{@code POST /internal/v1/refunds}: a refund of the signing region's payment to a merchant of this
 *       one, made here and answered as this region answers its merchant;</li>
 *   <li>{@code GET /internal/v1/clearing}: this region's books against the others, for their check;</li>
 *   <li>{@code GET /admin/regions/clearing} (behind the admin guard): the check between this region
 *       and each other one ({@link ClearingCheck}).</li>
 * </ul>
 */
public final class RegionHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(RegionHandlers.class);
  private static final String SIGNED = "wallet.region.signed";

  private final BalanceCache cache;
  private final Regions regions;
  private final Function<String, String> secretWith;
  private final Clock clock;
  private final Optional<ClearingCheck> check;
  private final LimitsHandlers limits;
  private final Merchants merchants;
  private final PaymentHandlers payments;
  private final MoneyGate gate;

  /** {@code secretWith}: the secret this region shares with a region, by its name. */
  public RegionHandlers(BalanceCache cache, LimitsHandlers limits, Merchants merchants, PaymentHandlers payments,
                        MoneyGate gate, Regions regions, Function<String, String> secretWith, Clock clock,
                        Optional<ClearingCheck> check) {
    this.cache = cache;
    this.gate = gate;
    this.limits = limits;
    this.merchants = merchants;
    this.payments = payments;
    this.regions = regions;
    this.secretWith = secretWith;
    this.clock = clock;
    this.check = check;
  }

  public void receive(RoutingContext ctx) {
    Settlement settlement = settlement(ctx, RegionChannel.PATH);
    answerSigned(ctx, RegionChannel.PATH, openOrDecided(settlement)
      .compose(open -> receiverRefusal(settlement))
      .compose(refusal -> cache.creditFromRegion(settlement, refusal))
      .map(decision -> Reply.ok(new JsonObject().put("code", decision.name())))
      .recover(RegionHandlers::asInvalid));
  }

  /**
   * A halt here stops new credits; a movement decided before is answered again, which moves no
   * money (until 2026-12-07 a delivery asked again because its answer was lost failed for as long
   * as a halt lasted, and the sender saw a transfer credited here pending).
   */
  private Future<Void> openOrDecided(Settlement settlement) {
    return gate.whenOpen().recover(halted -> cache.settlementDecided(settlement)
      .compose(decided -> decided ? Future.succeededFuture() : Future.failedFuture(halted)));
  }

  /**
   * What the receiver's limits say (a payment's merchant: its standing), as within this region: a refusal becomes the
   * movement's decision (LIMIT_EXCEEDED, and the source region gives the money back) unless the
   * movement was decided before. Limits that cannot be read fail the delivery (503), which the
   * source asks again, unless the movement was decided before: its decision is answered again
   * whatever the limits say (until 2026-12-06 a delivery of a movement credited here, asked again
   * because its answer was lost, failed for as long as the limits were away, and the sender saw it
   * pending).
   */
  private Future<Optional<OutcomeCode>> receiverRefusal(Settlement settlement) {
    // a refund's payer is not judged as a receiver, as within a region
    if (!judgedHere(settlement.kind()) || !cache.shards().contains(settlement.to().shard())) {
      return Future.succeededFuture(Optional.empty());
    }
    return cache.identity(settlement.to()).compose(found -> found
      .map(wallet -> receiverAllows(settlement, wallet.ownerId())
        .map(allowed -> Optional.<OutcomeCode>empty())
        .recover(failure -> refusedByLimits(settlement, failure)))
      .orElse(Future.succeededFuture(Optional.empty())));
  }

  private static boolean judgedHere(MovementKind kind) {
    return kind == MovementKind.TRANSFER || kind == MovementKind.PAYMENT;
  }

  /** A transfer's receiver by its limits; a payment's merchant by its standing alone, as within a region. */
  private Future<Void> receiverAllows(Settlement settlement, String ownerId) {
    return settlement.kind() == MovementKind.PAYMENT ? limits.merchantStanding(ownerId)
      : limits.receiving(ownerId, settlement.amount());
  }

  private Future<Optional<OutcomeCode>> refusedByLimits(Settlement settlement, Throwable failure) {
    if (failure instanceof ProblemException refused && refused.problem().status() == 422) {
      return Future.succeededFuture(Optional.of(OutcomeCode.LIMIT_EXCEEDED));
    }
    return cache.settlementDecided(settlement).compose(decided -> decided
      ? Future.succeededFuture(Optional.<OutcomeCode>empty()) : Future.failedFuture(failure));
  }

  public void finished(RoutingContext ctx) {
    Settlement settlement = settlement(ctx, RegionChannel.FINISHED_PATH);
    answerSigned(ctx, RegionChannel.FINISHED_PATH, cache.forgetSettled(settlement)
      .map(forgotten -> Reply.ok(new JsonObject().put("finished", true)))
      .recover(RegionHandlers::asInvalid));
  }

  public void merchant(RoutingContext ctx) {
    signed(ctx, RegionChannel.MERCHANTS_PATH);
    WalletId wallet = parsed(ctx, json -> new WalletId(json.getString("walletId")));
    Future<Optional<Merchants.Merchant>> found = cache.shards().contains(wallet.shard()) ? merchants.here(wallet)
      : Future.succeededFuture(Optional.empty());
    answerSigned(ctx, RegionChannel.MERCHANTS_PATH, found.map(merchant -> Reply.ok(MerchantMessage.merchantToJson(merchant))));
  }

  /**
   * A refund asked by another region is verified before the money gate: a request no region signed
   * learns nothing, not even whether this region is halted (until 2026-12-07 it was answered 503).
   */
  public void signedRefund(RoutingContext ctx) {
    ctx.put(SIGNED, signed(ctx, RegionChannel.REFUNDS_PATH));
    ctx.next();
  }

  /**
   * A refund the payment's region asks for: answered {@code 200} with what this region answers the
   * merchant, refusals included ({@link MerchantMessage}); a failure this region does not expect fails the call.
   */
  public void refund(RoutingContext ctx) {
    Signed signed = ctx.get(SIGNED);
    MerchantMessage.RefundAsked asked = parsed(ctx, MerchantMessage::refundFromJson);
    String paymentRegion = regions.homeOf(asked.refund().payment().shard()).map(Regions.Region::name).orElse("");
    if (!paymentRegion.equals(signed.region())) {
      throw refused(ctx, "signed by region " + signed.region() + " for a payment of region " + paymentRegion);
    }
    answerSigned(ctx, RegionChannel.REFUNDS_PATH, payments.refundReceived(asked.refund(), asked.merchant())
      .recover(failure -> FailureHandler.known(failure).map(problem -> Future.succeededFuture(problem.reply()))
        .orElseGet(() -> asInvalid(failure)))
      .map(answer -> Reply.ok(MerchantMessage.replyToJson(answer))));
  }

  public void position(RoutingContext ctx) {
    signed(ctx, RegionChannel.CLEARING_PATH);
    answerSigned(ctx, RegionChannel.CLEARING_PATH, cache.clearingPosition()
      .map(position -> Reply.ok(ClearingMessage.toJson(position))));
  }

  public void check(RoutingContext ctx) {
    Reply.answer(ctx, check.map(ClearingCheck::run).map(result -> result.map(Reply::ok))
      .orElse(Future.failedFuture(new ProblemException(Problem.notFound()))));
  }

  /** A settlement signed by the region it comes from: a region may only speak for its own movements. */
  private Settlement settlement(RoutingContext ctx, String path) {
    Signed signed = signed(ctx, path);
    Settlement settlement = parse(signed.body());
    if (!settlement.sourceRegion().equals(signed.region())) {
      throw refused(ctx, "signed by region " + signed.region() + " for a movement of region "
        + settlement.sourceRegion());
    }
    return settlement;
  }

  /** What a region sent, and which one: the body's signature is the one this region shares with it. */
  private record Signed(String region, Buffer body, String signature) {
  }

  /**
   * A signed request's answer, a 200 signed in turn for that request ({@link RegionChannel#answering}):
   * the asking region believes no other. A failure is answered as any is, unsigned, and the asking
   * region asks again.
   */
  private void answerSigned(RoutingContext ctx, String path, Future<Reply> reply) {
    Signed asked = ctx.get(SIGNED);
    String self = regions.self().orElseThrow().name();
    Reply.answer(ctx, reply.map(answer -> answer.status() != 200 ? answer
      : answer.withHeader(RegionChannel.ANSWER_SIGNATURE_HEADER, new WebhookSignature(secretWith.apply(asked.region()))
        .header(clock.instant().getEpochSecond(),
          RegionChannel.answering(path, asked.signature(), self, answer.body().toBuffer().getBytes())))));
  }

  /** {@code path}: the endpoint's own, which the signature must name (not the request's, which a proxy may prefix). */
  private Signed signed(RoutingContext ctx, String path) {
    Buffer raw = ctx.body() == null || ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    String region = String.valueOf(ctx.request().getHeader(RegionChannel.REGION_HEADER));
    if (!isPeer(region)) {
      throw refused(ctx, "no other region of this deployment is called '" + region + "'");
    }
    WebhookSignature.Verdict verdict = new WebhookSignature(secretWith.apply(region)).verify(
      ctx.request().getHeader(WebhookSignature.HEADER),
      RegionChannel.addressed(ctx.request().method().name(), path, region, raw.getBytes()),
      clock.instant().getEpochSecond());
    if (verdict != WebhookSignature.Verdict.VALID) {
      throw refused(ctx, verdict + " for region " + region);
    }
    Signed signed = new Signed(region, raw, ctx.request().getHeader(WebhookSignature.HEADER));
    ctx.put(SIGNED, signed);
    return signed;
  }

  private boolean isPeer(String region) {
    return regions.regions().stream().anyMatch(r -> r.name().equals(region))
      && !regions.self().map(Regions.Region::name).orElse("").equals(region);
  }

  private static ProblemException refused(RoutingContext ctx, String why) {
    LOG.warn("request between regions refused ({}) from {} (request {})", why, ctx.request().remoteAddress(),
      RequestLog.requestId(ctx));
    return new ProblemException(Problem.unsigned(WebhookSignature.HEADER, "regions",
      "only a region of this deployment may ask this, signed"));
  }

  private static Settlement parse(Buffer raw) {
    try {
      return SettlementMessage.fromJson(new JsonObject(raw));
    } catch (DecodeException | IllegalArgumentException | ClassCastException | NullPointerException malformed) {
      throw ProblemException.invalid("not a settlement: " + malformed.getMessage());
    }
  }

  /** A failure the request caused, as 400; any other as it is. */
  private static <T> Future<T> asInvalid(Throwable failure) {
    return Future.failedFuture(failure instanceof IllegalArgumentException
      ? ProblemException.invalid(failure.getMessage()) : failure);
  }

  /** A signed request's body, read by {@code read}: 400 when it is not what it should be. */
  private static <T> T parsed(RoutingContext ctx, Function<JsonObject, T> read) {
    try {
      return read.apply(ctx.body().asJsonObject());
    } catch (DecodeException | IllegalArgumentException | ClassCastException | NullPointerException malformed) {
      throw ProblemException.invalid("not a request between regions: " + malformed.getMessage());
    }
  }
}
