package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.config.Secrets;
import dev.wallet.balancecache.config.Settings;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.edge.config.ConfigLoader;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.JwtVerifier;
import dev.wallet.ledger.LedgerDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class EdgeConfigTest {

  private static final Map<String, String> DEVELOPMENT = Map.of("WALLET_MODE", "development");

  @Test
  @DisplayName("in development mode, with nothing else configured, the edge uses the documented defaults and the "
    + "published development secrets")
  void defaults() {
    EdgeConfig config = EdgeConfig.fromEnvironment(DEVELOPMENT);

    assertThat(config.http().port()).isEqualTo(8080);
    assertThat(config.http().host()).as("published secrets: this machine alone").isEqualTo("127.0.0.1");
    assertThat(config.http().bodyLimitBytes()).isEqualTo(16 * 1024);
    assertThat(config.http().jsonMaxDepth()).isEqualTo(16);
    assertThat(config.http().idleTimeoutMs()).isEqualTo(60_000);
    assertThat(config.http().maxConnections()).isEqualTo(20_000);
    assertThat(config.sockets().maxPerCaller()).isEqualTo(8);
    assertThat(config.developmentSecrets()).containsExactly("WALLET_JWT_SECRET", "WALLET_SANDBOX_WEBHOOK_SECRET",
      "WALLET_SANDBOX_API_KEY", "WALLET_PG_PASSWORD", "WALLET_PG_OWNER_PASSWORD");
    assertThat(config.auth().hmacSecret()).isEqualTo(Secrets.DEV_JWT_SECRET);
    assertThat(config.auth().algorithm()).isEqualTo("HS256");
    assertThat(config.redis().nodes()).containsExactly("redis://127.0.0.1:7101", "redis://127.0.0.1:7102",
      "redis://127.0.0.1:7103", "redis://127.0.0.1:7104", "redis://127.0.0.1:7105", "redis://127.0.0.1:7106",
      "redis://127.0.0.1:7107");
    assertThat(config.redis().shardCount()).isEqualTo(64);
    assertThat(config.redis().operationTimeoutMs()).isEqualTo(800);
    assertThat(config.postgres().app())
      .isEqualTo(new LedgerDatabase("127.0.0.1", 25432, "wallet", "wallet_app", "wallet-dev-app"));
    assertThat(config.postgres().owner().user()).isEqualTo("wallet_owner");
    assertThat(config.rateLimit()).isEqualTo(new EdgeConfig.RateLimit(50, 100));
    assertThat(config.fees().bpsFor("any-merchant")).isZero();
    assertThat(config.gateway().url()).isEqualTo("http://127.0.0.1:8090");
    assertThat(config.gateway().sandbox().webhookUrls())
      .containsExactly("http://127.0.0.1:8080/v1/webhooks/gateway/sandbox");
  }

  @Test
  @DisplayName("every setting comes from its environment variable, and the log line never shows secrets")
  void fromEnvironment() {
    Map<String, String> env = new HashMap<>(PRODUCTION_SECRETS);
    env.putAll(Map.of("WALLET_HTTP_PORT", "9090", "WALLET_REDIS_NODES",
      "redis://10.0.0.1:6379, redis://10.0.0.2:6379", "WALLET_SHARDS", "128", "WALLET_PG_HOST", "db",
      "WALLET_PG_PORT", "5432", "WALLET_PG_DATABASE", "ledger", "WALLET_PG_USER", "app", "WALLET_PG_PASSWORD",
      "pg-password"));
    env.putAll(Map.of("WALLET_HTTP_IDLE_TIMEOUT_MS", "15000", "WALLET_HTTP_MAX_CONNECTIONS", "500",
      "WALLET_WS_MAX_PER_CALLER", "3"));
    EdgeConfig config = EdgeConfig.fromEnvironment(env);

    assertThat(config.http().port()).isEqualTo(9090);
    assertThat(config.http().host()).isEqualTo("0.0.0.0");
    assertThat(config.http().idleTimeoutMs()).isEqualTo(15_000);
    assertThat(config.http().maxConnections()).isEqualTo(500);
    assertThat(config.sockets().maxPerCaller()).isEqualTo(3);
    assertThat(config.developmentSecrets()).isEmpty();
    assertThat(config.redis().nodes()).containsExactly("redis://10.0.0.1:6379", "redis://10.0.0.2:6379");
    assertThat(config.redis().shardCount()).isEqualTo(128);
    assertThat(config.postgres().app()).isEqualTo(new LedgerDatabase("db", 5432, "ledger", "app", "pg-password"));
    assertThat(config.toString()).doesNotContain("a-production-jwt-secret").doesNotContain("pg-password")
      .doesNotContain("a-production-webhook-secret");
  }

  /** Until 2026-12-07 it listened on every interface in development too, and anyone on the network could mint an admin token. */
  @Test
  @DisplayName("an edge holding a published development secret listens on loopback only: another address is refused, "
    + "naming the secrets; with secrets of its own it listens where it is told")
  void publishedSecretsStayOnThisMachine() {
    Map<String, String> everywhere = new HashMap<>(DEVELOPMENT);
    everywhere.put("WALLET_HTTP_HOST", "0.0.0.0");
    Map<String, String> ownSecrets = new HashMap<>(everywhere);
    ownSecrets.putAll(PRODUCTION_SECRETS);
    ownSecrets.putAll(Map.of("WALLET_PG_PASSWORD", "pg-password", "WALLET_PG_OWNER_PASSWORD", "pg-owner-password"));

    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(everywhere)).isInstanceOf(IllegalArgumentException.class)
      .hasMessageContaining("WALLET_HTTP_HOST").hasMessageContaining("WALLET_JWT_SECRET")
      .hasMessageContaining("loopback only");
    assertThat(EdgeConfig.fromEnvironment(Map.of("WALLET_MODE", "development", "WALLET_HTTP_HOST", "127.0.0.2"))
      .http().host()).isEqualTo("127.0.0.2");
    assertThat(EdgeConfig.fromEnvironment(ownSecrets).http().host()).isEqualTo("0.0.0.0");
    Map<String, String> twoRegions = new HashMap<>(ownSecrets);
    twoRegions.putAll(Map.of("WALLET_REGION", "a", "WALLET_REGIONS", "a=http://127.0.0.1:8080,b=http://127.0.0.1:8280"));
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(twoRegions)).as("the published secret between regions")
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WALLET_REGION_SECRET");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(Map.of("WALLET_MODE", "development", "WALLET_HTTP_HOST",
      "127.example.com"))).as("a name is no loopback address").isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("the YAML file configures what the environment does not, the environment wins, maps come from the file")
  void yamlAndEnvironment() {
    JsonObject yaml = new JsonObject()
      .put("http", new JsonObject().put("port", 9191).put("jsonMaxDepth", 8))
      .put("rateLimit", new JsonObject().put("perSecond", 5).put("burst", 10))
      .put("fees", new JsonObject().put("defaultBps", 250).put("merchants", new JsonObject().put("shop-1", 120)));

    EdgeConfig config = EdgeConfig.from(Settings.of(Map.of("WALLET_MODE", "development", "WALLET_HTTP_PORT", "9292"),
      yaml));

    assertThat(config.http().port()).isEqualTo(9292);
    assertThat(config.http().jsonMaxDepth()).isEqualTo(8);
    assertThat(config.rateLimit()).isEqualTo(new EdgeConfig.RateLimit(5, 10));
    assertThat(config.fees().bpsFor("shop-1")).isEqualTo(120);
    assertThat(config.fees().bpsFor("another-shop")).isEqualTo(250);
  }

  @Test
  @DisplayName("vertx-config reads the YAML file; a file named explicitly must exist")
  void readsTheFile(Vertx vertx, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("edge.yaml");
    Files.writeString(file, """
      http:
        port: 9393
      fees:
        defaultBps: 175
        merchants:
          shop-9: 90
      """);

    EdgeConfig config = EdgeConfig.from(developmentMode(Await.result(ConfigLoader.load(vertx, file.toString(),
      false))));

    assertThat(config.http().port()).isEqualTo(9393);
    assertThat(config.fees().bpsFor("shop-9")).isEqualTo(90);
    assertThat(config.fees().bpsFor("shop-1")).isEqualTo(175);
    boolean missingRefused = Await.result(ConfigLoader.load(vertx, dir.resolve("missing.yaml").toString(), false)
      .transform(loaded -> io.vertx.core.Future.succeededFuture(loaded.failed())));
    assertThat(missingRefused).isTrue();
  }

  @Test
  @DisplayName("a port that is not a number, a fee beyond 100%, an idle timeout below 200 ms, no connection to "
    + "other regions or an embedded sandbox on the edge's port stops the edge at startup; the connections to other "
    + "regions are 64 unless set")
  void refusesBadSettings() {
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(development("WALLET_HTTP_PORT", "eighty")))
      .hasMessageContaining("WALLET_HTTP_PORT");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(development("WALLET_FEE_DEFAULT_BPS", "10001")))
      .hasMessageContaining("WALLET_FEE_DEFAULT_BPS");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(development("WALLET_JWT_ALGORITHM", "RS256")))
      .hasMessageContaining("WALLET_JWT_PUBLIC_KEY");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(development("WALLET_HTTP_IDLE_TIMEOUT_MS", "10")))
      .hasMessageContaining("WALLET_HTTP_IDLE_TIMEOUT_MS");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(development("WALLET_WS_MAX_PER_CALLER", "0")))
      .hasMessageContaining("WALLET_WS_MAX_PER_CALLER");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(development("WALLET_REGION_CONNECTIONS", "0")))
      .hasMessageContaining("WALLET_REGION_CONNECTIONS");
    Map<String, String> embedded = development("WALLET_SANDBOX_EMBEDDED", "true");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(with(embedded, "WALLET_SANDBOX_PORT", "8080")))
      .as("an embedded sandbox on the edge's own port").hasMessageContaining("WALLET_SANDBOX_PORT must differ");
    assertThat(EdgeConfig.fromEnvironment(with(embedded, "WALLET_SANDBOX_PORT", "8090")).gateway().embedded()).isTrue();
    assertThat(EdgeConfig.fromEnvironment(DEVELOPMENT).redis().settlement().connections()).isEqualTo(64);
    assertThat(EdgeConfig.fromEnvironment(development("WALLET_REGION_CONNECTIONS", "200")).redis().settlement()
      .connections()).isEqualTo(200);
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(development("WALLET_REGION_MERCHANT_LIFETIME_MS", "-1")))
      .hasMessageContaining("WALLET_REGION_MERCHANT_LIFETIME_MS");
    assertThat(EdgeConfig.fromEnvironment(DEVELOPMENT).redis().settlement().merchantLifetimeMs()).isEqualTo(60_000);
    assertThat(EdgeConfig.fromEnvironment(development("WALLET_REGION_MERCHANT_LIFETIME_MS", "0")).redis().settlement()
      .merchantLifetimeMs()).as("ask for every payment").isZero();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"WALLET_JWT_SECRET", "WALLET_SANDBOX_WEBHOOK_SECRET", "WALLET_SANDBOX_API_KEY",
    "WALLET_PG_PASSWORD", "WALLET_PG_OWNER_PASSWORD"})
  @DisplayName("outside development mode, a secret that is not set stops the edge with a message naming it")
  void missingSecretOutsideDevelopment(String variable) {
    Map<String, String> env = new HashMap<>(PRODUCTION_SECRETS);
    env.remove(variable);

    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(env))
      .isInstanceOf(IllegalArgumentException.class)
      .hasMessageStartingWith(variable + " is not set")
      .hasMessageContaining("WALLET_MODE=development");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"WALLET_JWT_SECRET", "WALLET_SANDBOX_WEBHOOK_SECRET", "WALLET_SANDBOX_API_KEY",
    "WALLET_PG_PASSWORD", "WALLET_PG_OWNER_PASSWORD"})
  @DisplayName("outside development mode, a secret set to a value published in the repository stops the edge")
  void publishedSecretOutsideDevelopment(String variable) {
    for (String published : List.of(Secrets.DEV_JWT_SECRET, Secrets.DEV_WEBHOOK_SECRET, Secrets.DEV_PG_PASSWORD)) {
      Map<String, String> env = new HashMap<>(PRODUCTION_SECRETS);
      env.put(variable, published);

      assertThatThrownBy(() -> EdgeConfig.fromEnvironment(env))
        .hasMessageStartingWith(variable + " is a development value published in the repository");
    }
  }

  @Test
  @DisplayName("no mode is production: an edge given nothing refuses to start, naming the first secret it lacks")
  void productionIsTheDefault() {
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(Map.of()))
      .hasMessageStartingWith("WALLET_JWT_SECRET is not set");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(Map.of("WALLET_MODE", "staging")))
      .hasMessage("WALLET_MODE must be production or development, got 'staging'");
    JsonObject yamlSaysDevelopment = new JsonObject().put("mode", "development");
    assertThatThrownBy(() -> EdgeConfig.from(Settings.of(Map.of(), yamlSaysDevelopment)))
      .hasMessageStartingWith("WALLET_JWT_SECRET is not set");
  }

  @Test
  @DisplayName("an HS256 key or a webhook secret shorter than 32 bytes is refused, in development mode too")
  void shortSigningKeys() {
    String short31 = "x".repeat(31);
    for (Map<String, String> base : List.of(PRODUCTION_SECRETS, DEVELOPMENT)) {
      assertThatThrownBy(() -> EdgeConfig.fromEnvironment(with(base, "WALLET_JWT_SECRET", short31)))
        .hasMessage("WALLET_JWT_SECRET must be at least 32 bytes");
      assertThatThrownBy(() -> EdgeConfig.fromEnvironment(with(base, "WALLET_SANDBOX_WEBHOOK_SECRET", short31)))
        .hasMessage("WALLET_SANDBOX_WEBHOOK_SECRET must be at least 32 bytes");
    }
    assertThat(EdgeConfig.fromEnvironment(with(PRODUCTION_SECRETS, "WALLET_JWT_SECRET", "y".repeat(32)))
      .auth().hmacSecret()).hasSize(32);
  }

  @Test
  @DisplayName("with RS256 no HMAC secret is needed; the sandbox gateway's process needs only the gateway's secrets")
  void onlyTheSecretsInUseAreRequired() throws GeneralSecurityException {
    Map<String, String> rs256 = new HashMap<>(PRODUCTION_SECRETS);
    rs256.remove("WALLET_JWT_SECRET");
    rs256.put("WALLET_JWT_ALGORITHM", "RS256");
    rs256.put("WALLET_JWT_PUBLIC_KEY", rsaPublicKeyPem());
    Map<String, String> sandboxOnly = Map.of("WALLET_SANDBOX_WEBHOOK_SECRET", "a-production-webhook-secret-32-bytes!",
      "WALLET_SANDBOX_API_KEY", "a-production-sandbox-api-key");

    assertThat(EdgeConfig.fromEnvironment(rs256).auth().algorithm()).isEqualTo("RS256");
    assertThat(EdgeConfig.gatewayFrom(Settings.of(sandboxOnly, new JsonObject())).apiKey())
      .isEqualTo("a-production-sandbox-api-key");
    assertThatThrownBy(() -> EdgeConfig.gatewayFrom(Settings.of(Map.of(), new JsonObject())))
      .hasMessageStartingWith("WALLET_SANDBOX_API_KEY is not set");
  }

  @Test
  @DisplayName("a previous JWT key for a rotation is read for the algorithm in use: a secret for HS256, a PEM for RS256")
  void previousJwtKeyForARotation() throws GeneralSecurityException {
    String pem = rsaPublicKeyPem();
    Map<String, String> rs256 = new HashMap<>(PRODUCTION_SECRETS);
    rs256.remove("WALLET_JWT_SECRET");
    rs256.put("WALLET_JWT_ALGORITHM", "RS256");
    rs256.put("WALLET_JWT_PUBLIC_KEY", rsaPublicKeyPem());
    rs256.put("WALLET_JWT_PREVIOUS_PUBLIC_KEY", pem);

    assertThat(EdgeConfig.fromEnvironment(with(PRODUCTION_SECRETS, "WALLET_JWT_PREVIOUS_SECRET", "z".repeat(32)))
      .auth().previousKey()).contains("z".repeat(32));
    assertThat(EdgeConfig.fromEnvironment(PRODUCTION_SECRETS).auth().previousKey()).isEmpty();
    assertThat(EdgeConfig.fromEnvironment(rs256).auth().previousKey().map(String::strip)).contains(pem.strip());
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(with(PRODUCTION_SECRETS, "WALLET_JWT_PREVIOUS_SECRET", "short")))
      .hasMessageContaining("WALLET_JWT_PREVIOUS_SECRET must be at least 32 bytes");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(with(PRODUCTION_SECRETS, "WALLET_JWT_PREVIOUS_SECRET",
      Secrets.DEV_JWT_SECRET))).hasMessageContaining("WALLET_JWT_PREVIOUS_SECRET is a development value published");
  }

  @Test
  @DisplayName("scripts/dev-token.sh mints a token the edge accepts with its development secret")
  void devTokenScript() throws IOException, InterruptedException {
    Process script = new ProcessBuilder("bash", "scripts/dev-token.sh", "bob", "user", "merchant")
      .directory(TestEnvironment.projectRoot().toFile())
      .redirectError(ProcessBuilder.Redirect.INHERIT)
      .start();
    String token = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(script.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(script.exitValue()).isZero();

    Caller caller = new JwtVerifier(Secrets.DEV_JWT_SECRET, Clock.systemUTC()).verify(token);

    assertThat(caller).isEqualTo(new Caller("bob", Set.of("user", "merchant")));
    assertThat(List.of(token.split("\\."))).hasSize(3);
  }

  @Test
  @DisplayName("scripts/dev-token.sh refuses to sign with the published secret when WALLET_MODE=production")
  void devTokenScriptOutsideDevelopment() throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("bash", "scripts/dev-token.sh", "bob")
      .directory(TestEnvironment.projectRoot().toFile());
    builder.environment().remove("WALLET_JWT_SECRET");
    builder.environment().put("WALLET_MODE", "production");
    Process script = builder.start();
    String error = new String(script.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(script.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(script.exitValue()).isEqualTo(2);
    assertThat(output).isEmpty();
    assertThat(error).contains("WALLET_JWT_SECRET is not set");
  }

  /** Every secret, none of them published: what a production deployment gives. */
  @Test
  @DisplayName("WALLET_REGION_SECRETS gives each pair of regions a secret of its own; with one for every other "
    + "region no shared secret is needed, and an unknown or own region, a short or published secret is refused")
  void secretsPerPairOfRegions() {
    Map<String, String> env = new HashMap<>(PRODUCTION_SECRETS);
    env.putAll(Map.of("WALLET_REGIONS", "a=http://a.example,b=http://b.example,c=http://c.example",
      "WALLET_REGION", "a", "WALLET_REGION_SECRETS", "b=the-secret-of-a-and-b-only-0123456789,"
        + "c=the-secret-of-a-and-c-only-0123456789"));

    EdgeConfig.Settlement settlement = EdgeConfig.fromEnvironment(env).redis().settlement();

    assertThat(settlement.secretWith("b")).isEqualTo("the-secret-of-a-and-b-only-0123456789");
    assertThat(settlement.secretWith("c")).isEqualTo("the-secret-of-a-and-c-only-0123456789");
    assertThat(settlement.toString()).doesNotContain("only-0123456789");
    env.put("WALLET_REGION_SECRETS", "b=the-secret-of-a-and-b-only-0123456789");
    assertThatThrownBy(() -> EdgeConfig.fromEnvironment(env)).as("c has no secret of its own: the shared one is needed")
      .hasMessageContaining("WALLET_REGION_SECRET is not set");
    for (String wrong : List.of("a=the-secret-of-a-with-itself-0123456789", "d=the-secret-of-a-and-d-0123456789",
      "b=short", "b=" + Secrets.DEV_REGION_SECRET + ",c=the-secret-of-a-and-c-only-0123456789")) {
      env.put("WALLET_REGION_SECRETS", wrong);
      assertThatThrownBy(() -> EdgeConfig.fromEnvironment(env)).as(wrong).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("WALLET_REGION_SECRET");
    }
  }

  private static final Map<String, String> PRODUCTION_SECRETS = Map.of(
    "WALLET_JWT_SECRET", "a-production-jwt-secret-of-at-least-32-bytes",
    "WALLET_SANDBOX_WEBHOOK_SECRET", "a-production-webhook-secret-of-32-bytes-or-more",
    "WALLET_SANDBOX_API_KEY", "a-production-sandbox-api-key",
    "WALLET_PG_PASSWORD", "a-production-app-password",
    "WALLET_PG_OWNER_PASSWORD", "a-production-owner-password");

  private static Map<String, String> development(String name, String value) {
    return with(DEVELOPMENT, name, value);
  }

  private static Map<String, String> with(Map<String, String> base, String name, String value) {
    Map<String, String> env = new HashMap<>(base);
    env.put(name, value);
    return env;
  }

  /** The file as loaded, in development mode (this test's environment has the published PostgreSQL passwords). */
  private static Settings developmentMode(Settings loaded) {
    return loaded.with("WALLET_MODE", "development");
  }

  private static String rsaPublicKeyPem() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(generator.generateKeyPair()
      .getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
  }
}
