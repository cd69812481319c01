package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.async.UntilStarted;
import dev.wallet.edge.admin.ClusterGauges;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.console.LiveFigures;
import dev.wallet.edge.funds.EdgeMigrations;
import dev.wallet.edge.funds.Funds;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.sandbox.SandboxGateway;
import dev.wallet.edge.gateway.sandbox.SandboxGatewayClient;
import dev.wallet.edge.http.ApiSchema;
import dev.wallet.edge.http.ConnectionCap;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.edge.http.MoneyGate;
import dev.wallet.edge.http.RateLimiter;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.edge.live.BalanceFeed;
import dev.wallet.edge.live.SocketsPerCaller;
import dev.wallet.edge.money.MerchantRegions;
import dev.wallet.edge.money.RememberedMerchants;
import dev.wallet.edge.regions.ClearingCheck;
import dev.wallet.edge.regions.RegionChannel;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.ledger.MoneyHalts;
import dev.wallet.limits.Limits;
import dev.wallet.limits.LimitsMigrations;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running edge: its process-wide services and its verticle instances, started in order
 * (schema, money core, pool, OpenAPI document, gateway, funds, verticles) and closed in reverse,
 * gracefully: the HTTP servers stop accepting and let in-flight requests finish, then the
 * reconciler stops and the clients close.
 */
public final class EdgeApplication {

  private static final Logger LOG = LoggerFactory.getLogger(EdgeApplication.class);
  /** Other regions' merchants an edge remembers at most (a few megabytes). */
  private static final int MERCHANTS_REMEMBERED = 100_000;
  /** A pending cross-shard transfer older than this is driven to its end by this process's sweeper. */
  static final long SWEEP_AGE_MS = 5_000;
  /** How often each edge reads the cluster's replicas and pending backlogs for /metrics (see ClusterGauges). */
  static final long CLUSTER_GAUGES_INTERVAL_MS = 5_000;
  /** Waiting longer for a PostgreSQL connection is an outage (503), not a slow answer. */
  static final int PG_CONNECT_TIMEOUT_MS = 1_000;

  private final Vertx vertx;
  private final EdgeServices services;
  private final Pool pool;
  private final LedgerNodes ledger;
  /** The clients to the gateway and to the other regions. */
  private final List<WebClient> httpClients;
  private final String deployment;
  private final int port;
  private final Optional<String> sandboxDeployment;

  private EdgeApplication(Vertx vertx, EdgeServices services, Pool pool, LedgerNodes ledger, List<WebClient> httpClients,
                          String deployment, int port, Optional<String> sandboxDeployment) {
    this.vertx = vertx;
    this.services = services;
    this.pool = pool;
    this.ledger = ledger;
    this.httpClients = List.copyOf(httpClients);
    this.deployment = deployment;
    this.port = port;
    this.sandboxDeployment = sandboxDeployment;
  }

  /**
   * Waits for what the edge depends on (its tables migrated, the money core, the limits module with
   * its rules), trying again with backoff while any is missing, then serves.
   */
  public static Future<EdgeApplication> start(Vertx vertx, EdgeConfig config, PrometheusMeterRegistry registry) {
    return UntilStarted.retry(vertx, "edge API", () -> dependencies(vertx, config, true))
      .compose(dependencies -> assemble(vertx, config, registry, dependencies, true));
  }

  /**
   * For tests of outages: nothing is checked or migrated. The money core is started when its Redis
   * answers (so the first request does not have to find the cluster and load the scripts within its
   * own deadline) and left as created when it does not.
   */
  static Future<EdgeApplication> startUnchecked(Vertx vertx, EdgeConfig config, PrometheusMeterRegistry registry) {
    return dependencies(vertx, config, false).compose(dependencies -> assemble(vertx, config, registry, dependencies,
      false));
  }

  /** What the edge needs from outside before it can serve. */
  private record Dependencies(BalanceCache cache, Pool pool, LedgerNodes ledger, Limits limits) {
  }

