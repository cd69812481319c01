package dev.wallet.edge;

import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An edge configured for RS256 accepts RS256 tokens of its key and nothing else: the algorithm is pinned. */
@ExtendWith(VertxExtension.class)
class Rs256AuthTest {

  private static final String SUBJECT = "user-rs256";
  private static KeyPair issuer;
  private static String publicPem;
  private static EdgeFixture edge;

  @BeforeAll
  static void start(Vertx vertx) throws GeneralSecurityException {
    issuer = rsaKeys();
    publicPem = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(issuer.getPublic().getEncoded())
      + "\n-----END PUBLIC KEY-----\n";
    edge = EdgeFixture.start(vertx, Map.of("WALLET_JWT_ALGORITHM", "RS256", "WALLET_JWT_PUBLIC_KEY", publicPem));
  }

  @AfterAll
  static void stop() {
    edge.close();
  }

  @Test
  @DisplayName("an RS256 token signed by the configured key is let in")
  void accepted() throws GeneralSecurityException {
    HttpResponse<Buffer> opened = post(rs256(Tokens.claims(SUBJECT), issuer.getPrivate()));

    assertThat(opened.statusCode()).as(opened.bodyAsString()).isEqualTo(201);
    assertThat(opened.bodyAsJsonObject().getString("ownerId")).isEqualTo(SUBJECT);
  }

  @Test
  @DisplayName("HS256 (even MACed with the public key, the classic key confusion), alg none, another key, expiry: all 401")
  void refused() throws GeneralSecurityException {
    JsonObject hs256 = new JsonObject().put("alg", "HS256").put("typ", "JWT");

    assertProblem(post(Tokens.signed(hs256, Tokens.claims(SUBJECT), "HmacSHA256", publicPem)), 401, "unauthorized");
    assertProblem(post(Tokens.valid(SUBJECT)), 401, "unauthorized");
    assertProblem(post(Tokens.unsigned(Tokens.claims(SUBJECT))), 401, "unauthorized");
    assertProblem(post(rs256(Tokens.claims(SUBJECT), rsaKeys().getPrivate())), 401, "unauthorized");
    assertProblem(post(rs256(Tokens.claims(SUBJECT).put("exp", 1), issuer.getPrivate())), 401, "unauthorized");
    assertProblem(post(rs256(Tokens.claims(SUBJECT).put("aud", "other"), issuer.getPrivate())), 401, "unauthorized");
  }

  private static HttpResponse<Buffer> post(String token) {
    return Await.result(edge.http.post("/v1/wallets").putHeader("Authorization", "Bearer " + token)
      .putHeader("Content-Type", "application/json")
      .sendBuffer(new JsonObject().put("currency", "USD").put("type", "personal").toBuffer()));
  }

  private static String rs256(JsonObject claims, PrivateKey key) throws GeneralSecurityException {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String input = url.encodeToString(new JsonObject().put("alg", "RS256").put("typ", "JWT").encode()
      .getBytes(StandardCharsets.UTF_8)) + "." + url.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature rsa = Signature.getInstance("SHA256withRSA");
    rsa.initSign(key);
    rsa.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + url.encodeToString(rsa.sign());
  }

  private static KeyPair rsaKeys() throws GeneralSecurityException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }
}
