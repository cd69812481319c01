package dev.wallet.edge.http;

import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every request: gives it a request id (the client's {@code X-Request-Id}
 * when it is a sane token, else a fresh UUID), sends the id back in the response header, and
 * writes one structured access-log line when the response ends. The id travels as a log field
 * (not thread-local state: an event loop interleaves many requests), so every line about a
 * request, here and in {@link FailureHandler}, can be found by it.
 */
public final class RequestLog {

  public static final String HEADER = "X-Request-Id";
  private static final String KEY = "wallet.requestId";
  private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Logger ACCESS = LoggerFactory.getLogger("dev.wallet.edge.access");

  private RequestLog() {
  }

  public static void start(RoutingContext ctx) {
    String id = requestIdFrom(ctx.request().getHeader(HEADER));
    ctx.put(KEY, id);
    ctx.response().putHeader(HEADER, id);
    long startNanos = System.nanoTime();
    ctx.addEndHandler(ended -> logAccess(ctx, startNanos));
    ctx.next();
  }

  public static String requestId(RoutingContext ctx) {
    String id = ctx.get(KEY);
    return id == null ? "-" : id;
  }

  private static String requestIdFrom(String header) {
    return header != null && SANE.matcher(header).matches() ? header : UUID.randomUUID().toString();
  }

  private static void logAccess(RoutingContext ctx, long startNanos) {
    if (!ACCESS.isInfoEnabled()) {
      return;
    }
    Caller caller = Authenticator.callerIfKnown(ctx);
    ACCESS.atInfo()
      .addKeyValue("requestId", requestId(ctx))
      .addKeyValue("method", ctx.request().method().name())
      .addKeyValue("route", ctx.currentRoute() == null ? "-" : String.valueOf(ctx.currentRoute().getPath()))
      .addKeyValue("path", ctx.request().path())
      .addKeyValue("status", ctx.response().getStatusCode())
      .addKeyValue("durationMs", (System.nanoTime() - startNanos) / 1_000_000.0)
      .addKeyValue("caller", caller == null ? "-" : caller.id())
      .log("{} {} {}", ctx.request().method(), ctx.request().path(), ctx.response().getStatusCode());
  }
}
