package dev.wallet.edge.http;

import dev.wallet.balancecache.model.Sha256;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

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
  private record Key(long a, long b, long c, long d) {

    static Key of(String token) {
      ByteBuffer digest = ByteBuffer.wrap(Sha256.digest(token));
      return new Key(digest.getLong(), digest.getLong(), digest.getLong(), digest.getLong());
    }
  }

  private final Map<Key, JwtVerifier.Verified> kept;
  private long hits;

  VerifiedTokens(int capacity) {
    this.kept = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Key, JwtVerifier.Verified> eldest) {
        return size() > capacity;
      }
    };
  }

  /**
   * {@code token} as it was verified before, unless it has expired by {@code nowSeconds}; otherwise
   * as {@code inFull} verifies it, kept when it passes (a refusal is thrown, and nothing kept).
   */
  synchronized JwtVerifier.Verified verified(String token, long nowSeconds,
                                             Function<String, JwtVerifier.Verified> inFull) {
    Key key = Key.of(token);
    JwtVerifier.Verified known = kept.get(key);
    if (known != null && nowSeconds < known.expiresAt().getEpochSecond()) {
      hits++;
      return known;
    }
    kept.remove(key);
    JwtVerifier.Verified verified = inFull.apply(token);
    kept.put(key, verified);
    return verified;
  }

  synchronized int size() {
    return kept.size();
  }

  synchronized long hits() {
    return hits;
  }
}
