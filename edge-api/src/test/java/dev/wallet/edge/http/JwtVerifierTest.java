package dev.wallet.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.edge.Tokens;
import dev.wallet.edge.config.EdgeConfig;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The verifier's memory of tokens it accepted (faster, and never more lenient than verifying again),
 * and the one spelling a token's parts have.
 */
class JwtVerifierTest {

  private static final String SECRET = "jwt-verifier-test-secret-of-more-than-32-bytes";

  private final MovableClock clock = new MovableClock();

  @Test
  @DisplayName("a token presented again is accepted from memory, as the same caller with the same expiry")
  void acceptedAgainFromMemory() {
    JwtVerifier verifier = verifier(10);
    String token = Tokens.forSystem(SECRET, "alice", "user");

    JwtVerifier.Verified first = verifier.verified(token);
    JwtVerifier.Verified again = verifier.verified(token);

    assertThat(again).isEqualTo(first);
    assertThat(again.caller().id()).isEqualTo("alice");
    assertMemory(verifier, 1, 1);
  }

  @Test
  @DisplayName("a token remembered as verified is refused once it has expired, and forgotten")
  void rememberedTokenStillExpires() {
    JwtVerifier verifier = verifier(10);
    String token = Tokens.forSystem(SECRET, "alice", "user");
    Instant expiresAt = verifier.verified(token).expiresAt();

    clock.moveTo(expiresAt.minusSeconds(1));
    assertThat(verifier.verified(token).caller().id()).isEqualTo("alice");
    clock.moveTo(expiresAt);
    assertThatThrownBy(() -> verifier.verified(token)).isInstanceOf(ProblemException.class)
      .hasMessageContaining("expired");
    assertThat(verifier.tokensKept()).isZero();
  }

  @Test
  @DisplayName("a token that differs from a remembered one in its claims or its signature is verified in full and "
    + "refused; a refused token is never remembered")
  void nearMissesAreVerifiedInFull() {
    JwtVerifier verifier = verifier(10);
    String token = Tokens.forSystem(SECRET, "alice", "user");
    verifier.verified(token);
    String[] parts = token.split("\\.");
    String otherClaims = parts[0] + "." + Tokens.forSystem(SECRET, "mallory", "admin").split("\\.")[1] + "." + parts[2];
    String otherSignature = parts[0] + "." + parts[1] + "." + flipFirst(parts[2]);

    for (String forged : new String[] {otherClaims, otherSignature, token + "."}) {
      assertThatThrownBy(() -> verifier.verified(forged)).as(forged).isInstanceOf(ProblemException.class);
    }
    assertMemory(verifier, 0, 1);
  }

  @Test
  @DisplayName("a part spelled otherwise than canonical base64url is refused, though it decodes to the same bytes")
  void onlyTheCanonicalSpelling() {
    JwtVerifier verifier = verifier(10);
    String token = Tokens.forSystem(SECRET, "alice", "user");
    String[] parts = token.split("\\.");
    String unusedBitsSet = parts[0] + "." + parts[1] + "." + withUnusedBitSet(parts[2]);
    String padded = parts[0] + "." + parts[1] + "." + parts[2] + "=";

    for (String respelled : new String[] {unusedBitsSet, padded}) {
      assertThat(java.util.Base64.getUrlDecoder().decode(respelled.split("\\.")[2])).as(respelled)
        .isEqualTo(java.util.Base64.getUrlDecoder().decode(parts[2]));
      assertThatThrownBy(() -> verifier.verified(respelled)).as(respelled).isInstanceOf(ProblemException.class);
    }
    assertThat(verifier.verified(token).caller().id()).isEqualTo("alice");
  }

  @Test
  @DisplayName("at most the configured number of tokens are kept, the least recently used forgotten first")
  void boundedLeastRecentlyUsed() {
    JwtVerifier verifier = verifier(3);
    String first = Tokens.forSystem(SECRET, "user-0", "user");
    verifier.verified(first);
    for (int i = 1; i <= 5; i++) {
      verifier.verified(Tokens.forSystem(SECRET, "user-" + i, "user"));
      verifier.verified(first);
    }

    assertMemory(verifier, 5, 3); // the first token, used after every other, stays kept
    verifier.verified(Tokens.forSystem(SECRET, "user-1", "user"));
    assertThat(verifier.acceptedAsVerifiedBefore()).as("user-1's token was forgotten: verified in full again")
      .isEqualTo(5);
  }

  @Test
  @DisplayName("during a key rotation tokens signed with the new key and with the previous one are accepted, "
    + "others refused; without the previous key its tokens are refused")
  void previousKeyAcceptedDuringARotation() {
    String previous = "jwt-verifier-test-previous-secret-of-32-bytes-or-more";
    String other = "jwt-verifier-test-another-secret-of-32-bytes-or-more";
    JwtVerifier rotating = new JwtVerifier(new EdgeConfig.Auth(JwtVerifier.HS256, SECRET, Optional.empty(),
      Optional.of(previous)), clock, 10);
    JwtVerifier after = verifier(10);

    assertThat(rotating.verify(Tokens.forSystem(SECRET, "alice", "user")).id()).isEqualTo("alice");
    assertThat(rotating.verify(Tokens.forSystem(previous, "bob", "user")).id()).isEqualTo("bob");
    assertThatThrownBy(() -> rotating.verify(Tokens.forSystem(other, "mallory", "user")))
      .isInstanceOf(ProblemException.class);
    assertThatThrownBy(() -> after.verify(Tokens.forSystem(previous, "bob", "user")))
      .isInstanceOf(ProblemException.class);
    assertThatThrownBy(() -> new EdgeConfig.Auth(JwtVerifier.HS256, SECRET, Optional.empty(), Optional.of("short")))
      .hasMessageContaining("WALLET_JWT_PREVIOUS_SECRET");
  }

  private static void assertMemory(JwtVerifier verifier, long acceptedFromMemory, int kept) {
    assertThat(verifier.acceptedAsVerifiedBefore()).as("tokens accepted from memory").isEqualTo(acceptedFromMemory);
    assertThat(verifier.tokensKept()).as("tokens kept").isEqualTo(kept);
  }

  private JwtVerifier verifier(int tokensKept) {
    return new JwtVerifier(new EdgeConfig.Auth(JwtVerifier.HS256, SECRET, Optional.empty()), clock, tokensKept);
  }

  /**
   * The signature with its first character changed. Not its last: of a 32-byte MAC's last base64
   * character only four bits are data, and a decoder that ignores the other two reads some changes
   * of it as the same signature.
   */
  private static String flipFirst(String signature) {
    return (signature.charAt(0) == 'A' ? 'B' : 'A') + signature.substring(1);
  }

  /** The signature with its last character's lowest bit set: of a 32-byte MAC's last character only the top four of six bits are data. */
  private static String withUnusedBitSet(String signature) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    char last = signature.charAt(signature.length() - 1);
    return signature.substring(0, signature.length() - 1) + alphabet.charAt(alphabet.indexOf(last) | 1);
  }

  /** A clock that stands still where it is put (now, until moved). */
  private static final class MovableClock extends Clock {

    private Instant now = Instant.now();

    void moveTo(Instant instant) {
      now = instant;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public long millis() {
      return now.toEpochMilli();
    }
  }
}
