package dev.wallet.edge;

import dev.wallet.edge.funds.Deposit;
import dev.wallet.edge.funds.Withdrawal;
import dev.wallet.edge.gateway.WebhookSignature;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.templ.thymeleaf.ThymeleafTemplateEngine;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.time.Clock;
import java.util.concurrent.TimeUnit;

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
  private static final int RULES_LIMIT_BYTES = 256 * 1024;
  /** A batch of 1,000 items with long idempotency keys stays below this. */
  private static final int BATCH_LIMIT_BYTES = 512 * 1024;

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
      .listen(config.http().port())
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

  private Router console(JwtVerifier verifier, Clock clock, AdminHandlers admin) {
    ConsolePages pages = new ConsolePages(ThymeleafTemplateEngine.create(vertx));
    return new Console(new ConsoleSession(verifier, clock), pages, new ConsoleRules(services.limits(), pages),
      new ConsoleKyc(services.limits(), pages),
      new ConsoleAml(services.limits().compliance(), services.ledger(), pages, clock),
      new ConsoleReconciliation(services.ledger(), services.cache(), services.gate(), admin, pages),
      new ConsoleLive(services.liveFigures(), pages), RULES_LIMIT_BYTES).router(vertx);
  }

  private Router router() {
    Clock clock = Clock.systemUTC();
    JwtVerifier verifier = new JwtVerifier(config.auth(), clock);
    Authenticator auth = new Authenticator(verifier);
    RateLimiter rate = services.rateLimiter();
    ApiSchema schema = ApiSchema.of(services.contract(), config.http().jsonMaxDepth());
    Ownership ownership = new Ownership(services.cache());
    EdgeMetrics metrics = services.metrics();
    LimitsHandlers limits = new LimitsHandlers(services.limits(), clock);
    WalletHandlers wallets = new WalletHandlers(services.cache(), services.ledger(), ownership, limits);
    GatewayMovementHandlers<Deposit> deposits = new GatewayMovementHandlers<>(GatewayMovementHandlers.deposits(limits),
      services.funds().deposits(), ownership, metrics);
    GatewayMovementHandlers<Withdrawal> withdrawals = new GatewayMovementHandlers<>(
      GatewayMovementHandlers.withdrawals(limits), services.funds().withdrawals(), ownership, metrics);
    TransferHandlers transfers = new TransferHandlers(services.cache(), ownership, metrics, limits);
    PaymentHandlers payments = new PaymentHandlers(services.cache(), ownership, config.fees(), metrics, limits);
    AuthorizationHandlers authorizations = new AuthorizationHandlers(services.cache(), ownership, config.fees(),
      config.authorizations(), metrics, payments);
    BatchHandlers batches = new BatchHandlers(transfers, payments);
    BodyHandler batchBody = BodyHandler.create(false).setBodyLimit(BATCH_LIMIT_BYTES);
    WebhookHandlers webhooks = new WebhookHandlers(services.funds(),
      new WebhookSignature(config.gateway().webhookSecret()), clock, metrics);
    MoneyGate gate = services.gate();
    AdminHandlers admin = new AdminHandlers(services.cache(), services.halts(), gate);
    LedgerHandlers ledgers = new LedgerHandlers(services.ledger(), ownership);
    sockets = new SocketHandlers(ownership, services.feed(), services.socketsPerCaller(), services.connections(),
      config.sockets().maxPendingEvents(), config.http().idleTimeoutMs(), services.registry());
    HealthHandlers health = new HealthHandlers(services.cache(), services.ledger(), services.limits(), gate);
    FailureHandler failures = new FailureHandler();
    BodyHandler body = BodyHandler.create(false).setBodyLimit(config.http().bodyLimitBytes());

    Router router = Router.router(vertx);
    router.route().handler(RequestLog::start);
    router.get("/health/live").handler(health::live);
    router.get("/health/ready").handler(health::ready);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(services.registry()));
    router.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("Content-Type", "application/yaml")
      .end(services.openApiDocument()));

    router.post("/v1/webhooks/gateway/:gateway").handler(body).handler(webhooks::verify)
      .handler(schema.validate("gatewayWebhook")).handler(gate::guard).handler(webhooks::receive);

    router.get("/v1/wallets/:id/events").handler(auth::authenticateSocket).handler(rate::limit)
      .handler(schema.validate("walletEvents")).handler(sockets::upgrade);

    router.route("/v1/*").handler(auth::authenticate).handler(rate::limit);
    router.route("/admin/*").handler(auth::authenticate).handler(rate::limit).handler(AdminHandlers::requireAdminOrRisk);

    router.post("/v1/wallets").handler(body).handler(schema.validate("openWallet")).handler(wallets::open);
    router.get("/v1/wallets/:id").handler(wallets::get);
    router.get("/v1/wallets/:id/entries").handler(schema.validate("listEntries")).handler(wallets::entries);
    router.get("/v1/wallets/:id/balance").handler(ledgers::balanceAt);
    MoneyRoutes money = new MoneyRoutes(body, batchBody, schema, gate);
    money.single(router.post("/v1/deposits"), "createDeposit", deposits::create);
    router.get("/v1/deposits/:id").handler(deposits::get);
    money.single(router.post("/v1/withdrawals"), "createWithdrawal", withdrawals::create);
    router.get("/v1/withdrawals/:id").handler(withdrawals::get);
    money.single(router.post("/v1/transfers"), "createTransfer", transfers::create);
    money.batch(router.post("/v1/transfers/batch"), "createTransferBatch", batches::transfers);
    router.get("/v1/transfers/:id").handler(transfers::get);
    money.single(router.post("/v1/payments"), "createPayment", payments::pay);
    money.batch(router.post("/v1/payments/batch"), "createPaymentBatch", batches::payments);
    router.get("/v1/payments/:id").handler(payments::get);
    money.single(router.post("/v1/payments/:id/refunds"), "createRefund", payments::refund);
    money.single(router.post("/v1/authorizations"), "createAuthorization", authorizations::authorize);
    router.get("/v1/authorizations/:id").handler(authorizations::get);
    money.single(router.post("/v1/authorizations/:id/captures"), "createCapture", authorizations::capture);
    money.withoutBody(router.post("/v1/authorizations/:id/void"), authorizations::voidAuthorization);

    router.get("/admin/wallets/:id").handler(schema.validate("adminGetWallet")).handler(admin::wallet);
    router.get("/admin/reconciliation").handler(schema.validate("adminReconciliation"))
      .handler(ledgers::reconciliation);
    router.get("/admin/reconciliation/halt").handler(schema.validate("adminGetHalt")).handler(admin::halt);
    router.post("/admin/reconciliation/halt/release").handler(body).handler(schema.validate("adminReleaseHalt"))
      .handler(admin::releaseHalt);
    router.post("/admin/wallets/:id/status").handler(body).handler(schema.validate("adminSetWalletStatus"))
      .handler(admin::setStatus);
    router.get("/admin/limits").handler(schema.validate("adminGetLimits")).handler(limits::rules);
    router.put("/admin/limits").handler(BodyHandler.create(false).setBodyLimit(RULES_LIMIT_BYTES))
      .handler(schema.validate("adminPublishLimits")).handler(limits::publish);
    router.get("/admin/limits/audit").handler(schema.validate("adminLimitsAudit")).handler(limits::audit);
    router.get("/admin/kyc/:ownerId").handler(schema.validate("adminGetKyc")).handler(limits::profile);
    router.put("/admin/kyc/:ownerId").handler(body).handler(schema.validate("adminSetKyc"))
      .handler(limits::setProfile);
    router.get("/admin/aml/flags").handler(schema.validate("adminAmlFlags")).handler(limits::flags);
    router.get("/admin/reports/large-transactions").handler(schema.validate("adminLargeTransactionsReport"))
      .handler(limits::largeTransactionsReport);
    router.get("/admin/reports/aml-flags").handler(schema.validate("adminAmlFlagsReport"))
      .handler(limits::amlFlagsReport);

    router.get("/console").handler(ctx -> ConsolePages.redirect(ctx, "/console/"));
    router.route("/console/*").subRouter(console(verifier, clock, admin));

    router.route().failureHandler(failures::handle);
    router.errorHandler(404, failures::noRoute);
    router.errorHandler(405, failures::wrongMethod);
    return router;
  }

  /**
   * How every money-moving route reads, after authentication and the rate limit of /v1/*: the body
   * (size-capped), its Idempotency-Key, the OpenAPI schema, the money gate (open halts refuse with
   * 503), then the handler, which checks ownership and the limits and moves the money.
   */
  private record MoneyRoutes(BodyHandler body, BodyHandler batchBody, ApiSchema schema, MoneyGate gate) {

    void single(Route route, String operation, Handler<RoutingContext> act) {
      route.handler(body).handler(IdempotencyKeys::require).handler(schema.validate(operation)).handler(gate::guard)
        .handler(act);
    }

    /** A batch carries each item's Idempotency-Key in its body, and may be larger. */
    void batch(Route route, String operation, Handler<RoutingContext> act) {
      route.handler(batchBody).handler(schema.validate(operation)).handler(gate::guard).handler(act);
    }

    /** A route whose request is its path alone (voiding an authorization). */
    void withoutBody(Route route, Handler<RoutingContext> act) {
      route.handler(IdempotencyKeys::require).handler(gate::guard).handler(act);
    }
  }
}
