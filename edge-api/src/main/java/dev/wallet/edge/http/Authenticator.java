package dev.wallet.edge.http;

import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.List;

/** The first guard of every /v1 route: a valid bearer token, or 401 before anything else happens. */
public final class Authenticator {

  private static final String CALLER = "wallet.caller";
  private static final String EXPIRES_AT = "wallet.tokenExpiresAt";
  private static final String BEARER = "bearer ";
  static final String ACCESS_TOKEN = "access_token";

  private final JwtVerifier verifier;

  public Authenticator(JwtVerifier verifier) {
    this.verifier = verifier;
  }

  public void authenticate(RoutingContext ctx) {
    remember(ctx, verifier.verified(bearerToken(ctx)));
    ctx.next();
  }

  /**
   * For WebSocket upgrades: the Authorization header, or, for browsers (whose WebSocket API cannot
   * set headers), the {@code access_token} query parameter. The access log records paths without
   * their query, so the token does not end up in logs.
   */
  public void authenticateSocket(RoutingContext ctx) {
    List<String> queryTokens = ctx.queryParam(ACCESS_TOKEN);
    if (ctx.request().headers().contains("Authorization") || queryTokens.isEmpty()) {
      authenticate(ctx);
      return;
    }
    if (queryTokens.size() != 1) {
      throw new ProblemException(Problem.unauthorized("give access_token at most once"));
    }
    remember(ctx, verifier.verified(queryTokens.get(0)));
    ctx.next();
  }

  private static void remember(RoutingContext ctx, JwtVerifier.Verified token) {
    identify(ctx, token.caller());
    ctx.put(EXPIRES_AT, token.expiresAt());
  }

  /**
   * The caller whose token another guard verified (the console's sign-in and session), for the
   * access and failure logs, which name the caller of every request they can.
   */
  public static void identify(RoutingContext ctx, Caller caller) {
    ctx.put(CALLER, caller);
  }

  public static Caller caller(RoutingContext ctx) {
    Caller caller = ctx.get(CALLER);
    if (caller == null) {
      throw new IllegalStateException("route " + ctx.normalizedPath() + " is not behind the authenticator");
    }
    return caller;
  }

  /** When the caller's token expires (routes behind the authenticator only). */
  public static Instant tokenExpiresAt(RoutingContext ctx) {
    caller(ctx);
    return ctx.get(EXPIRES_AT);
  }

  /** For logs: the caller, or null before authentication succeeded. */
  static Caller callerIfKnown(RoutingContext ctx) {
    return ctx.get(CALLER);
  }

  private static String bearerToken(RoutingContext ctx) {
    List<String> headers = ctx.request().headers().getAll("Authorization");
    if (headers.size() != 1) {
      throw new ProblemException(Problem.unauthorized("one Authorization: Bearer <token> header is required"));
    }
    String header = headers.get(0);
    if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      throw new ProblemException(Problem.unauthorized("the Authorization header must be Bearer <token>"));
    }
    return header.substring(BEARER.length()).trim();
  }
}
