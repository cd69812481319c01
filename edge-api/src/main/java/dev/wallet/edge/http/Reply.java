package dev.wallet.edge.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** One HTTP answer: status, JSON body and headers. Handlers build these; only {@link #send} writes. */
public record Reply(int status, String contentType, JsonObject body, Map<String, String> headers) {

  public static final String JSON = "application/json";
  public static final String REPLAYED_HEADER = "Idempotent-Replayed";

  public Reply {
    headers = Map.copyOf(headers);
  }

  public static Reply ok(JsonObject body) {
    return new Reply(200, JSON, body, Map.of());
  }

  public static Reply created(JsonObject body) {
    return new Reply(201, JSON, body, Map.of());
  }

  public static Reply accepted(JsonObject body) {
    return new Reply(202, JSON, body, Map.of());
  }

  public Reply withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Reply(status, contentType, body, more);
  }

  /** Marks an answer that an earlier request under the same Idempotency-Key decided. */
  public Reply replayed(boolean replayed) {
    return replayed ? withHeader(REPLAYED_HEADER, "true") : this;
  }

  /**
   * The edge of every handler's chain: write the reply, or hand the failure to the router's
   * failure handler, on the request's own event loop (a dependency's future may complete on
   * another thread, e.g. a client's timeout timer).
   */
  public static void answer(RoutingContext ctx, Future<Reply> reply) {
    onContextOf(Vertx.currentContext(), reply).onSuccess(done -> done.send(ctx)).onFailure(ctx::fail);
  }

  /** {@code future}'s outcome, delivered on {@code context} (as is when already there, or with no context). */
  public static <T> Future<T> onContextOf(Context context, Future<T> future) {
    if (context == null) {
      return future;
    }
    Promise<T> promise = Promise.promise();
    future.onComplete(outcome -> {
      if (Vertx.currentContext() == context) {
        promise.handle(outcome);
      } else {
        context.runOnContext(hop -> promise.handle(outcome));
      }
    });
    return promise.future();
  }

  public void send(RoutingContext ctx) {
    ctx.response().setStatusCode(status).putHeader("Content-Type", contentType);
    headers.forEach(ctx.response()::putHeader);
    ctx.response().end(body.toBuffer());
  }
}
