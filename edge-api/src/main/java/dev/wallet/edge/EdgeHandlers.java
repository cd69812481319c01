package dev.wallet.edge;

import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.funds.Deposit;
import dev.wallet.edge.funds.Withdrawal;
import dev.wallet.edge.gateway.WebhookSignature;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.templ.thymeleaf.ThymeleafTemplateEngine;
import java.time.Clock;

/**
 * Every handler of one edge verticle, built from the process's services and the configuration:
 * the wiring, so that {@link EdgeVerticle} reads as its route table.
 */
record EdgeHandlers(Authenticator auth, RateLimiter rate, ApiSchema schema, MoneyGate gate, HealthHandlers health,
                    WebhookHandlers webhooks, SocketHandlers sockets, WalletHandlers wallets, LedgerHandlers ledgers,
                    GatewayMovementHandlers<Deposit> deposits, GatewayMovementHandlers<Withdrawal> withdrawals,
                    TransferHandlers transfers, PaymentHandlers payments, AuthorizationHandlers authorizations,
                    BatchHandlers batches, AdminHandlers admin, LimitsHandlers limits, FailureHandler failures,
                    Router console) {

  static EdgeHandlers create(Vertx vertx, EdgeConfig config, EdgeServices services) {
    Clock clock = Clock.systemUTC();
    JwtVerifier verifier = new JwtVerifier(config.auth(), clock);
    Ownership ownership = new Ownership(services.cache());
    EdgeMetrics metrics = services.metrics();
    MoneyGate gate = services.gate();
    LimitsHandlers limits = new LimitsHandlers(services.limits(), clock);
    TransferHandlers transfers = new TransferHandlers(services.cache(), ownership, metrics, limits);
    PaymentHandlers payments = new PaymentHandlers(services.cache(), ownership, config.fees(), metrics, limits);
    AdminHandlers admin = new AdminHandlers(services.cache(), services.halts(), gate);
    return new EdgeHandlers(new Authenticator(verifier), services.rateLimiter(),
      ApiSchema.of(services.contract(), config.http().jsonMaxDepth()), gate,
      new HealthHandlers(services.cache(), services.ledger(), services.limits(), gate),
      new WebhookHandlers(services.funds(), new WebhookSignature(config.gateway().webhookSecret()), clock, metrics),
      new SocketHandlers(ownership, services.feed(), services.socketsPerCaller(), services.connections(),
        config.sockets().maxPendingEvents(), config.http().idleTimeoutMs(), services.registry()),
      new WalletHandlers(services.cache(), services.ledger(), ownership, limits),
      new LedgerHandlers(services.ledger(), ownership),
      new GatewayMovementHandlers<>(GatewayMovementHandlers.deposits(limits), services.funds().deposits(), ownership,
        metrics),
      new GatewayMovementHandlers<>(GatewayMovementHandlers.withdrawals(limits), services.funds().withdrawals(),
        ownership, metrics),
      transfers, payments,
      new AuthorizationHandlers(services.cache(), ownership, config.fees(), config.authorizations(), metrics, payments),
      new BatchHandlers(transfers, payments), admin, limits, new FailureHandler(),
      console(vertx, services, verifier, clock, admin));
  }

  private static Router console(Vertx vertx, EdgeServices services, JwtVerifier verifier, Clock clock,
                                AdminHandlers admin) {
    ConsolePages pages = new ConsolePages(ThymeleafTemplateEngine.create(vertx));
    return new Console(new ConsoleSession(verifier, clock), pages, new ConsoleRules(services.limits(), pages),
      new ConsoleKyc(services.limits(), pages),
      new ConsoleAml(services.limits().compliance(), services.ledger(), pages, clock),
      new ConsoleReconciliation(services.ledger(), services.cache(), services.gate(), admin, pages),
      new ConsoleLive(services.liveFigures(), pages), EdgeVerticle.RULES_LIMIT_BYTES).router(vertx);
  }
}
