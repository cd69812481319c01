package dev.wallet.edge;

import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(VertxExtension.class)
class AuthApiTest {

  private static final String SUBJECT = "user-auth-test";
  private static final JsonObject HS256 = new JsonObject().put("alg", "HS256").put("typ", "JWT");
  private static EdgeFixture edge;
  private static String wallet;

  @BeforeAll
  static void start(Vertx vertx) {
    edge = EdgeFixture.start(vertx);
    wallet = edge.as(SUBJECT).openWallet();
  }

  @AfterAll
  static void stop() {
    edge.close();
  }

  @Test
  @DisplayName("a valid HS256 token with the right issuer and audience is let in")
  void validToken() {
    HttpResponse<Buffer> response = get("Bearer " + Tokens.valid(SUBJECT));

    assertThat(response.statusCode()).isEqualTo(200);
  }

  static Stream<Arguments> refusedTokens() {
    return Stream.of(
      token("no Authorization header", () -> null),
      token("another scheme", () -> "Basic dXNlcjpwYXNz"),
      token("an empty bearer", () -> "Bearer "),
      token("a token that is not a JWT", () -> "Bearer not-a-token"),
      token("alg none without a signature", () -> "Bearer " + Tokens.unsigned(Tokens.claims(SUBJECT))),
      token("alg none that still carries a valid HS256 signature", () -> "Bearer " + Tokens.signed(
        new JsonObject().put("alg", "none"), Tokens.claims(SUBJECT), "HmacSHA256", Tokens.SECRET)),
      token("HS512 signed with the right secret", () -> "Bearer " + Tokens.signed(
        new JsonObject().put("alg", "HS512").put("typ", "JWT"), Tokens.claims(SUBJECT), "HmacSHA512", Tokens.SECRET)),
      token("an RS256 header over an HMAC of the secret (key confusion)", () -> "Bearer " + Tokens.signed(
        new JsonObject().put("alg", "RS256").put("typ", "JWT"), Tokens.claims(SUBJECT), "HmacSHA256", Tokens.SECRET)),
      token("a signature made with another secret", () -> "Bearer " + Tokens.signed(HS256, Tokens.claims(SUBJECT),
        "HmacSHA256", "another-secret-of-more-than-thirty-two-bytes")),
      token("claims changed after signing", () -> "Bearer " + tampered(Tokens.valid(SUBJECT))),
      token("an expired token", () -> "Bearer " + Tokens.hs256(Tokens.claims(SUBJECT)
        .put("exp", Instant.now().minusSeconds(60).getEpochSecond()))),
      token("a token without exp", () -> "Bearer " + Tokens.hs256(without(Tokens.claims(SUBJECT), "exp"))),
      token("an expiry past the year 9999", () -> "Bearer " + Tokens.hs256(Tokens.claims(SUBJECT)
        .put("exp", 10_000_000_000_000_000L))),
      token("an expiry past any calendar", () -> "Bearer " + Tokens.hs256(Tokens.claims(SUBJECT).put("exp", 1e20))),
      token("a token not valid yet", () -> "Bearer " + Tokens.hs256(Tokens.claims(SUBJECT)
        .put("nbf", Instant.now().plusSeconds(600).getEpochSecond()))),
      token("a start (nbf) that is not a number", () -> "Bearer " + Tokens.hs256(Tokens.claims(SUBJECT)
        .put("nbf", Long.toString(Instant.now().plusSeconds(600).getEpochSecond())))),
      token("a wrong issuer", () -> "Bearer " + Tokens.hs256(Tokens.claims(SUBJECT).put("iss", "someone-else"))),
      token("no issuer", () -> "Bearer " + Tokens.hs256(without(Tokens.claims(SUBJECT), "iss"))),
      token("a wrong audience", () -> "Bearer " + Tokens.hs256(Tokens.claims(SUBJECT).put("aud", "other-api"))),
      token("an audience list without ours", () -> "Bearer " + Tokens.hs256(Tokens.claims(SUBJECT)
        .put("aud", new JsonArray().add("other-api")))),
      token("no subject", () -> "Bearer " + Tokens.hs256(without(Tokens.claims(SUBJECT), "sub"))),
      token("roles that are not an array", () -> "Bearer " + Tokens.hs256(Tokens.claims(SUBJECT)
        .put("roles", "admin"))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusedTokens")
  @DisplayName("a request with a token that is missing, malformed, forged, expired or for someone else is refused with 401")
  void refused(String why, Supplier<String> authorization) {
    HttpResponse<Buffer> response = get(authorization.get());

    assertProblem(response, 401, "unauthorized");
    assertThat(response.getHeader("WWW-Authenticate")).startsWith("Bearer");
    assertThat(response.bodyAsString()).doesNotContain(wallet);
  }

  @Test
  @DisplayName("a token whose start (nbf) is a few seconds ahead, its issuer's clock running ahead of ours, is accepted")
  void aStartSecondsAheadIsAccepted() {
    String token = Tokens.hs256(Tokens.claims(SUBJECT).put("nbf", Instant.now().plusSeconds(5).getEpochSecond()));

    assertThat(get("Bearer " + token).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("an audience list that includes ours is accepted")
  void audienceList() {
    String token = Tokens.hs256(Tokens.claims(SUBJECT).put("aud", new JsonArray().add("other-api").add("wallet-api")));

    assertThat(get("Bearer " + token).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a refused token moves no money: the body is never looked at")
  void refusedBeforeTheBody() {
    String forged = Tokens.signed(HS256, Tokens.claims(SUBJECT), "HmacSHA256", "another-secret-of-more-than-thirty-two-bytes");
    HttpRequest<Buffer> request = edge.http.post("/v1/deposits").putHeader("Authorization", "Bearer " + forged)
      .putHeader("Idempotency-Key", ApiCaller.newKey());

    HttpResponse<Buffer> response = Await.result(request.sendJsonObject(ApiCaller.deposit(wallet, 100, "sandbox")));

    assertProblem(response, 401, "unauthorized");
    assertThat(edge.as(SUBJECT).wallet(wallet).getLong("seq")).isZero();
  }

  private static HttpResponse<Buffer> get(String authorization) {
    HttpRequest<Buffer> request = edge.http.get("/v1/wallets/" + wallet);
    if (authorization != null) {
      request.putHeader("Authorization", authorization);
    }
    return Await.result(request.send());
  }

  private static Arguments token(String why, Supplier<String> authorization) {
    return Arguments.of(why, authorization);
  }

  private static JsonObject without(JsonObject claims, String name) {
    claims.remove(name);
    return claims;
  }

  /** The same signature over claims naming another subject. */
  private static String tampered(String token) {
    String[] parts = token.split("\\.");
    String otherClaims = Tokens.valid("user-mallory").split("\\.")[1];
    return parts[0] + "." + otherClaims + "." + parts[2];
  }
}
