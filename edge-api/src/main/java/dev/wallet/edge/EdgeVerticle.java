package dev.wallet.edge;

import dev.wallet.edge.admin.AdminHandlers;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.console.ConsolePages;
import dev.wallet.edge.http.ApiSchema;
import dev.wallet.edge.http.HomeRegion;
import dev.wallet.edge.http.IdempotencyKeys;
import dev.wallet.edge.http.KeepAliveHint;
import dev.wallet.edge.http.MoneyGate;
import dev.wallet.edge.http.NotCached;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.RequestLog;
import dev.wallet.edge.live.SocketHandlers;
import dev.wallet.edge.money.BatchHandlers;
import dev.wallet.edge.regions.RegionChannel;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The HTTP edge, one instance per event loop. Stateless between requests: it shares the
 * process's services ({@link EdgeServices}) and keeps nothing of its own but its server. On
 * undeploy it shuts the server down gracefully: no new connections, in-flight requests finish
 * (up to the configured timeout).
 */
public final class EdgeVerticle extends VerticleBase {

  /** Clients only listen on balance sockets; anything they send is read and dropped, and kept small. */
  private static final int MAX_CLIENT_MESSAGE_BYTES = 1_024;
  /** A rules file may be longer than any money request. */
  static final int RULES_LIMIT_BYTES = 256 * 1024;
  /**
   * A batch of 1,000 items of the longest fields stays below this: a 255-character key and a
   * 280-character description, every character of both escaped in JSON, about 2.4 KB an item. Until
   * 2026-12-06 it was 512 KB, set before items had descriptions, and a valid batch could get 413.
   */
  private static final int BATCH_LIMIT_BYTES = 3 * 1024 * 1024;

  private final EdgeConfig config;
  private final EdgeServices services;
  private HttpServer server;
  private SocketHandlers sockets;

  EdgeVerticle(EdgeConfig config, EdgeServices services) {
    this.config = config;
    this.services = services;
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer(serverOptions())
      .connectionHandler(services.connections()::admit)
      .requestHandler(router())
      .listen(config.http().port(), config.http().host())
      .onSuccess(listening -> server = listening);
  }

  /**
   * HTTP/1.1 and WebSocket only: with cleartext HTTP/2 detection on, a connection would become an
   * HTTP connection (and meet the connection cap) only once it sent its first bytes, so silent
   * connections would escape the cap until the idle timeout closed them.
   */
  private HttpServerOptions serverOptions() {
    return new HttpServerOptions().setMaxWebSocketMessageSize(MAX_CLIENT_MESSAGE_BYTES)
      .setMaxWebSocketFrameSize(MAX_CLIENT_MESSAGE_BYTES)
      .setHttp2ClearTextEnabled(false)
      .setIdleTimeout((int) config.http().idleTimeoutMs()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
  }

  /** Sockets first (each learns why it closes), then the server: no new connections, in-flight requests finish. */
  @Override
  public Future<?> stop() {
    if (server == null) {
      return Future.succeededFuture();
    }
    sockets.closeAll();
    return server.shutdown(config.http().shutdownTimeoutMs(), TimeUnit.MILLISECONDS);
  }

  /** The port actually listened on (differs from the configured one when that is 0). */
  public int port() {
    return server.actualPort();
  }

  /** The route table: operations, the public API (wallets, money), the admin API, the console. */
  private Router router() {
    EdgeHandlers handlers = EdgeHandlers.create(vertx, config, services);
    sockets = handlers.sockets();
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.http().bodyLimitBytes());
    Router router = Router.router(vertx);
    router.route().handler(RequestLog::start);
    router.route().handler(new KeepAliveHint(config.http().idleTimeoutMs())::handle);
    router.route().handler(new HomeRegion(config.redis().regions(), config.redis().shards())::attach);
    router.route("/v1/*").handler(NotCached::mark);
    router.route("/admin/*").handler(NotCached::mark);
    operationsRoutes(router, handlers, body);
    walletRoutes(router, handlers, body);
    moneyRoutes(router, handlers, new MoneyRoutes(body, BodyHandler.create(false).setBodyLimit(BATCH_LIMIT_BYTES),
      handlers.schema(), handlers.gate()));
    adminRoutes(router, handlers, body);
    router.get("/console").handler(ctx -> ConsolePages.redirect(ctx, "/console/"));
    router.route("/console/*").subRouter(handlers.console());
    router.route().failureHandler(handlers.failures()::handle);
    router.errorHandler(404, handlers.failures()::noRoute);
    router.errorHandler(405, handlers.failures()::wrongMethod);
    return router;
  }

