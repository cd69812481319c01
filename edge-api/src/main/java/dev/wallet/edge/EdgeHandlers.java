package dev.wallet.edge;

import dev.wallet.edge.admin.AdminHandlers;
import dev.wallet.edge.admin.HealthHandlers;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.console.Console;
import dev.wallet.edge.console.ConsoleAml;
import dev.wallet.edge.console.ConsoleKyc;
import dev.wallet.edge.console.ConsoleLive;
import dev.wallet.edge.console.ConsolePages;
import dev.wallet.edge.console.ConsoleReconciliation;
import dev.wallet.edge.console.ConsoleRules;
import dev.wallet.edge.console.ConsoleSession;
import dev.wallet.edge.funds.Deposit;
import dev.wallet.edge.funds.GatewayMovementHandlers;
import dev.wallet.edge.funds.WebhookHandlers;
import dev.wallet.edge.funds.Withdrawal;
import dev.wallet.edge.gateway.WebhookSignature;
import dev.wallet.edge.http.ApiSchema;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.edge.http.FailureHandler;
import dev.wallet.edge.http.JwtVerifier;
import dev.wallet.edge.http.MoneyGate;
import dev.wallet.edge.http.Ownership;
import dev.wallet.edge.http.RateLimiter;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.edge.live.SocketHandlers;
import dev.wallet.edge.money.AuthorizationHandlers;
import dev.wallet.edge.money.BatchHandlers;
import dev.wallet.edge.money.Merchants;
import dev.wallet.edge.money.PaymentHandlers;
import dev.wallet.edge.money.TransferHandlers;
import dev.wallet.edge.regions.RegionHandlers;
import dev.wallet.edge.wallets.LedgerHandlers;
import dev.wallet.edge.wallets.WalletHandlers;
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
                    RegionHandlers regions, Router console) {

  static EdgeHandlers create(Vertx vertx, EdgeConfig config, EdgeServices services) {
    Clock clock = Clock.systemUTC();
    JwtVerifier verifier = new JwtVerifier(config.auth(), clock);
    Ownership ownership = new Ownership(services.cache());
    EdgeMetrics metrics = services.metrics();
    MoneyGate gate = services.gate();
    LimitsHandlers limits = new LimitsHandlers(services.limits(), clock);
    TransferHandlers transfers = new TransferHandlers(services.cache(), services.ledger(), ownership, metrics,
      limits);
    Merchants merchants = new Merchants(services.cache(), ownership, config.fees(), config.redis().regions(),
      services.merchantRegions());
    PaymentHandlers payments = new PaymentHandlers(services.cache(), ownership, merchants, metrics, limits);
    AdminHandlers admin = new AdminHandlers(services.cache(), services.halts(), gate, services.funds(), limits);
    return new EdgeHandlers(new Authenticator(verifier), services.rateLimiter(),
      ApiSchema.of(services.contract(), config.http().jsonMaxDepth()), gate,
      new HealthHandlers(vertx, services.cache(), services.ledger(), services.limits(), gate),
      new WebhookHandlers(services.funds(), new WebhookSignature(config.gateway().webhookSecret()), clock, metrics),
      new SocketHandlers(ownership, services.feed(), services.socketsPerCaller(), services.connections(),
        config.sockets().maxPendingEvents(), config.http().idleTimeoutMs(), services.registry()),
      new WalletHandlers(services.cache(), services.ledger(), ownership, limits),
      new LedgerHandlers(services.cache(), services.ledger(), ownership),
      new GatewayMovementHandlers<>(GatewayMovementHandlers.deposits(limits), services.funds().deposits(), ownership,
        metrics),
      new GatewayMovementHandlers<>(GatewayMovementHandlers.withdrawals(limits), services.funds().withdrawals(),
        ownership, metrics),
      transfers, payments,
      new AuthorizationHandlers(services.cache(), merchants, config.authorizations(), metrics, payments),
      new BatchHandlers(transfers, payments, gate, services.rateLimiter()), admin, limits, new FailureHandler(),
      new RegionHandlers(services.cache(), limits, merchants, payments, gate, config.redis().regions(),
        config.redis().settlement()::secretWith,
        clock, services.clearingCheck()),
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
