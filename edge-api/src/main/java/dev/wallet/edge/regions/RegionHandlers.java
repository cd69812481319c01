package dev.wallet.edge.regions;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.edge.gateway.WebhookSignature;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.RequestLog;
import dev.wallet.edge.limits.LimitsHandlers;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What regions ask of each other (docs/architecture.md, "Regions"), not behind the bearer-token
 * guard: another region proves itself with the signature over the timestamp and the raw body,
 * checked (401 otherwise) before the body is parsed.
 * <ul>
 *   <li>{@code POST /internal/v1/settlements}: a transfer another region debited for a wallet of this
 *       one; the money core credits it at most once and answers every delivery with its first
 *       decision, {@code 200 {"code": "OK" | refusal}};</li>
 *   <li>{@code POST /internal/v1/settlements/finished}: the source finished that movement and will not
 *       deliver it again, so its decision marker here may expire;</li>
 *   <li>{@code GET /internal/v1/clearing}: this region's books against the others, for their check;</li>
 *   <li>{@code GET /admin/regions/clearing} (behind the admin guard): the check between this region
 *       and each other one ({@link ClearingCheck}).</li>
 * </ul>
 */
public final class RegionHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(RegionHandlers.class);

  private final BalanceCache cache;
  private final WebhookSignature signature;
  private final Clock clock;
  private final Optional<ClearingCheck> check;
  private final LimitsHandlers limits;

  public RegionHandlers(BalanceCache cache, LimitsHandlers limits, String secret, Clock clock,
                        Optional<ClearingCheck> check) {
    this.cache = cache;
    this.limits = limits;
    this.signature = new WebhookSignature(secret);
    this.clock = clock;
    this.check = check;
  }

  public void receive(RoutingContext ctx) {
    Settlement settlement = parse(signed(ctx));
    Reply.answer(ctx, receiverRefusal(settlement)
      .compose(refusal -> cache.creditFromRegion(settlement, refusal))
      .map(decision -> Reply.ok(new JsonObject().put("code", decision.name())))
      .recover(failure -> Future.failedFuture(failure instanceof IllegalArgumentException
        ? ProblemException.invalid(failure.getMessage()) : failure)));
  }

  /**
   * What the receiver's limits say, as for a transfer within this region: a refusal becomes the
   * movement's decision (LIMIT_EXCEEDED, and the source region gives the money back) unless the
   * movement was decided before. Limits that cannot be read fail the delivery (503), which the
   * source asks again.
   */
  private Future<Optional<OutcomeCode>> receiverRefusal(Settlement settlement) {
    if (!cache.shards().contains(settlement.to().shard())) {
      return Future.succeededFuture(Optional.empty());
    }
    return cache.identity(settlement.to()).compose(found -> found
      .map(wallet -> limits.receiving(wallet.ownerId(), settlement.amount())
        .map(allowed -> Optional.<OutcomeCode>empty())
        .recover(RegionHandlers::refusedByLimits))
      .orElse(Future.succeededFuture(Optional.empty())));
  }

  private static Future<Optional<OutcomeCode>> refusedByLimits(Throwable failure) {
    if (failure instanceof ProblemException refused && refused.problem().status() == 422) {
      return Future.succeededFuture(Optional.of(OutcomeCode.LIMIT_EXCEEDED));
    }
    return Future.failedFuture(failure);
  }

  public void finished(RoutingContext ctx) {
    Settlement settlement = parse(signed(ctx));
    Reply.answer(ctx, cache.forgetSettled(settlement).map(forgotten -> Reply.ok(new JsonObject().put("finished", true)))
      .recover(failure -> Future.failedFuture(failure instanceof IllegalArgumentException
        ? ProblemException.invalid(failure.getMessage()) : failure)));
  }

  public void position(RoutingContext ctx) {
    signed(ctx);
    Reply.answer(ctx, cache.clearingPosition().map(position -> Reply.ok(ClearingMessage.toJson(position))));
  }

  public void check(RoutingContext ctx) {
    Reply.answer(ctx, check.map(ClearingCheck::run).map(result -> result.map(Reply::ok))
      .orElse(Future.failedFuture(new ProblemException(Problem.notFound()))));
  }

  /** The raw body, once its signature is a region's. */
  private Buffer signed(RoutingContext ctx) {
    Buffer raw = ctx.body() == null || ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    WebhookSignature.Verdict verdict = signature.verify(ctx.request().getHeader(WebhookSignature.HEADER),
      raw.getBytes(), clock.instant().getEpochSecond());
    if (verdict != WebhookSignature.Verdict.VALID) {
      LOG.warn("request between regions refused ({}) from {} (request {})", verdict, ctx.request().remoteAddress(),
        RequestLog.requestId(ctx));
      throw new ProblemException(Problem.unauthorized("only a region of this deployment may ask this, signed"));
    }
    return raw;
  }

  private static Settlement parse(Buffer raw) {
    try {
      return SettlementMessage.fromJson(new JsonObject(raw));
    } catch (DecodeException | IllegalArgumentException | ClassCastException | NullPointerException malformed) {
      throw ProblemException.invalid("not a settlement: " + malformed.getMessage());
    }
  }
}
