package dev.wallet.balancecache.model;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ids that carry their shard: a one-letter kind, four digits of shard, '_', 24 hex digits
 * (96 random bits), e.g. w0042_3f9c2a0b7d1e4c5a6b7c8d9e. Whoever holds an id knows which
 * shard, and so which Redis node, holds the object, without a lookup.
 */
final class ShardedIds {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern SHAPE = Pattern.compile("([a-z])(\\d{4})_([0-9a-f]{24})");

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
    return kind + String.format("%04d", shard.number()) + "_" + randomHex;
  }

  static ShardId parse(char kind, String id) {
    if (id == null) {
      throw new IllegalArgumentException("missing id");
    }
    Matcher m = SHAPE.matcher(id);
    if (!m.matches() || m.group(1).charAt(0) != kind) {
      throw new IllegalArgumentException("malformed id: " + abbreviate(id));
    }
    return new ShardId(Integer.parseInt(m.group(2)));
  }

  static boolean matches(char kind, String id) {
    if (id == null) {
      return false;
    }
    Matcher m = SHAPE.matcher(id);
    return m.matches() && m.group(1).charAt(0) == kind && Integer.parseInt(m.group(2)) < ShardId.MAX_SHARDS;
  }

  private static String abbreviate(String id) {
    return id.length() <= 40 ? id : id.substring(0, 40) + "...";
  }
}
