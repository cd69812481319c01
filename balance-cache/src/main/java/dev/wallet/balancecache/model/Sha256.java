package dev.wallet.balancecache.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 of text (UTF-8) in lower-case hex: request fingerprints, derived ids, rule versions. */
public final class Sha256 {

  private Sha256() {
  }

  public static String hex(String text) {
    return HexFormat.of().formatHex(digest(text));
  }

  /** The first {@code bytes} bytes of the digest, in hex: a short, stable name for free text. */
  public static String hexPrefix(String text, int bytes) {
    return HexFormat.of().formatHex(digest(text), 0, bytes);
  }

  /** The 32 bytes of the digest. */
  public static byte[] digest(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException("every Java platform has SHA-256", impossible);
    }
  }
}
