package dev.wallet.edge.console;

import dev.wallet.balancecache.model.Sha256;
import dev.wallet.edge.admin.AdminHandlers;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.JwtVerifier;
import dev.wallet.edge.http.ProblemException;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * The risk console's sign-in, without server-side state (the edges stay stateless and any of them
 * answers): the pasted token, once verified by the same {@link JwtVerifier} as the API, is kept in
 * an HttpOnly, SameSite=Strict cookie scoped to /console, and verified again on every request (so it
 * expires with the token). Every form post must carry the session's CSRF token, derived from the
 * cookie (which script cannot read) by a one-way hash, and come from this origin.
 */
public final class ConsoleSession {

  public static final String COOKIE = "wallet_console";
  static final String CSRF_FIELD = "csrf";
  static final String CSRF_HEADER = "X-CSRF-Token";
  private static final String CALLER = "console.caller";
  private static final String CSRF = "console.csrf";

  /** Why a request gets no console: no session (401) or a session without the role (403). */
  public record Refusal(int status, String reason) {
  }

  private final JwtVerifier verifier;
  private final Clock clock;

  public ConsoleSession(JwtVerifier verifier, Clock clock) {
    this.verifier = verifier;
    this.clock = clock;
  }

  /** Verifies a pasted token; for an admin or risk caller, the cookie is set. */
  public Optional<Refusal> signIn(RoutingContext ctx, String token) {
    JwtVerifier.Verified verified;
    try {
      verified = verifier.verified(token.trim());
    } catch (ProblemException invalid) {
      return Optional.of(new Refusal(401, "That token is not valid: " + invalid.problem().detail()));
    }
    Authenticator.identify(ctx, verified.caller());
    Optional<Refusal> refusal = roleRefusal(verified.caller());
    if (refusal.isEmpty()) {
      ctx.response().addCookie(cookie(ctx, token.trim(), Duration.between(clock.instant(), verified.expiresAt())));
    }
    return refusal;
  }

  void signOut(RoutingContext ctx) {
    ctx.response().addCookie(cookie(ctx, "", Duration.ZERO));
  }

  /** Guard for every console page but sign-in: remembers the caller and the CSRF token, or refuses. */
  public Optional<Refusal> admit(RoutingContext ctx) {
    Cookie cookie = ctx.request().getCookie(COOKIE);
    if (cookie == null || cookie.getValue().isEmpty()) {
      return Optional.of(new Refusal(401, "Sign in with an admin or risk token to use the console."));
    }
    Caller caller;
    try {
      caller = verifier.verify(cookie.getValue());
    } catch (ProblemException expired) {
      signOut(ctx);
      return Optional.of(new Refusal(401, "Your session ended (" + expired.problem().detail() + "); sign in again."));
    }
    Authenticator.identify(ctx, caller);
    ctx.put(CALLER, caller);
    ctx.put(CSRF, csrfOf(cookie.getValue()));
    return roleRefusal(caller);
  }

  /** For a state-changing request: this origin and this session's CSRF token, or a 403 refusal. */
  Optional<Refusal> checkForgery(RoutingContext ctx) {
    if (!sameOrigin(ctx)) {
      return Optional.of(new Refusal(403, "This form was sent from another site."));
    }
    if (ctx.request().method() == HttpMethod.GET || ctx.get(CSRF) == null) {
      return Optional.empty();
    }
    String sent = Optional.ofNullable(ctx.request().getHeader(CSRF_HEADER))
      .orElseGet(() -> ctx.request().getFormAttribute(CSRF_FIELD));
    boolean matches = sent != null && MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
      csrf(ctx).getBytes(StandardCharsets.UTF_8));
    return matches ? Optional.empty() : Optional.of(new Refusal(403,
      "This form is out of date or was not sent from the console; reload the page and try again."));
  }

  /** The session's caller, or null on a page shown without one (sign-in). */
  public static Caller caller(RoutingContext ctx) {
    return ctx.get(CALLER);
  }

  static String csrf(RoutingContext ctx) {
    return ctx.get(CSRF);
  }

  /** One-way: the page may show it, and it tells nothing of the token it is derived from. */
  private static String csrfOf(String token) {
    return Sha256.hex("wallet-console-csrf\u0000" + token);
  }

  private static Optional<Refusal> roleRefusal(Caller caller) {
    return AdminHandlers.ROLES.stream().anyMatch(caller::has) ? Optional.empty()
      : Optional.of(new Refusal(403, "The console is for the admin and risk roles; " + caller.id() + " has neither."));
  }

  /**
   * Browsers send Origin with every form post; one that names another host is a cross-site
   * request. (SameSite=Strict already keeps the cookie off those; this also covers the sign-in form.)
   */
  private static boolean sameOrigin(RoutingContext ctx) {
    String origin = ctx.request().getHeader("Origin");
    String host = ctx.request().getHeader("Host");
    if (origin == null) {
      return true;
    }
    int scheme = origin.indexOf("://");
    return host != null && scheme > 0 && origin.substring(scheme + 3).equalsIgnoreCase(host);
  }

  private static Cookie cookie(RoutingContext ctx, String value, Duration lifetime) {
    return Cookie.cookie(COOKIE, value).setPath("/console").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
      .setSecure(overTls(ctx)).setMaxAge(Math.max(0, lifetime.toSeconds()));
  }

  /**
   * The browser reached the console over TLS: here, or at a proxy that ended it and says so
   * ({@code X-Forwarded-Proto}; a client that claims it only makes its own cookie stricter). Until
   * 2026-12-07 only the first counted: behind a balancer that ends TLS the cookie, an admin's bearer
   * token, was not Secure, and a browser sent it to any plain http:// address of the host.
   */
  static boolean overTls(RoutingContext ctx) {
    // proxies in a chain list their protocols, the browser's first
    String forwarded = Optional.ofNullable(ctx.request().getHeader("X-Forwarded-Proto")).orElse("");
    return ctx.request().isSSL() || "https".equalsIgnoreCase(forwarded.split(",", 2)[0].trim());
  }
}
