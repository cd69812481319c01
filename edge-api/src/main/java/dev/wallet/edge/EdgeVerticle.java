package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.ledger.LedgerReader;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;

/**
 * The HTTP edge, one instance per event loop. Stateless: it shares the process's money core and
 * ledger reader (given by {@link Main}) and keeps nothing between requests.
 */
public final class EdgeVerticle extends VerticleBase {

  static final int BODY_LIMIT_BYTES = 16 * 1024;

  private final EdgeConfig config;
  private final BalanceCache cache;
  private final LedgerReader ledger;
  private HttpServer server;

  public EdgeVerticle(EdgeConfig config, BalanceCache cache, LedgerReader ledger) {
    this.config = config;
    this.cache = cache;
    this.ledger = ledger;
  }

  @Override
  public Future<?> start() {
    return vertx.createHttpServer()
      .requestHandler(router())
      .listen(config.httpPort())
      .onSuccess(listening -> server = listening);
  }

  /** The port actually listened on (differs from the configured one when that is 0). */
  public int port() {
    return server.actualPort();
  }

  private Router router() {
    Authenticator auth = new Authenticator(new JwtVerifier(config.jwtSecret(), Clock.systemUTC()));
    Ownership ownership = new Ownership(cache);
    WalletHandlers wallets = new WalletHandlers(cache, ledger, ownership);
    DepositHandlers deposits = new DepositHandlers(cache, ownership);
    TransferHandlers transfers = new TransferHandlers(cache, ownership);
    LedgerHandlers ledgers = new LedgerHandlers(ledger, ownership);
    HealthHandlers health = new HealthHandlers(cache, ledger);
    FailureHandler failures = new FailureHandler();

    Router router = Router.router(vertx);
    router.get("/health/live").handler(health::live);
    router.get("/health/ready").handler(health::ready);

    router.route("/v1/*").handler(auth::authenticate);
    router.route("/admin/*").handler(auth::authenticate);
    router.post("/v1/*").handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT_BYTES));
    router.post("/v1/wallets").handler(wallets::open);
    router.get("/v1/wallets/:id").handler(wallets::get);
    router.get("/v1/wallets/:id/entries").handler(wallets::entries);
    router.get("/v1/wallets/:id/balance").handler(ledgers::balanceAt);
    router.post("/v1/deposits").handler(IdempotencyKeys::require).handler(deposits::create);
    router.post("/v1/transfers").handler(IdempotencyKeys::require).handler(transfers::create);
    router.get("/v1/transfers/:id").handler(transfers::get);
    router.get("/admin/reconciliation").handler(ledgers::reconciliation);

    router.route().failureHandler(failures::handle);
    router.errorHandler(404, failures::noRoute);
    router.errorHandler(405, failures::wrongMethod);
    return router;
  }
}