  /** Each dependency up and checked (when {@code checked}), or everything acquired released again. */
  private static Future<Dependencies> dependencies(Vertx vertx, EdgeConfig config, boolean checked) {
    BalanceCache cache = BalanceCache.create(vertx, cacheOptions(config));
    Pool pool = pool(vertx, config.postgres().app(), config.postgres().poolSize());
    LedgerNodes ledger = LedgerNodes.opening(pool, config.postgres().placement(),
      database -> pool(vertx, database, config.postgres().poolSize()));
    Future<Void> ready = checked
      ? UntilStarted.waitingFor("PostgreSQL (the edge's tables)", vertx.executeBlocking(() ->
          EdgeMigrations.migrate(config.postgres().owner(), config.postgres().app().user())))
        .compose(migrated -> UntilStarted.waitingFor("the Redis Cluster", cache.start()))
      : cache.start().otherwiseEmpty();
    return ready.compose(started -> UntilStarted.waitingFor("the limits module (Hazelcast, its rules in PostgreSQL)",
        limits(vertx, config, pool, ledger, checked)))
      .map(limits -> new Dependencies(cache, pool, ledger, limits))
      .recover(failure -> ledger.closeOpened().eventually(pool::close).eventually(cache::close)
        .transform(released -> Future.failedFuture(failure)));
  }

  /**
   * The limits module: its schema migrated, its Hazelcast member joined, its rules loaded. Unchecked
   * (dependencies may be down), the member joins but loads nothing: money movements answer 503.
   * A member whose module does not start is shut down again.
   */
  private static Future<Limits> limits(Vertx vertx, EdgeConfig config, Pool pool, LedgerNodes ledger,
                                       boolean checked) {
    return vertx.executeBlocking(() -> {
      if (checked) {
        LedgerDatabase owner = config.postgres().owner();
        LimitsMigrations.migrate(owner.jdbcUrl(), owner.user(), owner.password(), config.postgres().app().user());
      }
      return Limits.newMember(config.limits().hazelcast(), pool);
    }).compose(member -> {
      Limits limits = Limits.create(vertx, member, pool, ledger, config.limits().options());
      Future<Void> started = checked ? limits.start() : Future.succeededFuture();
      return started.map(limits).recover(failure -> limits.close()
        .eventually(() -> vertx.executeBlocking(() -> {
          member.shutdown();
          return null;
        }))
        .transform(released -> Future.failedFuture(failure)));
    });
  }

