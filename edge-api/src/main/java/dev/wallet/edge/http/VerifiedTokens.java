package dev.wallet.edge.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tokens a verifier accepted, the most recently used kept. A client sends the same token with
 * every request until it expires, and decoding, parsing and signing it again each time was most of
 * what a balance read cost an edge beyond the read itself.
 *
 * <p>Only a token that passed every check is kept, and its expiry is checked again at every use, so
 * nothing is accepted that verification would refuse. Entries are keyed by the SHA-256 of the whole
 * token: any other token, however close, misses and is verified in full; a lookup compares digests,
 * whose timing says nothing about a token; and an entry holds 32 bytes, not the token.
 */
final class VerifiedTokens {

  /** A SHA-256 as four longs: equality and hash for free. */
  record Key(long a, long b, long c, long d) {
  }

  private final MessageDigest sha256;
  private final Map<Key, JwtVerifier.Verified> kept;
  private long hits;

  VerifiedTokens(int capacity) {
    try {
      this.sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException absent) {
      throw new IllegalStateException("every Java runtime has SHA-256", absent);
    }
    this.kept = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, JwtVerifier.Verified> eldest) {
        return size() > capacity;
      }
    };
  }

  synchronized Key keyOf(String token) {
    ByteBuffer digest = ByteBuffer.wrap(sha256.digest(token.getBytes(StandardCharsets.US_ASCII)));
    return new Key(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
  }

  /** The token verified before under {@code key}, unless it has expired by {@code nowSeconds} (then it is dropped). */
  synchronized JwtVerifier.Verified find(Key key, long nowSeconds) {
    JwtVerifier.Verified known = kept.get(key);
    if (known == null) {
      return null;
    }
    if (nowSeconds >= known.expiresAt().getEpochSecond()) {
      kept.remove(key);
      return null;
    }
    hits++;
    return known;
  }

  synchronized void keep(Key key, JwtVerifier.Verified verified) {
    kept.put(key, verified);
  }

  synchronized int size() {
    return kept.size();
  }

  synchronized long hits() {
    return hits;
  }
}
