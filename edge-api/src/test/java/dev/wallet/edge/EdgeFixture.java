package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.config.Settings;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.gateway.sandbox.SandboxGateway;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerMigrations;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.ledger.LedgerWriterOptions;
import dev.wallet.limits.testing.LimitsTestSupport;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One edge, as {@link EdgeApplication} starts it in production, on a free port, over the real
 * Redis Cluster and PostgreSQL that scripts/infra-up.sh started (addresses from the same
 * environment variables), with its own sandbox gateway running for real on another free port and
 * delivering its webhooks to this edge over HTTP.
 */
final class EdgeFixture {

  static final String WEBHOOK_SECRET = "edge-api-test-webhook-secret-of-32-bytes-or-more";
  private static boolean migrated;
  private static final Set<Integer> PORTS_GIVEN = ConcurrentHashMap.newKeySet();

  final EdgeApplication app;
  final EdgeConfig config;
  final BalanceCache cache;
  final WebClient http;
  final PrometheusMeterRegistry registry;
  private final Vertx vertx;
  private Optional<String> sandbox;

  private EdgeFixture(Vertx vertx, EdgeApplication app, EdgeConfig config, PrometheusMeterRegistry registry,
                      Optional<String> sandbox) {
    this.vertx = vertx;
    this.app = app;
    this.config = config;
    this.cache = app.cache();
    this.registry = registry;
    this.sandbox = sandbox;
    this.http = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(app.port()));
  }

  static EdgeFixture start(Vertx vertx) {
    return start(vertx, Map.of());
  }

  /** {@code overrides} are environment variables, as an operator would set them. */
  static EdgeFixture start(Vertx vertx, Map<String, String> overrides) {
    return start(vertx, overrides, EdgeMetrics.newRegistry());
  }

  static EdgeFixture start(Vertx vertx, Map<String, String> overrides, PrometheusMeterRegistry registry) {
    return start(vertx, overrides, new JsonObject(), registry);
  }

  /** {@code yaml} is the configuration file's content, for what only the file can say (maps). */
  static EdgeFixture start(Vertx vertx, Map<String, String> overrides, JsonObject yaml,
                           PrometheusMeterRegistry registry) {
    migrateLedgerOnce();
    EdgeConfig config = config(overrides, yaml);
    Optional<String> sandbox = Optional.of(Await.result(vertx.deployVerticle(new SandboxGateway(config.gateway()))));
    EdgeApplication app = Await.result(EdgeApplication.start(vertx, config, registry));
    return new EdgeFixture(vertx, app, config, registry, sandbox);
  }

  /** An edge whose dependencies may be down: nothing is migrated or checked, and there is no sandbox. */
  static EdgeFixture startUnchecked(Vertx vertx, Map<String, String> overrides) {
    EdgeConfig config = config(overrides);
    PrometheusMeterRegistry registry = EdgeMetrics.newRegistry();
    return new EdgeFixture(vertx, Await.result(EdgeApplication.startUnchecked(vertx, config, registry)), config,
      registry, Optional.empty());
  }

  ApiCaller newUser(String... roles) {
    return as("user-" + UUID.randomUUID(), roles);
  }

  /** Users whose home shard (where their first wallet opens) is another than {@code wallet}'s, each a different one. */
  List<ApiCaller> usersOnOtherShards(String wallet, int count) {
    Set<ShardId> shards = new HashSet<>(Set.of(new WalletId(wallet).shard()));
    List<ApiCaller> users = new ArrayList<>();
    while (users.size() < count) {
      ApiCaller candidate = newUser();
      if (shards.add(ShardId.homeOf(candidate.id(), cache.shardCount()))) {
        users.add(candidate);
      }
    }
    return users;
  }

  ApiCaller as(String subject, String... roles) {
    return new ApiCaller(subject, Tokens.valid(subject, roles), http, cache);
  }

  int port() {
    return app.port();
  }

  Vertx vertx() {
    return vertx;
  }

  void close() {
    http.close();
    Await.result(app.close());
    stopSandbox();
  }

  /** Stops this edge's sandbox gateway: asked anything, the gateway is then unreachable. */
  void stopSandbox() {
    sandbox.ifPresent(id -> Await.result(vertx.undeploy(id)));
    sandbox = Optional.empty();
  }

  /** Starts a sandbox gateway as the edge's again; without a journal (WALLET_SANDBOX_JOURNAL) it knows nothing of before. */
  void startSandbox() {
    startSandbox(config.gateway().sandbox().webhookUrls());
  }

  /** The same, delivering its webhooks to {@code webhookUrls}. */
  void startSandbox(List<String> webhookUrls) {
    EdgeConfig.Gateway gateway = config.gateway();
    EdgeConfig.SandboxBehaviour b = gateway.sandbox();
    EdgeConfig.SandboxBehaviour behaviour = new EdgeConfig.SandboxBehaviour(b.port(), webhookUrls, b.delayMs(),
      b.declineRate(), b.timeoutRate(), b.reversalRate(), b.reversalDelayMs(), b.journal());
    sandbox = Optional.of(Await.result(vertx.deployVerticle(new SandboxGateway(new EdgeConfig.Gateway(gateway.url(),
      gateway.apiKey(), gateway.webhookSecret(), gateway.timeoutMs(), gateway.embedded(), behaviour)))));
  }

  /** The webhook URL of this edge, where its sandbox delivers unless told otherwise. */
  String webhookUrl() {
    return "http://127.0.0.1:" + port() + "/v1/webhooks/gateway/sandbox";
  }

  /** What the sandbox gateway answers when asked about {@code reference}, as the edge asks it. */
  HttpResponse<Buffer> askSandbox(String reference) {
    WebClient client = WebClient.create(vertx);
    try {
      return Await.result(client.getAbs(config.gateway().url() + "/v1/operations/" + reference)
        .putHeader("Authorization", "Bearer " + config.gateway().apiKey()).send());
    } finally {
      client.close();
    }
  }

  /** The test environment as WALLET_* variables: the shared infrastructure, free ports, fast timers. */
  static EdgeConfig config(Map<String, String> overrides) {
    return config(overrides, new JsonObject());
  }

  static EdgeConfig config(Map<String, String> overrides, JsonObject yaml) {
    int edgePort = freePort();
    int sandboxPort = freePort();
    Map<String, String> env = new HashMap<>();
    // the test PostgreSQL's roles have the passwords scripts/env.sh publishes
    env.put("WALLET_MODE", "development");
    env.put("WALLET_HTTP_PORT", Integer.toString(edgePort));
    env.put("WALLET_HTTP_INSTANCES", "1");
    env.put("WALLET_JWT_SECRET", Tokens.SECRET);
    env.put("WALLET_REDIS_NODES", String.join(",", TestEnvironment.redisNodes()));
    env.put("WALLET_SHARDS", Integer.toString(TestEnvironment.balanceCacheOptions().shardCount()));
    env.put("WALLET_SWEEP_INTERVAL_MS", "0");
    env.put("WALLET_PG_HOST", TestEnvironment.pgHost());
    env.put("WALLET_PG_PORT", Integer.toString(TestEnvironment.pgPort()));
    env.put("WALLET_PG_DATABASE", TestEnvironment.pgDatabase());
    env.put("WALLET_PG_USER", TestEnvironment.pgUser());
    env.put("WALLET_PG_PASSWORD", TestEnvironment.pgPassword());
    env.put("WALLET_PG_OWNER", TestEnvironment.pgOwner());
    env.put("WALLET_PG_OWNER_PASSWORD", TestEnvironment.pgOwnerPassword());
    env.put("WALLET_RATE_LIMIT_PER_SECOND", "100000");
    env.put("WALLET_RATE_LIMIT_BURST", "100000");
    env.put("WALLET_SANDBOX_PORT", Integer.toString(sandboxPort));
    env.put("WALLET_SANDBOX_URL", "http://127.0.0.1:" + sandboxPort);
    env.put("WALLET_SANDBOX_WEBHOOK_URLS", "http://127.0.0.1:" + edgePort + "/v1/webhooks/gateway/sandbox");
    env.put("WALLET_SANDBOX_WEBHOOK_SECRET", WEBHOOK_SECRET);
    env.put("WALLET_SANDBOX_DELAY_MS", "50");
    env.put("WALLET_SANDBOX_REVERSAL_DELAY_MS", "300");
    env.put("WALLET_FUNDS_RECONCILE_INTERVAL_MS", "200");
    env.put("WALLET_FUNDS_STALE_AFTER_MS", "1000");
    env.putAll(LimitsTestSupport.edgeEnvironment());
    env.putAll(overrides);
    return EdgeConfig.from(Settings.of(env, yaml));
  }

  /** A ledger writer of its own (consumer {@code name}-<random>) over the test cluster and database, started. */
  static LedgerWriter startLedgerWriter(Vertx vertx, String name) {
    return startLedgerWriter(vertx, defaultWriterOptions(name));
  }

  /** The same, giving the keys it retires (idempotency records, completed transfers) {@code retentionMs} to live. */
  static LedgerWriter startLedgerWriter(Vertx vertx, String name, long retentionMs) {
    return startLedgerWriter(vertx, defaultWriterOptions(name).withIdempotencyRetentionMs(retentionMs));
  }

  private static LedgerWriterOptions defaultWriterOptions(String name) {
    return LedgerWriterOptions.defaults(TestEnvironment.redisNodes(),
      Integer.parseInt(TestEnvironment.env("WALLET_SHARDS", "64")), appDatabase(), name + "-" + UUID.randomUUID());
  }

  private static LedgerWriter startLedgerWriter(Vertx vertx, LedgerWriterOptions options) {
    LedgerWriter writer = LedgerWriter.create(vertx, options);
    Await.result(writer.start());
    return writer;
  }

  static LedgerDatabase appDatabase() {
    return new LedgerDatabase(TestEnvironment.pgHost(), TestEnvironment.pgPort(), TestEnvironment.pgDatabase(),
      TestEnvironment.pgUser(), TestEnvironment.pgPassword());
  }

  static LedgerDatabase ownerDatabase() {
    return appDatabase().as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword());
  }

  static Pool pool(Vertx vertx, LedgerDatabase database) {
    return PgBuilder.pool()
      .connectingTo(new PgConnectOptions().setHost(database.host()).setPort(database.port())
        .setDatabase(database.database()).setUser(database.user()).setPassword(database.password()))
      .using(vertx)
      .build();
  }

  /**
   * A port nothing listens on right now (bound once by the OS, then released) and that no caller in
   * this JVM was given before. The OS may hand a released port out again at once, and two servers of
   * one Vert.x instance on one port share it: an edge and its sandbox given the same port answered
   * each other's requests (CI, 2026-12-05: a rules publication answered "unknown API key").
   */
  static int freePort() {
    while (true) {
      try (ServerSocket socket = new ServerSocket(0)) {
        if (PORTS_GIVEN.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Blocking JDBC, on the test thread, once per test JVM: the schema the ledger reader expects. */
  private static synchronized void migrateLedgerOnce() {
    if (!migrated) {
      LedgerMigrations.migrate(ownerDatabase(), TestEnvironment.pgUser());
      migrated = true;
    }
  }
}
