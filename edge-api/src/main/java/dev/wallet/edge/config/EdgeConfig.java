package dev.wallet.edge.config;

import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.config.Secrets;
import dev.wallet.balancecache.config.Settings;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerPlacement;
import dev.wallet.ledger.LedgerSettings;
import dev.wallet.limits.HazelcastOptions;
import dev.wallet.limits.LimitsOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Everything the edge API is configured with, read once by {@link Main} from the environment and
 * the YAML file (vertx-config), the environment winning. Every setting, its environment variable,
 * its YAML path and its default are listed in edge-api/README.md and edge-api/config/edge.yaml.
 */
public record EdgeConfig(Http http, Auth auth, RateLimit rateLimit, Redis redis, Postgres postgres, Fees fees,
                         Gateway gateway, Funds funds, Sockets sockets, LimitsSettings limits,
                         Authorizations authorizations, Console console) {

  /** HS256 is no stronger than its key; the same floor for the webhooks' HMAC-SHA256. */
  static final int MIN_SECRET_BYTES = 32;

  /** The environment variables this config reads; vertx-config is told to load only these. */
  public static final Set<String> ENVIRONMENT = Set.of(Secrets.MODE_VARIABLE, "WALLET_HTTP_HOST", "WALLET_HTTP_PORT", "WALLET_HTTP_INSTANCES",
    "WALLET_HTTP_BODY_LIMIT_BYTES", "WALLET_HTTP_JSON_MAX_DEPTH", "WALLET_SHUTDOWN_TIMEOUT_MS",
    "WALLET_HTTP_IDLE_TIMEOUT_MS", "WALLET_HTTP_MAX_CONNECTIONS", "WALLET_WS_MAX_PER_CALLER",
    "WALLET_JWT_ALGORITHM", "WALLET_JWT_SECRET", "WALLET_JWT_PUBLIC_KEY", "WALLET_JWT_PREVIOUS_SECRET",
    "WALLET_JWT_PREVIOUS_PUBLIC_KEY", "WALLET_RATE_LIMIT_PER_SECOND",
    "WALLET_RATE_LIMIT_BURST", "WALLET_REDIS_NODES", "WALLET_REDIS_HOST", "WALLET_REDIS_FIRST_PORT",
    "WALLET_REDIS_NODE_COUNT", "WALLET_SHARDS", "WALLET_REDIS_OPERATION_TIMEOUT_MS", "WALLET_PG_HOST",
    "WALLET_PG_PORT", "WALLET_PG_DATABASE", "WALLET_PG_USER", "WALLET_PG_PASSWORD", "WALLET_PG_OWNER",
    "WALLET_PG_OWNER_PASSWORD", "WALLET_PG_POOL_SIZE", "WALLET_FEE_DEFAULT_BPS", "WALLET_SANDBOX_URL",
    "WALLET_SANDBOX_API_KEY", "WALLET_SANDBOX_WEBHOOK_SECRET", "WALLET_GATEWAY_TIMEOUT_MS",
    "WALLET_SANDBOX_EMBEDDED", "WALLET_SANDBOX_PORT", "WALLET_SANDBOX_WEBHOOK_URLS", "WALLET_SANDBOX_DELAY_MS",
    "WALLET_SANDBOX_DECLINE_RATE", "WALLET_SANDBOX_TIMEOUT_RATE", "WALLET_SANDBOX_REVERSAL_RATE",
    "WALLET_SANDBOX_REVERSAL_DELAY_MS", "WALLET_SANDBOX_JOURNAL", "WALLET_FUNDS_RECONCILE_INTERVAL_MS", "WALLET_FUNDS_STALE_AFTER_MS",
    "WALLET_WS_MAX_PENDING_EVENTS", "WALLET_SWEEP_INTERVAL_MS", "WALLET_CONFIG_FILE", "WALLET_HZ_CLUSTER",
    "WALLET_HZ_HOST", "WALLET_HZ_PORT", "WALLET_HZ_PORT_COUNT", "WALLET_HZ_MEMBERS", "WALLET_RISK_RULES_FILE",
    "WALLET_RISK_RULES_POLL_MS", "WALLET_RISK_RECONCILE_MS", "WALLET_KYC_TIMEOUT_MS", "WALLET_AML_INTERVAL_MS",
    "WALLET_AML_SETTLE_MS", "WALLET_AUTH_DEFAULT_EXPIRY_SECONDS", "WALLET_AUTH_MAX_EXPIRY_SECONDS",
    "WALLET_PROMETHEUS_URL", "WALLET_STRIPED_MERCHANT_OWNERS", "WALLET_STRIPE_SWEEP_INTERVAL_MS", "WALLET_REGION",
    "WALLET_REGIONS", "WALLET_REGION_SECRET", "WALLET_REGION_SECRETS", "WALLET_REGION_TIMEOUT_MS", "WALLET_REGION_CHECK_INTERVAL_MS",
    "WALLET_REGION_CONNECTIONS", "WALLET_REGION_MERCHANT_LIFETIME_MS", "WALLET_LEDGER_PLACEMENT");

  /**
   * @param port              HTTP port (0 picks a free one, for tests)
   * @param instances         verticle instances, one per event loop
   * @param bodyLimitBytes    larger request bodies are refused with 413 before they are read to the end
   * @param jsonMaxDepth      deeper JSON nesting is refused with 400
   * @param shutdownTimeoutMs how long in-flight requests may take to finish once shutdown begins
   * @param idleTimeoutMs     a connection that neither sends nor receives for this long is closed (balance
   *                          sockets are pinged at half of it, so a quiet socket stays open)
   * @param maxConnections    connections this process holds at once (HTTP and WebSocket); one more is closed
   *                          as soon as it is accepted
   * @param host              the address it listens on: every interface in production, loopback in
   *                          development, where anyone who reached it could mint tokens with the
   *                          published secret (until 2026-12-07 every interface, in development too)
   */
  public record Http(int port, int instances, int bodyLimitBytes, int jsonMaxDepth, long shutdownTimeoutMs,
                     long idleTimeoutMs, int maxConnections, String host) {
    public static final String EVERY_INTERFACE = "0.0.0.0";
    public static final String LOOPBACK = "127.0.0.1";
    private static final Pattern LOOPBACK_LITERAL = Pattern.compile(
      "127(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    public Http {
      if (host.isBlank()) {
        throw new IllegalArgumentException("WALLET_HTTP_HOST must name an address to listen on");
      }
      requireRange("WALLET_HTTP_PORT", port, 0, 65_535);
      requireRange("WALLET_HTTP_INSTANCES", instances, 1, 1_024);
      requireRange("WALLET_HTTP_BODY_LIMIT_BYTES", bodyLimitBytes, 256, 16 * 1024 * 1024);
      requireRange("WALLET_HTTP_JSON_MAX_DEPTH", jsonMaxDepth, 2, 1_000);
      requireRange("WALLET_HTTP_IDLE_TIMEOUT_MS", idleTimeoutMs, 200, 3_600_000);
      requireRange("WALLET_HTTP_MAX_CONNECTIONS", maxConnections, 1, 1_000_000);
    }

    public Http withPort(int value) {
      return new Http(value, instances, bodyLimitBytes, jsonMaxDepth, shutdownTimeoutMs, idleTimeoutMs,
        maxConnections, host);
    }

    /** Only this machine can reach it (literal addresses: a name but localhost is not looked up to decide). */
    public boolean loopbackOnly() {
      return LOOPBACK_LITERAL.matcher(host).matches() || host.equals("::1") || host.equals("localhost");
    }
  }

  /**
   * Exactly one algorithm is accepted (pinned): HS256 with {@code hmacSecret}, or RS256 with the
   * PEM {@code rsaPublicKey}. {@code previousKey}: during a rotation, the key being retired (a secret
   * for HS256, a PEM for RS256), accepted beside the current one until it is removed: every edge is
   * given the new key with the old one as previous, then the issuer signs with the new one, then the
   * previous is removed (until 2026-12-07 a rotation refused every token of one key or the other).
   */
  public record Auth(String algorithm, String hmacSecret, Optional<String> rsaPublicKey, Optional<String> previousKey) {

    public Auth(String algorithm, String hmacSecret, Optional<String> rsaPublicKey) {
      this(algorithm, hmacSecret, rsaPublicKey, Optional.empty());
    }

    public Auth {
      previousKey.filter(key -> "HS256".equals(algorithm) && key.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES)
        .ifPresent(key -> {
          throw new IllegalArgumentException("WALLET_JWT_PREVIOUS_SECRET must be at least " + MIN_SECRET_BYTES + " bytes");
        });
      switch (algorithm) {
        case "HS256" -> {
          if (hmacSecret == null || hmacSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("WALLET_JWT_SECRET must be at least " + MIN_SECRET_BYTES + " bytes");
          }
        }
        case "RS256" -> {
          if (rsaPublicKey.isEmpty()) {
            throw new IllegalArgumentException("WALLET_JWT_ALGORITHM=RS256 needs WALLET_JWT_PUBLIC_KEY (PEM)");
          }
        }
        default -> throw new IllegalArgumentException("WALLET_JWT_ALGORITHM must be HS256 or RS256");
      }
    }

    public boolean usesDevelopmentSecret() {
      return "HS256".equals(algorithm) && Secrets.isPublished(hmacSecret);
    }
  }

  /** A token bucket per caller and per instance: {@code perSecond} tokens a second, at most {@code burst} saved. */
  public record RateLimit(int perSecond, int burst) {
    public RateLimit {
      requireRange("WALLET_RATE_LIMIT_PER_SECOND", perSecond, 1, 1_000_000);
      requireRange("WALLET_RATE_LIMIT_BURST", burst, 1, 1_000_000);
    }
  }

  /**
   * @param regions            the deployment's regions and this edge's: which shards its money core owns, and
   *                           where a request for another region's wallet is sent (docs/architecture.md, "Regions")
   * @param settlement         how transfers between regions are delivered (only read with several regions)
   * @param operationTimeoutMs how long one money-core request may take before it is answered 503
   * @param sweepIntervalMs    how often this process's sweeper drives old pending transfers; 0: none
   * @param striping           the hot merchants whose payments land on credit stripes, and their sweeps
   */
  public record Redis(List<String> nodes, int shardCount, Regions regions, Settlement settlement,
                      long operationTimeoutMs, long sweepIntervalMs, BalanceCacheOptions.Striping striping) {
    public Redis {
      nodes = List.copyOf(nodes);
      if (striping.sweepIntervalMs() < 0) {
        throw new IllegalArgumentException("WALLET_STRIPE_SWEEP_INTERVAL_MS must not be negative");
      }
      if (nodes.isEmpty()) {
        throw new IllegalArgumentException("WALLET_REDIS_NODES must name at least one node");
      }
      if (operationTimeoutMs < 50) {
        throw new IllegalArgumentException("WALLET_REDIS_OPERATION_TIMEOUT_MS must be at least 50");
      }
    }

    /** The shards this edge's region owns. */
    public ShardRange shards() {
      return regions.shards(shardCount);
    }
  }

  /**
   * The settlement channel between regions: each message to or from a region is signed with the
   * secret this region shares with it (HMAC-SHA256, as gateway webhooks are): its own in
   * {@code peerSecrets} ({@code WALLET_REGION_SECRETS}), else {@code secret}, which every region
   * shares ({@code WALLET_REGION_SECRET}). A region that does not answer within {@code timeoutMs} is
   * asked again later. The check between regions runs every {@code checkIntervalMs} (0: on demand only).
   * Another region's answer about one of its merchants (owner, fee) is remembered for
   * {@code merchantLifetimeMs} (0: asked for every payment).
   */
  public record Settlement(String secret, Map<String, String> peerSecrets, long timeoutMs, long checkIntervalMs,
                           int connections, long merchantLifetimeMs) {
    public Settlement {
      peerSecrets = Map.copyOf(peerSecrets);
      if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException("WALLET_REGION_SECRET must be at least " + MIN_SECRET_BYTES + " bytes");
      }
      peerSecrets.forEach((peer, peerSecret) -> {
        if (peerSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
          throw new IllegalArgumentException("WALLET_REGION_SECRETS: the secret with region " + peer
            + " must be at least " + MIN_SECRET_BYTES + " bytes");
        }
      });
      requireRange("WALLET_REGION_TIMEOUT_MS", timeoutMs, 50, 60_000);
      requireRange("WALLET_REGION_CONNECTIONS", connections, 1, 4_096);
      requireRange("WALLET_REGION_MERCHANT_LIFETIME_MS", merchantLifetimeMs, 0, 86_400_000);
      if (checkIntervalMs != 0) {
        requireRange("WALLET_REGION_CHECK_INTERVAL_MS", checkIntervalMs, 100, 86_400_000);
      }
    }

    /** The secret this region shares with {@code peer}. */
    public String secretWith(String peer) {
      return peerSecrets.getOrDefault(peer, secret);
    }

    @Override
    public String toString() {
      return "Settlement[" + (peerSecrets.isEmpty() ? "" : "own secrets with " + new TreeSet<>(peerSecrets.keySet())
        + ", ") + "timeoutMs=" + timeoutMs + ", checkIntervalMs=" + checkIntervalMs + ", connections=" + connections
        + ", merchantLifetimeMs=" + merchantLifetimeMs + "]";
    }
  }

  /**
   * The home database as the application role, as the owner role (migrations only), the pool size
   * (one pool of it per database of the ledger), and where the ledger's shards are.
   */
  public record Postgres(LedgerDatabase app, LedgerDatabase owner, int poolSize, LedgerPlacement placement) {
    public Postgres {
      requireRange("WALLET_PG_POOL_SIZE", poolSize, 1, 200);
    }
  }

  /** Merchant fees in basis points (1/100 of a percent); {@code byMerchant} is keyed by the merchant's user id. */
  public record Fees(int defaultBps, Map<String, Integer> byMerchant) {
    public Fees {
      byMerchant = Map.copyOf(byMerchant);
      requireRange("WALLET_FEE_DEFAULT_BPS", defaultBps, 0, 10_000);
      byMerchant.forEach((merchant, bps) -> requireRange("fees.merchants." + merchant, bps, 0, 10_000));
    }

    public int bpsFor(String merchantOwnerId) {
      return byMerchant.getOrDefault(merchantOwnerId, defaultBps);
    }
  }

  /**
   * The sandbox gateway as the edge reaches it: its API, the secret that signs its webhooks, and
   * (for one-process development) whether this process runs the sandbox itself.
   */
  public record Gateway(String url, String apiKey, String webhookSecret, long timeoutMs, boolean embedded,
                        SandboxBehaviour sandbox) {
    public Gateway {
      if (webhookSecret.getBytes(StandardCharsets.UTF_8).length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException("WALLET_SANDBOX_WEBHOOK_SECRET must be at least " + MIN_SECRET_BYTES
          + " bytes");
      }
    }
  }

  /**
   * How the sandbox gateway behaves when it runs (embedded or as its own process).
   *
   * @param webhookUrls where it delivers its webhooks, tried in turn (like a gateway in front of a load balancer)
   * @param delayMs     how long after a request its outcome is announced
   * @param declineRate share of requests declined
   * @param timeoutRate share of requests whose answer is lost (the edge must ask again) and whose webhook never comes
   * @param reversalRate share of successes reversed later (a chargeback, a returned payout)
   * @param journal      the file in which it remembers what it took, as a real gateway does, across its
   *                     restarts; without one it forgets everything when it stops
   */
  public record SandboxBehaviour(int port, List<String> webhookUrls, long delayMs, double declineRate,
                                 double timeoutRate, double reversalRate, long reversalDelayMs,
                                 Optional<String> journal) {
    public SandboxBehaviour {
      webhookUrls = List.copyOf(webhookUrls);
    }
  }

  /**
   * @param reconcileIntervalMs how often deposits and withdrawals without an answer are looked at
   * @param staleAfterMs        a deposit or withdrawal unchanged for this long is asked about at the gateway
   */
  public record Funds(long reconcileIntervalMs, long staleAfterMs) {
  }

  /**
   * @param maxPendingEvents a socket whose client reads slower than events come is closed once this many wait
   * @param maxPerCaller     balance sockets one caller (the token's sub) may hold open on this process
   */
  public record Sockets(int maxPendingEvents, int maxPerCaller) {
    public Sockets {
      requireRange("WALLET_WS_MAX_PENDING_EVENTS", maxPendingEvents, 1, 100_000);
      requireRange("WALLET_WS_MAX_PER_CALLER", maxPerCaller, 1, 10_000);
    }
  }

  /**
   * @param defaultExpirySeconds an authorization that does not ask for an expiry is released this long after it was placed
   * @param maxExpirySeconds     the longest expiry a request may ask for
   */
  public record Authorizations(long defaultExpirySeconds, long maxExpirySeconds) {
    /** The longest maximum a deployment may configure. */
    public static final long LONGEST_EXPIRY_SECONDS = 31L * 24 * 3600;

    public Authorizations {
      requireRange("WALLET_AUTH_MAX_EXPIRY_SECONDS", maxExpirySeconds, 1, LONGEST_EXPIRY_SECONDS);
      requireRange("WALLET_AUTH_DEFAULT_EXPIRY_SECONDS", defaultExpirySeconds, 1, maxExpirySeconds);
    }
  }

  /**
   * @param prometheusUrl the Prometheus that scrapes every edge and the ledger writer, which the console's Live
   *                      page asks for its figures (none: the page says it is not configured)
   */
  public record Console(Optional<String> prometheusUrl) {
    public Console {
      prometheusUrl.ifPresent(url -> {
        if (!url.startsWith("http://") && !url.startsWith("https://")) {
          throw new IllegalArgumentException("WALLET_PROMETHEUS_URL must be an http:// or https:// URL, got " + url);
        }
      });
    }
  }

  /** The embedded Hazelcast member and the limits module (rules file, polling, AML monitors). */
  public record LimitsSettings(HazelcastOptions hazelcast, LimitsOptions options) {
  }

  public static EdgeConfig fromEnvironment(Map<String, String> env) {
    return from(Settings.of(env, new JsonObject()));
  }

  /** Fails with a message naming the setting when one is invalid, or when a secret is missing outside development. */
  public static EdgeConfig from(Settings s) {
    Secrets secrets = Secrets.of(s);
    return new EdgeConfig(http(s, secrets), auth(s, secrets), rateLimit(s), redis(s, secrets), postgres(s), fees(s),
      gateway(s, secrets), funds(s), sockets(s), limits(s), authorizations(s), console(s)).requireSecretsUnpublished();
  }

  /** A secret published in the repository is anyone's: an edge that holds one is for this machine alone. */
  private EdgeConfig requireSecretsUnpublished() {
    List<String> published = developmentSecrets();
    if (!published.isEmpty() && !http.loopbackOnly()) {
      throw new IllegalArgumentException("WALLET_HTTP_HOST: an edge holding the published development value of "
        + String.join(", ", published) + " listens on loopback only (got " + http.host() + "): anyone who reached "
        + "it could mint tokens or forge webhooks; give secrets of your own to listen on " + http.host());
    }
    return this;
  }

  /** The sandbox gateway's process needs only this part (and only its secrets). */
  public static Gateway gatewayFrom(Settings s) {
    return gateway(s, Secrets.of(s));
  }

  public EdgeConfig withHttp(Http value) {
    return new EdgeConfig(value, auth, rateLimit, redis, postgres, fees, gateway, funds, sockets, limits, authorizations,
      console);
  }

  public EdgeConfig withRateLimit(RateLimit value) {
    return new EdgeConfig(http, auth, value, redis, postgres, fees, gateway, funds, sockets, limits, authorizations,
      console);
  }

  public EdgeConfig withAuth(Auth value) {
    return new EdgeConfig(http, value, rateLimit, redis, postgres, fees, gateway, funds, sockets, limits, authorizations,
      console);
  }

  public EdgeConfig withGateway(Gateway value) {
    return new EdgeConfig(http, auth, rateLimit, redis, postgres, fees, value, funds, sockets, limits, authorizations,
      console);
  }

  /** The settings that hold a value published in the repository (only possible in development mode). */
  public List<String> developmentSecrets() {
    List<String> published = new ArrayList<>();
    addIf(published, auth.usesDevelopmentSecret(), "WALLET_JWT_SECRET");
    addIf(published, Secrets.isPublished(gateway.webhookSecret()), "WALLET_SANDBOX_WEBHOOK_SECRET");
    addIf(published, Secrets.isPublished(gateway.apiKey()), "WALLET_SANDBOX_API_KEY");
    addIf(published, Secrets.isPublished(postgres.app().password()), "WALLET_PG_PASSWORD");
    addIf(published, Secrets.isPublished(postgres.owner().password()), "WALLET_PG_OWNER_PASSWORD");
    addIf(published, peers().anyMatch(peer -> Secrets.isPublished(redis.settlement().secretWith(peer))),
      "WALLET_REGION_SECRET");
    return published;
  }

  /** The other regions of the deployment, by name. */
  private Stream<String> peers() {
    Optional<String> self = redis.regions().self().map(Regions.Region::name);
    return redis.regions().regions().stream().map(Regions.Region::name).filter(name -> !self.equals(Optional.of(name)));
  }

  private static void addIf(List<String> names, boolean condition, String name) {
    if (condition) {
      names.add(name);
    }
  }

  private String placement() {
    return postgres.placement().placed().stream().map(p -> p.shards() + " in " + p.database())
      .reduce((a, b) -> a + ", " + b).map(placed -> " (ledger shards " + placed + ")").orElse("");
  }

  /** Never prints a secret or a password (this record ends up in logs). */
  @Override
  public String toString() {
    LedgerDatabase db = postgres.app();
    return "EdgeConfig[http=" + http + ", auth=" + auth.algorithm() + (auth.usesDevelopmentSecret() ? " <dev secret>"
      : "") + ", rateLimit=" + rateLimit + ", redis=" + redis + ", postgres=" + db.user() + "@" + db.host() + ":"
      + db.port() + "/" + db.database() + " pool " + postgres.poolSize() + placement() + ", fees=" + fees
      + ", gateway=" + gateway.url() + (gateway.embedded() ? " (embedded sandbox)" : "") + ", funds=" + funds
      + ", sockets=" + sockets + ", limits=" + limits + "]";
  }

  private static LimitsSettings limits(Settings s) {
    HazelcastOptions hazelcast = HazelcastOptions.from(s);
    return new LimitsSettings(hazelcast, LimitsOptions.from(s, hazelcast.clusterName()));
  }

  private static Http http(Settings s, Secrets secrets) {
    return new Http(s.integer("WALLET_HTTP_PORT", "http.port", 8080),
      s.integer("WALLET_HTTP_INSTANCES", "http.instances", Runtime.getRuntime().availableProcessors()),
      s.integer("WALLET_HTTP_BODY_LIMIT_BYTES", "http.bodyLimitBytes", 16 * 1024),
      s.integer("WALLET_HTTP_JSON_MAX_DEPTH", "http.jsonMaxDepth", 16),
      s.number("WALLET_SHUTDOWN_TIMEOUT_MS", "http.shutdownTimeoutMs", 10_000),
      s.number("WALLET_HTTP_IDLE_TIMEOUT_MS", "http.idleTimeoutMs", 60_000),
      s.integer("WALLET_HTTP_MAX_CONNECTIONS", "http.maxConnections", 20_000),
      s.text("WALLET_HTTP_HOST", "http.host",
        secrets.mode() == Secrets.Mode.DEVELOPMENT ? Http.LOOPBACK : Http.EVERY_INTERFACE));
  }

  /** The HMAC secret is read (and so required) only when HS256 is the algorithm. */
  private static Auth auth(Settings s, Secrets secrets) {
    String algorithm = s.text("WALLET_JWT_ALGORITHM", "auth.algorithm", "HS256");
    String key = s.text("WALLET_JWT_PUBLIC_KEY", "auth.rsaPublicKey", "");
    String hmacSecret = "HS256".equals(algorithm)
      ? secrets.secret("WALLET_JWT_SECRET", "auth.secret", Secrets.DEV_JWT_SECRET) : "";
    String previousKey = s.text("WALLET_JWT_PREVIOUS_PUBLIC_KEY", "auth.previousRsaPublicKey", "");
    Optional<String> previous = "HS256".equals(algorithm)
      ? secrets.optionalSecret("WALLET_JWT_PREVIOUS_SECRET", "auth.previousSecret")
      : previousKey.isEmpty() ? Optional.empty() : Optional.of(previousKey);
    return new Auth(algorithm, hmacSecret, key.isEmpty() ? Optional.empty() : Optional.of(key), previous);
  }

  /**
   * {@code WALLET_REGION_SECRETS} ({@code regions.secrets}): {@code peer=secret,...}, the secret this
   * region shares with each peer named (no commas in a secret). Outside development mode a published
   * value is refused, as for every secret.
   */
  private static Map<String, String> peerSecrets(Settings s, Regions regions, Secrets secrets) {
    Map<String, String> perPeer = new HashMap<>();
    for (String item : csvList(s.text("WALLET_REGION_SECRETS", "regions.secrets", ""))) {
      String[] peerAndSecret = item.split("=", 2);
      String peer = peerAndSecret[0].trim();
      boolean known = regions.regions().stream().anyMatch(region -> region.name().equals(peer))
        && !regions.self().map(Regions.Region::name).orElse("").equals(peer);
      if (peerAndSecret.length < 2 || !known) {
        throw new IllegalArgumentException("WALLET_REGION_SECRETS takes peer=secret,... naming other regions of "
          + "WALLET_REGIONS, got an item for '" + peer + "'");
      }
      if (secrets.mode() != Secrets.Mode.DEVELOPMENT && Secrets.isPublished(peerAndSecret[1])) {
        throw new IllegalArgumentException("WALLET_REGION_SECRETS: the secret with region " + peer + " is a development"
          + " value published in the repository");
      }
      perPeer.put(peer, peerAndSecret[1]);
    }
    return perPeer;
  }

  private static RateLimit rateLimit(Settings s) {
    return new RateLimit(s.integer("WALLET_RATE_LIMIT_PER_SECOND", "rateLimit.perSecond", 50),
      s.integer("WALLET_RATE_LIMIT_BURST", "rateLimit.burst", 100));
  }

  private static Redis redis(Settings s, Secrets secrets) {
    int shardCount = BalanceCacheOptions.shards(s);
    Regions regions = Regions.from(s, shardCount);
    Map<String, String> perPeer = peerSecrets(s, regions, secrets);
    boolean sharedNeeded = regions.regions().stream().map(Regions.Region::name)
      .anyMatch(name -> !regions.self().map(Regions.Region::name).orElse("").equals(name) && !perPeer.containsKey(name));
    Settlement settlement = new Settlement(sharedNeeded
      ? secrets.secret("WALLET_REGION_SECRET", "regions.secret", Secrets.DEV_REGION_SECRET) : Secrets.DEV_REGION_SECRET,
      perPeer, s.number("WALLET_REGION_TIMEOUT_MS", "regions.timeoutMs", 2_000),
      s.number("WALLET_REGION_CHECK_INTERVAL_MS", "regions.checkIntervalMs", 60_000),
      s.integer("WALLET_REGION_CONNECTIONS", "regions.connections", 64),
      s.number("WALLET_REGION_MERCHANT_LIFETIME_MS", "regions.merchantLifetimeMs", 60_000));
    return new Redis(BalanceCacheOptions.nodes(s), shardCount, regions, settlement,
      s.number("WALLET_REDIS_OPERATION_TIMEOUT_MS", "redis.operationTimeoutMs", 800),
      s.number("WALLET_SWEEP_INTERVAL_MS", "redis.sweepIntervalMs", 1_000),
      new BalanceCacheOptions.Striping(Set.copyOf(csvList(s.text("WALLET_STRIPED_MERCHANT_OWNERS",
        "merchants.stripedOwners", ""))), s.number("WALLET_STRIPE_SWEEP_INTERVAL_MS", "merchants.stripeSweepIntervalMs",
        10_000)));
  }

  private static Postgres postgres(Settings s) {
    LedgerSettings ledger = LedgerSettings.from(s);
    return new Postgres(ledger.app(), ledger.owner(), s.integer("WALLET_PG_POOL_SIZE", "postgres.poolSize", 8),
      ledger.placement());
  }

  private static Fees fees(Settings s) {
    Map<String, Integer> byMerchant = new HashMap<>();
    s.section("fees.merchants").forEach(entry -> {
      if (!(entry.getValue() instanceof Integer bps)) {
        throw new IllegalArgumentException("fees.merchants." + entry.getKey() + " must be a whole number of bps");
      }
      byMerchant.put(entry.getKey(), bps);
    });
    return new Fees(s.integer("WALLET_FEE_DEFAULT_BPS", "fees.defaultBps", 0), byMerchant);
  }

  private static Gateway gateway(Settings s, Secrets secrets) {
    int sandboxPort = s.integer("WALLET_SANDBOX_PORT", "sandbox.port", 8090);
    int httpPort = s.integer("WALLET_HTTP_PORT", "http.port", 8080);
    boolean embedded = s.flag("WALLET_SANDBOX_EMBEDDED", "gateway.embedded", false);
    if (embedded && sandboxPort == httpPort) {
      // two servers of one Vert.x instance on one port share it: each would answer some of the other's requests
      throw new IllegalArgumentException("WALLET_SANDBOX_PORT must differ from WALLET_HTTP_PORT (" + httpPort
        + ") when the sandbox is embedded (WALLET_SANDBOX_EMBEDDED)");
    }
    SandboxBehaviour behaviour = new SandboxBehaviour(sandboxPort,
      csvList(s.text("WALLET_SANDBOX_WEBHOOK_URLS", "sandbox.webhookUrls",
        "http://127.0.0.1:" + httpPort + "/v1/webhooks/gateway/sandbox")),
      s.number("WALLET_SANDBOX_DELAY_MS", "sandbox.delayMs", 300),
      s.rate("WALLET_SANDBOX_DECLINE_RATE", "sandbox.declineRate", 0),
      s.rate("WALLET_SANDBOX_TIMEOUT_RATE", "sandbox.timeoutRate", 0),
      s.rate("WALLET_SANDBOX_REVERSAL_RATE", "sandbox.reversalRate", 0),
      s.number("WALLET_SANDBOX_REVERSAL_DELAY_MS", "sandbox.reversalDelayMs", 5_000),
      Optional.of(s.text("WALLET_SANDBOX_JOURNAL", "sandbox.journal", "")).filter(path -> !path.isBlank()));
    return new Gateway(s.text("WALLET_SANDBOX_URL", "gateway.url", "http://127.0.0.1:" + sandboxPort),
      secrets.secret("WALLET_SANDBOX_API_KEY", "gateway.apiKey", Secrets.DEV_SANDBOX_API_KEY),
      secrets.secret("WALLET_SANDBOX_WEBHOOK_SECRET", "gateway.webhookSecret", Secrets.DEV_WEBHOOK_SECRET),
      s.number("WALLET_GATEWAY_TIMEOUT_MS", "gateway.timeoutMs", 2_000),
      embedded, behaviour);
  }

  private static Funds funds(Settings s) {
    return new Funds(s.number("WALLET_FUNDS_RECONCILE_INTERVAL_MS", "funds.reconcileIntervalMs", 2_000),
      s.number("WALLET_FUNDS_STALE_AFTER_MS", "funds.staleAfterMs", 10_000));
  }

  private static Authorizations authorizations(Settings s) {
    return new Authorizations(s.number("WALLET_AUTH_DEFAULT_EXPIRY_SECONDS", "authorizations.defaultExpirySeconds", 7 * 24 * 3600),
      s.number("WALLET_AUTH_MAX_EXPIRY_SECONDS", "authorizations.maxExpirySeconds", 30L * 24 * 3600));
  }

  private static Console console(Settings s) {
    String url = s.text("WALLET_PROMETHEUS_URL", "console.prometheusUrl", "");
    return new Console(url.isEmpty() ? Optional.empty() : Optional.of(url));
  }

  private static Sockets sockets(Settings s) {
    return new Sockets(s.integer("WALLET_WS_MAX_PENDING_EVENTS", "websocket.maxPendingEvents", 256),
      s.integer("WALLET_WS_MAX_PER_CALLER", "websocket.maxPerCaller", 8));
  }

  private static List<String> csvList(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(item -> !item.isEmpty()).toList();
  }

  private static void requireRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
    }
  }
}
