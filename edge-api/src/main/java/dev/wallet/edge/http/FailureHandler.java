package dev.wallet.edge.http;

import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.OtherRegionException;
import dev.wallet.limits.LimitsUnavailableException;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every failure into a problem answer. Expected ones ({@link ProblemException}) carry
 * their problem; outages become 503 with Retry-After (money did not move, or a retry under the
 * same key finds out); anything else is a bug: logged with the request, answered 500.
 */
public final class FailureHandler {

  private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);

  public void handle(RoutingContext ctx) {
    Problem problem = problemFor(ctx);
    if (ctx.response().headWritten()) {
      LOG.error("failure after the response started, closing it: {}", describe(ctx), ctx.failure());
      ctx.response().reset();
      return;
    }
    problem.reply().send(ctx);
  }

  /** No route has this path. */
  public void noRoute(RoutingContext ctx) {
    Problem.notFound().reply().send(ctx);
  }

  /** A route has this path, for other methods. */
  public void wrongMethod(RoutingContext ctx) {
    Problem.of(ProblemCode.METHOD_NOT_ALLOWED, ctx.request().method() + " is not supported here").reply().send(ctx);
  }

  public static Problem problemFor(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    Optional<Problem> known = known(failure);
    if (known.isPresent()) {
      if (known.get().code() == ProblemCode.UNAVAILABLE) {
        LOG.warn("unavailable: {}: {}{}", describe(ctx), failure.toString(),
          failure.getCause() == null ? "" : " (" + failure.getCause() + ")");
      }
      return known.get();
    }
    if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      return forClientStatus(ctx.statusCode());
    }
    LOG.error("unexpected failure answering {}", describe(ctx), failure);
    return Problem.of(ProblemCode.INTERNAL_ERROR, "unexpected error; it was logged");
  }

  /**
   * The problem a failure is answered with when it is one the edge expects (a refusal, a
   * dependency that did not answer); empty for anything else, which is a bug. A batch answers
   * each item's failure with it.
   */
  public static Optional<Problem> known(Throwable failure) {
    if (failure instanceof ProblemException expected) {
      return Optional.of(expected.problem());
    }
    if (failure instanceof OtherRegionException) {
      return Optional.of(Problem.crossRegion());
    }
    if (failure instanceof BalanceCacheUnavailableException || failure instanceof DependencyUnavailableException
      || failure instanceof LimitsUnavailableException) {
      return Optional.of(Problem.unavailable("a dependency did not answer in time; retry with the same Idempotency-Key"));
    }
    return Optional.empty();
  }

  /** Failures Vert.x Web raises itself, e.g. 413 from the body limit. */
  private static Problem forClientStatus(int status) {
    return switch (status) {
      case 404 -> Problem.notFound();
      case 405 -> Problem.of(ProblemCode.METHOD_NOT_ALLOWED, "method not supported here");
      case 413 -> Problem.of(ProblemCode.PAYLOAD_TOO_LARGE, "the body is larger than this API accepts");
      case 415 -> Problem.of(ProblemCode.UNSUPPORTED_MEDIA_TYPE, "send the body as Content-Type: application/json");
      default -> Problem.invalidRequest("HTTP " + status);
    };
  }

  private static String describe(RoutingContext ctx) {
    Caller caller = Authenticator.callerIfKnown(ctx);
    return ctx.request().method() + " " + ctx.request().path() + " (caller " + (caller == null ? "-" : caller.id())
      + ", request " + RequestLog.requestId(ctx) + ")";
  }
}
