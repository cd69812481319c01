package dev.wallet.edge.console;

import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.Reply;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.common.template.TemplateEngine;
import java.math.BigDecimal;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Renders the console's pages (Thymeleaf templates in {@code resources/console}, which escape
 * everything they print unless told otherwise) with the headers every page carries: no caching
 * (pages show who is signed in), no framing, scripts and styles only from the console itself.
 */
public final class ConsolePages {

  private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

  private final TemplateEngine engine;

  public ConsolePages(TemplateEngine engine) {
    this.engine = engine;
  }

  /** What every page shows: who is signed in, the CSRF token for its forms, which section is open. */
  public static Map<String, Object> model(RoutingContext ctx, String section) {
    Map<String, Object> model = new HashMap<>();
    Caller caller = ConsoleSession.caller(ctx);
    model.put("section", section);
    model.put("signedIn", caller != null);
    model.put("callerId", caller == null ? "" : caller.id());
    model.put("roles", caller == null ? "" : String.join(", ", new java.util.TreeSet<>(caller.roles())));
    model.put("csrf", ConsoleSession.csrf(ctx) == null ? "" : ConsoleSession.csrf(ctx));
    return model;
  }

  void render(RoutingContext ctx, int status, String template, Map<String, Object> model) {
    Reply.onContextOf(io.vertx.core.Vertx.currentContext(), engine.render(model, "console/" + template + ".html"))
      .onSuccess(html -> ctx.response().setStatusCode(status).putHeader("Content-Type", "text/html; charset=utf-8")
        .end(html))
      .onFailure(ctx::fail);
  }

  /** A page rendered from a model that is still being gathered (a failure goes to the failure handler). */
  void render(RoutingContext ctx, int status, String template, Future<Map<String, Object>> model) {
    Reply.onContextOf(io.vertx.core.Vertx.currentContext(), model)
      .onSuccess(ready -> render(ctx, status, template, ready))
      .onFailure(ctx::fail);
  }

  public static void headers(RoutingContext ctx) {
    ctx.response().putHeader("Cache-Control", "no-store").putHeader("Content-Security-Policy", POLICY)
      .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "same-origin")
      .putHeader("X-Frame-Options", "DENY");
    if (ConsoleSession.overTls(ctx)) {
      ctx.response().putHeader("Strict-Transport-Security", "max-age=31536000");
    }
    ctx.next();
  }

  /**
   * The notice a page shows after a form post redirected to it with {@code parameter}: the sentence
   * {@code saying} makes of its value, when the value has the shape {@code shape} (a version, a tier,
   * a state, a wallet id). Until 2026-12-07 the value was shown as it came, and a link could make the
   * console show any sentence as its own.
   */
  public static void notice(RoutingContext ctx, Map<String, Object> model, String parameter, Predicate<String> shape,
                            Function<String, String> saying) {
    ctx.queryParam(parameter).stream().findFirst().filter(shape)
      .ifPresent(value -> model.put("notice", saying.apply(value)));
  }

  /** After a successful form post: the page is loaded again by GET, so a reload does not post twice. */
  public static void redirect(RoutingContext ctx, String location) {
    ctx.response().setStatusCode(303).putHeader("Location", location).end();
  }

  /**
   * Minor units as the currency writes them (exact: no floating point), e.g. 150000 USD is 1500.00.
   * A currency without a minor unit defined (XTS, XXX: the JDK says -1) is shown in whole units.
   */
  public static String amount(long minor, String currency) {
    int fractionDigits = Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
    return BigDecimal.valueOf(minor, fractionDigits).toPlainString() + " " + currency;
  }
}
