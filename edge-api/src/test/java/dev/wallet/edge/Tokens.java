package dev.wallet.edge;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Mints tokens for tests: good ones, and every kind of bad one the edge must refuse. */
public final class Tokens {

  static final String SECRET = "edge-api-test-secret-of-more-than-32-bytes";

  private Tokens() {
  }

  static String valid(String subject, String... roles) {
    return hs256(claims(subject, roles));
  }

  static JsonObject claims(String subject, String... roles) {
    return new JsonObject()
      .put("iss", "wallet")
      .put("aud", "wallet-api")
      .put("sub", subject)
      .put("roles", new JsonArray(java.util.List.of(roles.length == 0 ? new String[] {"user"} : roles)))
      .put("iat", Instant.now().getEpochSecond())
      .put("exp", Instant.now().plusSeconds(3_600).getEpochSecond());
  }

  /**
   * An HS256 token signed with {@code secret}, valid for two hours, as scripts/dev-token.sh makes
   * them: for the load and fault suites, which talk to a system started with its own secret.
   */
  public static String forSystem(String secret, String subject, String... roles) {
    JsonObject claims = claims(subject, roles).put("exp", Instant.now().plusSeconds(7_200).getEpochSecond());
    return signed(new JsonObject().put("alg", "HS256").put("typ", "JWT"), claims, "HmacSHA256", secret);
  }

  static String hs256(JsonObject claims) {
    return signed(new JsonObject().put("alg", "HS256").put("typ", "JWT"), claims, "HmacSHA256", SECRET);
  }

  static String signed(JsonObject header, JsonObject claims, String macAlgorithm, String secret) {
    String signingInput = encode(header) + "." + encode(claims);
    return signingInput + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(macAlgorithm, secret,
      signingInput));
  }

  /** alg none: header and claims, an empty signature. */
  static String unsigned(JsonObject claims) {
    return encode(new JsonObject().put("alg", "none").put("typ", "JWT")) + "." + encode(claims) + ".";
  }

  private static String encode(JsonObject json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] mac(String algorithm, String secret, String input) {
    try {
      Mac mac = Mac.getInstance(algorithm);
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), algorithm));
      return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
