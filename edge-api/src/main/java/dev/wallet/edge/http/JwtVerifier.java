package dev.wallet.edge.http;

import dev.wallet.balancecache.model.SystemNames;
import dev.wallet.edge.config.EdgeConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies bearer tokens: compact JWS with exactly one algorithm, the configured one (HS256 or
 * RS256). The algorithm is pinned here: the header must name it and only that algorithm is ever
 * computed, so neither {@code none} nor a key confusion (an HS256 token MACed with the RSA public
 * key, or an RS256 header over an HMAC) can get through. An HMAC is compared in constant time;
 * then {@code iss}, {@code aud}, {@code exp} (required), {@code nbf}, {@code sub} and
 * {@code roles} are checked. Pure computation: safe on an event loop. A token accepted once is
 * accepted again, until its expiry, without being checked again ({@link VerifiedTokens}).
 */
public final class JwtVerifier {

  /**
   * The first expiry refused, 10000-01-01: an instant, in milliseconds, a socket's timer can wait
   * for. Until 2026-12-07 a later one failed the socket after its handshake, which kept the caller's
   * socket place and a connection place for good, and one past Instant's range answered 500.
   */
  private static final long LAST_EXPIRY_SECONDS = 253_402_300_800L;

  /** How far ahead of this process's clock an issuer's may run for a token's start (nbf). */
  static final long NOT_BEFORE_LEEWAY_SECONDS = 30;

  public static final String HS256 = "HS256";
  public static final String RS256 = "RS256";
  static final String ISSUER = "wallet";
  static final String AUDIENCE = "wallet-api";
  private static final String MAC = "HmacSHA256";
  private static final int MAX_TOKEN_CHARS = 4_096;
  private static final int MAX_SUBJECT_CHARS = 128;
  private static final StrictJson JSON = new StrictJson(StrictJson.SHALLOW_DEPTH);
  private static final Base64.Encoder CANONICAL = Base64.getUrlEncoder().withoutPadding();
  /** Per verifier, and so per event loop: at about 250 bytes an entry, 2.5 MB at most. */
  static final int TOKENS_KEPT = 10_000;

  private final String algorithm;
  /** The current key's, then a previous key's during a rotation. */
  private final List<SignatureCheck> signatureChecks;
  private final Clock clock;
  private final VerifiedTokens verifiedBefore;

  public JwtVerifier(EdgeConfig.Auth auth, Clock clock) {
    this(auth, clock, TOKENS_KEPT);
  }

  JwtVerifier(EdgeConfig.Auth auth, Clock clock, int tokensKept) {
    this.algorithm = auth.algorithm();
    List<SignatureCheck> checks = new ArrayList<>();
    checks.add(check(algorithm, RS256.equals(algorithm) ? auth.rsaPublicKey().orElseThrow() : auth.hmacSecret()));
    auth.previousKey().ifPresent(previous -> checks.add(check(algorithm, previous)));
    this.signatureChecks = List.copyOf(checks);
    this.clock = clock;
    this.verifiedBefore = new VerifiedTokens(tokensKept);
  }

  /** HS256 with {@code secret}. */
  public JwtVerifier(String secret, Clock clock) {
    this(new EdgeConfig.Auth(HS256, secret, java.util.Optional.empty()), clock);
  }

  /** Whether {@code signature} signs {@code signedPart} under one configured key. */
  @FunctionalInterface
  private interface SignatureCheck {
    boolean verifies(byte[] signedPart, byte[] signature) throws GeneralSecurityException;
  }

  /** A valid token: who it names and when it stops being valid. */
  public record Verified(Caller caller, Instant expiresAt) {
  }

  /** The caller the token names; throws {@link ProblemException} (401) for any token that is not valid. */
  public Caller verify(String token) {
    return verified(token).caller();
  }

  /** As {@link #verify}, with the token's expiry (a live socket closes then). */
  public Verified verified(String token) {
    if (token.length() > MAX_TOKEN_CHARS) {
      throw rejected("malformed token");
    }
    return verifiedBefore.verified(token, nowSeconds(), this::verifiedInFull);
  }