  /** Health, metrics, the document, the gateway's webhooks; then authentication for /v1 and /admin. */
  private void operationsRoutes(Router router, EdgeHandlers h, BodyHandler body) {
    router.get("/health/live").handler(h.health()::live);
    router.get("/health/ready").handler(h.health()::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(services.registry()));
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml")
      .end(services.openApiDocument()));
    router.post("/v1/webhooks/gateway/:gateway").handler(body).handler(h.webhooks()::verify)
      .handler(h.schema().validate("gatewayWebhook")).handler(h.gate()::guard).handler(h.webhooks()::receive);
    router.get("/v1/wallets/:id/events").handler(h.auth()::authenticateSocket).handler(h.rate()::limit)
      .handler(h.schema().validate("walletEvents")).handler(h.sockets()::upgrade);
    // another region's settlement, signed like a webhook: not a caller's request (docs/architecture.md, "Regions")
    // (its handler judges a halt: a decision on record is answered again while one is in force)
    router.post(RegionChannel.PATH).handler(body).handler(h.regions()::receive);
    router.post(RegionChannel.FINISHED_PATH).handler(body).handler(h.regions()::finished);
    router.get(RegionChannel.CLEARING_PATH).handler(h.regions()::position);
    router.post(RegionChannel.MERCHANTS_PATH).handler(body).handler(h.regions()::merchant);
    router.post(RegionChannel.REFUNDS_PATH).handler(body).handler(h.regions()::signedRefund).handler(h.gate()::guard)
      .handler(h.regions()::refund);
    router.route("/v1/*").handler(h.auth()::authenticate).handler(h.rate()::limit);
    router.route("/admin/*").handler(h.auth()::authenticate).handler(h.rate()::limit)
      .handler(AdminHandlers::requireAdminOrRisk);
  }

  private void walletRoutes(Router router, EdgeHandlers h, BodyHandler body) {
    router.post("/v1/wallets").handler(body).handler(h.schema().validate("openWallet")).handler(h.wallets()::open);
    router.get("/v1/wallets/:id").handler(h.wallets()::get);
    router.get("/v1/wallets/:id/entries").handler(h.schema().validate("listEntries")).handler(h.wallets()::entries);
    router.get("/v1/wallets/:id/balance").handler(h.ledgers()::balanceAt);
  }

  /**
   * Every route that moves money goes through {@link MoneyRoutes}, in three steps of its handlers:
   * the request it reads, the sender's limits it checks, the movement it makes. Each reads its own
   * movement back by id.
   */
  private static void moneyRoutes(Router router, EdgeHandlers h, MoneyRoutes money) {
    money.single(router.post("/v1/deposits"), "createDeposit",
      h.deposits()::request, h.deposits()::checked, h.deposits()::create);
    router.get("/v1/deposits/:id").handler(h.deposits()::get);
    money.single(router.post("/v1/withdrawals"), "createWithdrawal",
      h.withdrawals()::request, h.withdrawals()::checked, h.withdrawals()::create);
    router.get("/v1/withdrawals/:id").handler(h.withdrawals()::get);
    money.single(router.post("/v1/transfers"), "createTransfer",
      h.transfers()::request, h.transfers()::checked, h.transfers()::apply);
    money.batch(router.post("/v1/transfers/batch"), "createTransferBatch", h.batches()::transfers);
    router.get("/v1/transfers/:id").handler(h.transfers()::get);
    money.single(router.post("/v1/payments"), "createPayment",
      h.payments()::request, h.payments()::checked, h.payments()::apply);
    money.batch(router.post("/v1/payments/batch"), "createPaymentBatch", h.batches()::payments);
    router.get("/v1/payments/:id").handler(h.payments()::get);
    money.single(router.post("/v1/payments/:id/refunds"), "createRefund",
      h.payments()::refundRequest, MoneyRoutes::noLimits, h.payments()::refund);
    money.single(router.post("/v1/authorizations"), "createAuthorization",
      h.authorizations()::request, h.authorizations()::checked, h.authorizations()::authorize);
    router.get("/v1/authorizations/:id").handler(h.authorizations()::get);
    money.single(router.post("/v1/authorizations/:id/captures"), "createCapture",
      h.authorizations()::captureRequest, MoneyRoutes::noLimits, h.authorizations()::capture);
    money.withoutBody(router.post("/v1/authorizations/:id/void"),
      h.authorizations()::voidRequest, MoneyRoutes::noLimits, h.authorizations()::voidAuthorization);
  }

  private static void adminRoutes(Router router, EdgeHandlers h, BodyHandler body) {
    ApiSchema schema = h.schema();
    router.get("/admin/wallets/:id").handler(schema.validate("adminGetWallet")).handler(h.admin()::wallet);
    router.get("/admin/reconciliation").handler(schema.validate("adminReconciliation"))
      .handler(h.ledgers()::reconciliation);
    router.get("/admin/reconciliation/halt").handler(schema.validate("adminGetHalt")).handler(h.admin()::halt);
    router.post("/admin/reconciliation/halt/release").handler(body).handler(schema.validate("adminReleaseHalt"))
      .handler(h.admin()::releaseHalt);
    router.post("/admin/wallets/:id/status").handler(body).handler(schema.validate("adminSetWalletStatus"))
      .handler(h.admin()::setStatus);
    router.get("/admin/regions/clearing").handler(schema.validate("adminRegionsClearing")).handler(h.regions()::check);
    router.get("/admin/limits").handler(schema.validate("adminGetLimits")).handler(h.limits()::rules);
    router.put("/admin/limits").handler(BodyHandler.create(false).setBodyLimit(RULES_LIMIT_BYTES))
      .handler(schema.validate("adminPublishLimits")).handler(h.limits()::publish);
    router.get("/admin/limits/audit").handler(schema.validate("adminLimitsAudit")).handler(h.limits()::audit);
    router.get("/admin/kyc/:ownerId").handler(schema.validate("adminGetKyc")).handler(h.limits()::profile);
    router.put("/admin/kyc/:ownerId").handler(body).handler(schema.validate("adminSetKyc"))
      .handler(h.limits()::setProfile);
    router.get("/admin/aml/flags").handler(schema.validate("adminAmlFlags")).handler(h.limits()::flags);
    router.get("/admin/reports/large-transactions").handler(schema.validate("adminLargeTransactionsReport"))
      .handler(h.limits()::largeTransactionsReport);
    router.get("/admin/reports/aml-flags").handler(schema.validate("adminAmlFlagsReport"))
      .handler(h.limits()::amlFlagsReport);
  }

  /**
   * How every money-moving route reads, after authentication and the rate limit of /v1/*: the body
   * (size-capped), its Idempotency-Key, the OpenAPI schema, then the handler's steps: read the
   * request, the money gate (open halts refuse with 503), check it against the sender's limits (with
   * the ownership those need), act. Reading the request redirects one of another region's wallet
   * (307), halted here or not: until 2026-12-06 the gate came first, and a halt in one region kept
   * the customers of another that reached it from being sent home. A batch passes the gate, then each
   * item passes it again as its first step (an atomic batch, before its items are applied together).
   */
  private record MoneyRoutes(BodyHandler body, BodyHandler batchBody, ApiSchema schema, MoneyGate gate) {

    <R, C> void single(Route route, String operation, Function<RoutingContext, R> request,
                       Function<R, Future<C>> checkLimits, Function<C, Future<Reply>> act) {
      route.handler(body).handler(IdempotencyKeys::require).handler(schema.validate(operation))
        .handler(steps(request, checkLimits, act));
    }

    /** A batch carries each item's Idempotency-Key in its body, and may be larger. */
    void batch(Route route, String operation, Handler<RoutingContext> act) {
      route.handler(batchBody).handler(schema.validate(operation, BatchHandlers::requireAtMostMaxItems))
        .handler(gate::guard).handler(act);
    }

    /** A route whose request is its path alone (voiding an authorization). */
    <R, C> void withoutBody(Route route, Function<RoutingContext, R> request, Function<R, Future<C>> checkLimits,
                            Function<C, Future<Reply>> act) {
      route.handler(IdempotencyKeys::require).handler(steps(request, checkLimits, act));
    }

    private <R, C> Handler<RoutingContext> steps(Function<RoutingContext, R> request,
                                                 Function<R, Future<C>> checkLimits,
                                                 Function<C, Future<Reply>> act) {
      return ctx -> {
        R asked = request.apply(ctx);
        gate.requireOpen();
        Reply.answer(ctx, checkLimits.apply(asked).compose(act));
      };
    }

    /**
     * The step of a movement that counts against no limit: a refund, a capture and a void give
     * back or take what a payment or an authorization already counted against the payer's.
     */
    static <R> Future<R> noLimits(R request) {
      return Future.succeededFuture(request);
    }
  }
}
