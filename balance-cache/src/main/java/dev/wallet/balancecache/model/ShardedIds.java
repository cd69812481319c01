package dev.wallet.balancecache.model;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Ids that carry their shard: a one-letter kind, four digits of shard, '_', 24 hex digits
 * (96 random bits), e.g. w0042_3f9c2a0b7d1e4c5a6b7c8d9e. Whoever holds an id knows which
 * shard, and so which Redis node, holds the object, without a lookup.
 */
final class ShardedIds {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SHARD_DIGITS = 4;
  private static final int RANDOM_HEX_DIGITS = 24;
  private static final int LENGTH = 1 + SHARD_DIGITS + 1 + RANDOM_HEX_DIGITS;

  private ShardedIds() {
  }

  static String random(char kind, ShardId shard) {
    byte[] bytes = new byte[12];
    RANDOM.nextBytes(bytes);
    return format(kind, shard, HexFormat.of().formatHex(bytes));
  }

  /** The same seed always gives the same id: used to make creation idempotent. */
  static String derived(char kind, ShardId shard, String seed) {
    return format(kind, shard, Sha256.hex(seed).substring(0, 24));
  }

  static String format(char kind, ShardId shard, String randomHex) {
    return kind + shard.name().substring(1) + "_" + randomHex;
  }

  static ShardId parse(char kind, String id) {
    if (id == null) {
      throw new IllegalArgumentException("missing id");
    }
    int shard = shardOf(kind, id);
    if (shard < 0) {
      throw new IllegalArgumentException("malformed id: " + abbreviate(id));
    }
    return new ShardId(shard);
  }

  static boolean matches(char kind, String id) {
    return id != null && shardOf(kind, id) >= 0;
  }

  /**
   * The shard number of a well-formed id of this kind, else -1. Read character by character: every
   * request parses several ids, and a regular expression's matcher was a twelfth of an edge's CPU.
   */
  private static int shardOf(char kind, String id) {
    if (id.length() != LENGTH || id.charAt(0) != kind || id.charAt(SHARD_DIGITS + 1) != '_') {
      return -1;
    }
    int shard = 0;
    for (int i = 1; i <= SHARD_DIGITS; i++) {
      char c = id.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      shard = shard * 10 + (c - '0');
    }
    for (int i = SHARD_DIGITS + 2; i < LENGTH; i++) {
      char c = id.charAt(i);
      if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) {
        return -1;
      }
    }
    return shard;
  }

  private static String abbreviate(String id) {
    return id.length() <= 40 ? id : id.substring(0, 40) + "...";
  }
}
