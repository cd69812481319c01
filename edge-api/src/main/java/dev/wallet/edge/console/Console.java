package dev.wallet.edge.console;

import dev.wallet.edge.http.FailureHandler;
import dev.wallet.edge.http.Problem;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.Map;
import java.util.Optional;

/**
 * The risk console at /console: server-rendered pages for the admin and risk roles over the same
 * limits module, ledger and code paths as the /admin API (rules, KYC, AML flags, reconciliation), and the
 * system's live figures. Forms post and are answered by a redirect; the only scripts are progressive
 * enhancements (validation as one types, the Live page's refresh). Every page but sign-in is behind
 * {@link ConsoleSession}; every post is checked for forgery.
 */
public final class Console {

  /** A pasted token (at most 4,096 characters, {@link dev.wallet.edge.http.JwtVerifier}) and its form. */
  public static final int SIGN_IN_LIMIT_BYTES = 8 * 1024;

  private final ConsoleSession session;
  private final ConsolePages pages;
  private final ConsoleRules rules;
  private final ConsoleKyc kyc;
  private final ConsoleAml aml;
  private final ConsoleReconciliation reconciliation;
  private final ConsoleLive live;
  private final int bodyLimitBytes;

  public Console(ConsoleSession session, ConsolePages pages, ConsoleRules rules, ConsoleKyc kyc, ConsoleAml aml,
          ConsoleReconciliation reconciliation, ConsoleLive live, int bodyLimitBytes) {
    this.session = session;
    this.pages = pages;
    this.rules = rules;
    this.kyc = kyc;
    this.aml = aml;
    this.reconciliation = reconciliation;
    this.live = live;
    this.bodyLimitBytes = bodyLimitBytes;
  }

  /** Mounted at /console/*. */
  public Router router(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route().handler(ConsolePages::headers);
    router.get("/assets/*").handler(StaticHandler.create("console/assets").setCachingEnabled(false));
    router.get("/sign-in").handler(this::signInPage);
    router.post("/sign-in").handler(BodyHandler.create(false).setBodyLimit(SIGN_IN_LIMIT_BYTES))
      .handler(this::refuseForgery).handler(this::signIn);
    router.route().handler(this::admit);
    // read only once the session is known: a rules file may be large, an anonymous post is not read
    router.post().handler(BodyHandler.create(false).setBodyLimit(bodyLimitBytes));
    router.post().handler(this::refuseForgery);
    router.get("/").handler(ctx -> ConsolePages.redirect(ctx, "/console/rules"));
    router.post("/sign-out").handler(this::signOut);
    router.get("/rules").handler(rules::page);
    router.post("/rules/validate").handler(rules::validate);
    router.post("/rules/review").handler(rules::review);
    router.post("/rules/publish").handler(rules::publish);
    router.get("/kyc").handler(kyc::page);
    router.post("/kyc").handler(kyc::change);
    router.get("/aml").handler(aml::queue);
    router.get("/aml/export").handler(aml::export);
    router.get("/aml/flags/:flagId").handler(aml::flag);
    router.post("/aml/flags/:flagId/review").handler(aml::review);
    router.get("/reconciliation").handler(reconciliation::page);
    router.post("/reconciliation/unfreeze").handler(reconciliation::unfreeze);
    router.post("/reconciliation/release").handler(reconciliation::release);
    router.get("/live").handler(live::page);
    router.get("/live/series").handler(live::series);
    router.route().failureHandler(this::failed);
    return router;
  }

  private void signInPage(RoutingContext ctx) {
    pages.render(ctx, 200, "sign-in", ConsolePages.model(ctx, "sign-in"));
  }

  private void signIn(RoutingContext ctx) {
    String token = Optional.ofNullable(ctx.request().getFormAttribute("token")).orElse("");
    session.signIn(ctx, token).ifPresentOrElse(refusal -> refuse(ctx, refusal),
      () -> ConsolePages.redirect(ctx, "/console/rules"));
  }

  private void signOut(RoutingContext ctx) {
    session.signOut(ctx);
    ConsolePages.redirect(ctx, "/console/sign-in");
  }

  private void admit(RoutingContext ctx) {
    session.admit(ctx).ifPresentOrElse(refusal -> refuse(ctx, refusal), ctx::next);
  }

  private void refuseForgery(RoutingContext ctx) {
    session.checkForgery(ctx).ifPresentOrElse(refusal -> refuse(ctx, refusal), ctx::next);
  }

  /** 401 and 403 show nothing of the console but the way to sign in. */
  private void refuse(RoutingContext ctx, ConsoleSession.Refusal refusal) {
    Map<String, Object> model = ConsolePages.model(ctx, "refused");
    model.put("signedIn", false);
    model.put("status", refusal.status());
    model.put("reason", refusal.reason());
    pages.render(ctx, refusal.status(), "refused", model);
  }

  /** The same mapping as the API's failure handler, as a page. */
  private void failed(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    Problem problem = FailureHandler.problemFor(ctx);
    Map<String, Object> model = ConsolePages.model(ctx, "error");
    model.put("status", problem.status());
    model.put("reason", problem.detail());
    pages.render(ctx, problem.status(), "error", model);
  }
}
