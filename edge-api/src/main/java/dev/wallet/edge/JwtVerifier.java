package dev.wallet.edge;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies bearer tokens: compact JWS, HS256 only. The algorithm is pinned here: the header must
 * say HS256 and only HMAC-SHA256 is ever computed, so neither {@code none} nor a key confusion
 * (an RS256 header verified with the HMAC secret) can get through. The signature is compared in
 * constant time, then {@code iss}, {@code aud}, {@code exp} (required), {@code nbf}, {@code sub}
 * and {@code roles} are checked. Pure computation: safe on an event loop.
 */
final class JwtVerifier {

  static final String ALGORITHM = "HS256";
  static final String ISSUER = "wallet";
  static final String AUDIENCE = "wallet-api";
  private static final String MAC = "HmacSHA256";
  private static final int MAX_TOKEN_CHARS = 4_096;
  private static final int MAX_SUBJECT_CHARS = 128;

  private final SecretKeySpec key;
  private final Clock clock;

  JwtVerifier(String secret, Clock clock) {
    this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), MAC);
    this.clock = clock;
  }

  /** The caller the token names; throws {@link ProblemException} (401) for any token that is not valid. */
  Caller verify(String token) {
    String[] parts = token.length() > MAX_TOKEN_CHARS ? new String[0] : token.split("\\.", -1);
    if (parts.length != 3) {
      throw rejected("malformed token");
    }
    requirePinnedAlgorithm(json(parts[0]));
    requireSignature(parts[0] + "." + parts[1], decode(parts[2]));
    JsonObject claims = json(parts[1]);
    requireIssuerAndAudience(claims);
    requireTimely(claims);
    return new Caller(subject(claims), roles(claims));
  }

  private static void requirePinnedAlgorithm(JsonObject header) {
    if (!ALGORITHM.equals(header.getValue("alg")) || header.containsKey("crit")) {
      throw rejected("only " + ALGORITHM + " tokens are accepted");
    }
  }

  private void requireSignature(String signedPart, byte[] signature) {
    if (!MessageDigest.isEqual(hmac(signedPart), signature)) {
      throw rejected("bad signature");
    }
  }

  private static void requireIssuerAndAudience(JsonObject claims) {
    if (!ISSUER.equals(claims.getValue("iss"))) {
      throw rejected("wrong issuer");
    }
    Object aud = claims.getValue("aud");
    boolean forUs = AUDIENCE.equals(aud) || aud instanceof JsonArray list && list.contains(AUDIENCE);
    if (!forUs) {
      throw rejected("wrong audience");
    }
  }

  private void requireTimely(JsonObject claims) {
    long now = clock.millis() / 1000;
    if (!(claims.getValue("exp") instanceof Number exp) || now >= exp.longValue()) {
      throw rejected("token expired or without exp");
    }
    if (claims.getValue("nbf") instanceof Number nbf && now < nbf.longValue()) {
      throw rejected("token not valid yet");
    }
  }

  private static String subject(JsonObject claims) {
    if (!(claims.getValue("sub") instanceof String sub) || sub.isEmpty() || sub.length() > MAX_SUBJECT_CHARS
        || !sub.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw rejected("sub must be 1 to " + MAX_SUBJECT_CHARS + " printable ASCII characters");
    }
    return sub;
  }

  private static Set<String> roles(JsonObject claims) {
    Object value = claims.getValue("roles");
    if (value == null) {
      return Set.of();
    }
    if (!(value instanceof JsonArray array) || !array.stream().allMatch(String.class::isInstance)) {
      throw rejected("roles must be an array of strings");
    }
    Set<String> roles = new HashSet<>();
    array.forEach(role -> roles.add((String) role));
    return roles;
  }

  private byte[] hmac(String signedPart) {
    try {
      Mac mac = Mac.getInstance(MAC);
      mac.init(key);
      return mac.doFinal(signedPart.getBytes(StandardCharsets.US_ASCII));
    } catch (NoSuchAlgorithmException | InvalidKeyException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  private static JsonObject json(String part) {
    try {
      return StrictJson.object(decode(part));
    } catch (ProblemException malformed) {
      throw rejected("malformed token");
    }
  }

  private static byte[] decode(String part) {
    try {
      return Base64.getUrlDecoder().decode(part);
    } catch (IllegalArgumentException malformed) {
      throw rejected("malformed token");
    }
  }

  private static ProblemException rejected(String why) {
    return new ProblemException(Problem.unauthorized(why));
  }
}
