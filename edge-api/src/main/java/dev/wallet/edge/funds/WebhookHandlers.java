package dev.wallet.edge.funds;

import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.WebhookSignature;
import dev.wallet.edge.http.ApiSchema;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.RequestLog;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /v1/webhooks/gateway/:gateway. Not behind the bearer-token guard: a gateway proves itself
 * with the HMAC signature over the timestamp and the raw body, verified before the body is even
 * parsed. Each event id is applied at most once (see {@link Funds#onEvent}).
 */
public final class WebhookHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookHandlers.class);

  private final Funds funds;
  private final WebhookSignature signature;
  private final Clock clock;
  private final EdgeMetrics metrics;

  public WebhookHandlers(Funds funds, WebhookSignature signature, Clock clock, EdgeMetrics metrics) {
    this.funds = funds;
    this.signature = signature;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Guard: a known gateway and a valid, fresh signature over the raw body; 404 or 401 otherwise. */
  public void verify(RoutingContext ctx) {
    if (!funds.gatewayName().equals(ctx.pathParam("gateway"))) {
      throw new ProblemException(Problem.notFound());
    }
    Buffer raw = ctx.body().buffer();
    byte[] body = raw == null ? new byte[0] : raw.getBytes();
    WebhookSignature.Verdict verdict = signature.verify(ctx.request().getHeader(WebhookSignature.HEADER), body,
      clock.instant().getEpochSecond());
    if (verdict != WebhookSignature.Verdict.VALID) {
      LOG.warn("webhook refused ({}) from {} (request {})", verdict, ctx.request().remoteAddress(),
        RequestLog.requestId(ctx));
      metrics.webhook(verdict.name().toLowerCase(java.util.Locale.ROOT));
      throw new ProblemException(Problem.unsigned(WebhookSignature.HEADER, "gateway webhooks", switch (verdict) {
        case STALE -> "the signature's timestamp is more than " + WebhookSignature.TOLERANCE_SECONDS
          + " s away from now";
        case MALFORMED -> "a " + WebhookSignature.HEADER + ": t=<unix seconds>,v1=<hex HMAC-SHA256> header is required";
        default -> "bad signature";
      }));
    }
    ctx.next();
  }

  public void receive(RoutingContext ctx) {
    GatewayEvent event = readable(ctx);
    String body = ctx.body().buffer().toString(StandardCharsets.UTF_8);
    Reply.answer(ctx, funds.onEvent(event, body)
      .onSuccess(result -> metrics.webhook(result.name().toLowerCase(java.util.Locale.ROOT)))
      .onFailure(failure -> metrics.webhook(failure instanceof EventRefusedException refused
        ? refused.reason().name().toLowerCase(java.util.Locale.ROOT) : "failed"))
      .map(result -> Reply.ok(new JsonObject().put("received", true)
        .put("duplicate", result == EventResult.DUPLICATE)))
      .recover(WebhookHandlers::refused));
  }

  /**
   * The event the schema let through, or 400 for one it cannot be (a currency no one has): until
   * 2026-12-07 that was a 500, which the gateway sent again and again.
   */
  private GatewayEvent readable(RoutingContext ctx) {
    try {
      return GatewayEvent.fromJson(ApiSchema.body(ctx));
    } catch (IllegalArgumentException unreadable) {
      metrics.webhook("unreadable");
      throw new ProblemException(Problem.invalidRequest("the event cannot be read: " + unreadable.getMessage()));
    }
  }

  private static Future<Reply> refused(Throwable failure) {
    if (!(failure instanceof EventRefusedException refused)) {
      return Future.failedFuture(failure);
    }
    return Future.succeededFuture(switch (refused.reason()) {
      case UNKNOWN_REFERENCE -> Problem.notFound().reply();
      case MISMATCH -> Problem.invalidRequest(refused.getMessage()).reply();
      case NOT_YET -> Problem.unavailable(refused.getMessage()).reply();
    });
  }
}
