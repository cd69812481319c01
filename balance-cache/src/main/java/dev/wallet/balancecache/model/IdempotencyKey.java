package dev.wallet.balancecache.model;

/**
 * A client's idempotency key, scoped to the caller that sent it: two callers may use the same
 * key without seeing each other's outcomes.
 */
public record IdempotencyKey(String scope, String key) {

  public IdempotencyKey {
    if (scope == null || scope.isEmpty()) {
      throw new IllegalArgumentException("idempotency scope is required");
    }
    if (key == null || key.isEmpty() || key.length() > 255 || !key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e)) {
      throw new IllegalArgumentException("Idempotency-Key must be 1 to 255 printable ASCII characters");
    }
  }

  /** The hash that names the key's record in Redis: bounded length, no characters of the client's. */
  public String digest() {
    return Sha256.hex(scope + '\u0000' + key);
  }
}