  private Verified verifiedInFull(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      throw rejected("malformed token");
    }
    requirePinnedAlgorithm(json(parts[0]));
    requireSignature(parts[0] + "." + parts[1], decode(parts[2]));
    JsonObject claims = json(parts[1]);
    requireIssuerAndAudience(claims);
    Instant expiresAt = requireTimely(claims);
    return new Verified(new Caller(subject(claims), roles(claims)), expiresAt);
  }

  /** How many tokens were accepted without being verified again (tests). */
  long acceptedAsVerifiedBefore() {
    return verifiedBefore.hits();
  }

  /** How many tokens are kept as verified (tests). */
  int tokensKept() {
    return verifiedBefore.size();
  }

  private long nowSeconds() {
    return clock.millis() / 1000;
  }

  private void requirePinnedAlgorithm(JsonObject header) {
    if (!algorithm.equals(header.getValue("alg")) || header.containsKey("crit")) {
      throw rejected("only " + algorithm + " tokens are accepted");
    }
  }

  private void requireSignature(String signedPart, byte[] signature) {
    byte[] signed = signedPart.getBytes(StandardCharsets.US_ASCII);
    if (signatureChecks.stream().noneMatch(check -> verifies(check, signed, signature))) {
      throw rejected("bad signature");
    }
  }

  private static boolean verifies(SignatureCheck check, byte[] signedPart, byte[] signature) {
    try {
      return check.verifies(signedPart, signature);
    } catch (GeneralSecurityException malformed) {
      return false;
    }
  }

  /** The check of {@code key}: an HMAC secret for HS256, a PEM public key for RS256. */
  private static SignatureCheck check(String algorithm, String key) {
    return RS256.equals(algorithm) ? rsa(publicKey(key))
      : hmac(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), MAC));
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

  /**
   * The expiry, when the token has one and it has not passed. A token's start (nbf) is allowed
   * {@link #NOT_BEFORE_LEEWAY_SECONDS} of the issuer's clock running ahead of this one: until
   * 2026-12-06 a token issued with nbf = iat by an identity provider a second ahead was refused for
   * that second. Its expiry gets none: a token ends when its issuer said.
   */
  private Instant requireTimely(JsonObject claims) {
    long now = nowSeconds();
    if (!(claims.getValue("exp") instanceof Number exp) || now >= exp.longValue()) {
      throw rejected("token expired or without exp");
    }
    if (exp.longValue() >= LAST_EXPIRY_SECONDS) {
      throw rejected("exp past the year 9999");
    }
    Object notBefore = claims.getValue("nbf");
    if (notBefore != null && !(notBefore instanceof Number)) {
      throw rejected("nbf not a number"); // until 2026-12-07 ignored, and the token taken as valid at once
    }
    if (notBefore instanceof Number nbf && now + NOT_BEFORE_LEEWAY_SECONDS < nbf.longValue()) {
      throw rejected("token not valid yet");
    }
    return Instant.ofEpochSecond(exp.longValue());
  }

  /**
   * The caller's id: the owner of its wallets, the actor of its movements and the scope of its keys.
   * A name the system acts under is refused: until 2026-12-06 a token whose sub was "*" moved money out
   * of anyone's wallet, as the scripts let the system do.
   */
  private static String subject(JsonObject claims) {
    if (!(claims.getValue("sub") instanceof String sub) || sub.isEmpty() || sub.length() > MAX_SUBJECT_CHARS
        || !sub.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw rejected("sub must be 1 to " + MAX_SUBJECT_CHARS + " printable ASCII characters");
    }
    if (SystemNames.reserved(sub)) {
      throw rejected("sub names the system");
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

  private static SignatureCheck hmac(SecretKeySpec key) {
    return (signedPart, signature) -> {
      Mac mac = Mac.getInstance(MAC);
      mac.init(key);
      return MessageDigest.isEqual(mac.doFinal(signedPart), signature);
    };
  }

  private static SignatureCheck rsa(PublicKey key) {
    return (signedPart, signature) -> {
      Signature rsa = Signature.getInstance("SHA256withRSA");
      rsa.initVerify(key);
      rsa.update(signedPart);
      return rsa.verify(signature);
    };
  }

  /** An X.509 SubjectPublicKeyInfo in PEM ("-----BEGIN PUBLIC KEY-----"). */
  static PublicKey publicKey(String pem) {
    String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("WALLET_JWT_PUBLIC_KEY is not a PEM RSA public key", e);
    }
  }

  private static JsonObject json(String part) {
    try {
      return JSON.object(decode(part));
    } catch (ProblemException malformed) {
      throw rejected("malformed token");
    }
  }

  /**
   * A part as JWS writes it (RFC 7515): base64url without padding, in the one spelling its bytes
   * have. Java's decoder also takes padding and ignores a last character's unused bits, so several
   * texts decode to the same signature; a token has exactly one text here.
   */
  private static byte[] decode(String part) {
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(part);
    } catch (IllegalArgumentException malformed) {
      throw rejected("malformed token");
    }
    if (!CANONICAL.encodeToString(bytes).equals(part)) {
      throw rejected("malformed token");
    }
    return bytes;
  }

  private static ProblemException rejected(String why) {
    return new ProblemException(Problem.unauthorized(why));
  }
}