  private static Future<EdgeApplication> assemble(Vertx vertx, EdgeConfig config, PrometheusMeterRegistry registry,
                                                  Dependencies dependencies, boolean reconcile) {
    BalanceCache cache = dependencies.cache();
    Pool pool = dependencies.pool();
    WebClient gatewayHttp = WebClient.create(vertx);
    // a client of its own for the other regions: a far link needs many connections to carry what a near one
    // carries with few (at most connections / round trip a second), and must not queue the gateway's calls;
    // a connection attempt lasts no longer than a call may (TCP's own limit, 60 s, held a pool place that long)
    WebClient regionHttp = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true)
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.redis().settlement().timeoutMs())),
      new io.vertx.core.http.PoolOptions().setHttp1MaxSize(config.redis().settlement().connections()));
    Gateway gateway = new SandboxGatewayClient(vertx, gatewayHttp, config.gateway().url(), config.gateway().apiKey(),
      config.gateway().timeoutMs());
    Optional<ClearingCheck> clearingCheck = Optional.empty();
    Optional<MerchantRegions> merchantRegions = Optional.empty();
    if (config.redis().regions().multiple()) {
      RegionChannel channel = new RegionChannel(vertx, regionHttp, config.redis().regions(),
        config.redis().settlement()::secretWith, config.redis().settlement().timeoutMs(), Clock.systemUTC());
      cache.connectRegions(channel);
      merchantRegions = Optional.of(new RememberedMerchants(channel, config.redis().settlement().merchantLifetimeMs(),
        MERCHANTS_REMEMBERED, Clock.systemUTC()));
      clearingCheck = Optional.of(new ClearingCheck(cache, channel, config.redis().regions()));
      clearingCheck.get().register(registry);
    }
    LedgerReader ledger = LedgerReader.create(dependencies.ledger());
    cache.connectLedger(ledger);
    Funds funds = Funds.create(vertx, cache, pool, gateway, registry,
      new LimitsHandlers(dependencies.limits(), Clock.systemUTC()));
    EdgeMetrics metrics = new EdgeMetrics(registry);
    metrics.sagas(cache);
    metrics.limitsOffHome(cache);
    metrics.amlMonitors(dependencies.limits().compliance());
    RateLimiter rateLimiter = new RateLimiter(config.rateLimit(), System::nanoTime, metrics);
    MoneyHalts halts = MoneyHalts.create(pool);
    MoneyGate gate = new MoneyGate(halts, Clock.systemUTC());
    gate.register(registry);
    ClusterGauges clusterGauges = new ClusterGauges(vertx, cache, Clock.systemUTC(), registry);
    Optional<ClearingCheck> clearing = clearingCheck;
    Optional<MerchantRegions> otherRegions = merchantRegions;
    AtomicReference<EdgeVerticle> first = new AtomicReference<>();
    return gate.start(vertx).recover(unread -> reconcile ? Future.failedFuture(unread) : Future.succeededFuture())
      .compose(read -> ApiSchema.load(vertx))
      .map(document -> new EdgeServices(cache, ledger, funds, new BalanceFeed(cache, registry),
        rateLimiter, document.contract(), document.text(), registry, metrics, dependencies.limits(),
        new ConnectionCap(config.http().maxConnections(), registry),
        new SocketsPerCaller(config.sockets().maxPerCaller()), halts, gate, clusterGauges,
        LiveFigures.create(vertx, config.console().prometheusUrl(), Clock.systemUTC()), clearing, otherRegions))
      .compose(services -> vertx.deployVerticle(() -> {
        EdgeVerticle verticle = new EdgeVerticle(config, services);
        first.compareAndSet(null, verticle);
        return verticle;
      }, new DeploymentOptions().setInstances(config.http().instances()))
        .compose(deployment -> embeddedSandbox(vertx, config)
          .map(sandbox -> new EdgeApplication(vertx, services, pool, dependencies.ledger(), List.of(gatewayHttp, regionHttp), deployment,
            first.get().port(), sandbox))))
      .onSuccess(app -> {
        clusterGauges.start(CLUSTER_GAUGES_INTERVAL_MS);
        if (reconcile) {
          funds.startReconciling(vertx, config.funds().reconcileIntervalMs(), config.funds().staleAfterMs(),
            gate::halted);
          long checkEveryMs = config.redis().settlement().checkIntervalMs();
          clearing.filter(check -> checkEveryMs > 0).ifPresent(check -> check.start(vertx, checkEveryMs));
        }
      });
  }

  private static Future<Optional<String>> embeddedSandbox(Vertx vertx, EdgeConfig config) {
    if (!config.gateway().embedded()) {
      return Future.succeededFuture(Optional.empty());
    }
    return vertx.deployVerticle(new SandboxGateway(config.gateway())).map(Optional::of);
  }

  public int port() {
    return port;
  }

  public BalanceCache cache() {
    return services.cache();
  }

  Funds funds() {
    return services.funds();
  }

  BalanceFeed feed() {
    return services.feed();
  }

  Limits limits() {
    return services.limits();
  }

  /** In-flight requests finish (the servers' shutdown), then background work stops and clients close. */
  public Future<Void> close() {
    return vertx.undeploy(deployment)
      .eventually(() -> sandboxDeployment.map(vertx::undeploy).orElse(Future.succeededFuture()))
      .eventually(() -> {
        services.funds().stopReconciling();
        services.clearingCheck().ifPresent(check -> check.stop(vertx));
        services.gate().stop(vertx);
        services.clusterGauges().stop();
        services.liveFigures().close();
        services.feed().close();
        httpClients.forEach(WebClient::close);
        return services.limits().close();
      })
      .eventually(() -> vertx.executeBlocking(() -> {
        services.limits().hazelcast().shutdown();
        return null;
      }))
      .eventually(ledger::closeOpened)
      .eventually(pool::close)
      .eventually(() -> services.cache().close())
      .onFailure(failure -> LOG.warn("edge did not close cleanly: {}", failure.toString()));
  }

  static BalanceCacheOptions cacheOptions(EdgeConfig config) {
    return BalanceCacheOptions.defaults(config.redis().nodes())
      .withShardCount(config.redis().shardCount())
      .withRegions(config.redis().regions())
      .withOperationTimeoutMs(config.redis().operationTimeoutMs())
      .withSweep(SWEEP_AGE_MS, config.redis().sweepIntervalMs())
      .withStriping(config.redis().striping());
  }

  private static Pool pool(Vertx vertx, LedgerDatabase database, int size) {
    return PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(size).setName("wallet-pg")
        .setConnectionTimeout(PG_CONNECT_TIMEOUT_MS).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
      .with(new NetClientOptions().setConnectTimeout(PG_CONNECT_TIMEOUT_MS))
      .connectingTo(database.connectOptions())
      .using(vertx)
      .build();
  }
}
