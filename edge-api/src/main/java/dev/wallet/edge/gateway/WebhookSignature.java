package dev.wallet.edge.gateway;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a gateway webhook, header {@code Wallet-Signature: t=<unix seconds>,v1=<hex>}
 * where the hex is HMAC-SHA256, keyed with the gateway's webhook secret, of
 * {@code t + "." + raw body}. Signing the timestamp with the body is what makes the tolerance
 * meaningful: an attacker who captured a delivery cannot move its time forward, so a replay
 * older than {@link #TOLERANCE_SECONDS} is refused, and a replay within it is caught by the
 * event id (applied at most once). Several v1 values are accepted, so a secret can be rotated.
 */
public final class WebhookSignature {

  public static final String HEADER = "Wallet-Signature";
  public static final long TOLERANCE_SECONDS = 300;
  private static final String MAC = "HmacSHA256";
  private static final int MAX_HEADER_CHARS = 1_024;

  public enum Verdict { VALID, MALFORMED, BAD_SIGNATURE, STALE }

  private final SecretKeySpec key;

  public WebhookSignature(String secret) {
    this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), MAC);
  }

  public String header(long timestampSeconds, byte[] body) {
    return "t=" + timestampSeconds + ",v1=" + HexFormat.of().formatHex(mac(timestampSeconds, body));
  }

  /** Signature first, then time: only a genuine timestamp is worth comparing with the clock. */
  public Verdict verify(String header, byte[] body, long nowSeconds) {
    if (header == null || header.length() > MAX_HEADER_CHARS) {
      return Verdict.MALFORMED;
    }
    Long timestamp = null;
    boolean signed = false;
    byte[] expected = null;
    for (String part : header.split(",")) {
      String[] pair = part.trim().split("=", 2);
      if (pair.length != 2) {
        return Verdict.MALFORMED;
      }
      if (pair[0].equals("t")) {
        if (timestamp != null || !pair[1].matches("[0-9]{1,12}")) {
          return Verdict.MALFORMED;
        }
        timestamp = Long.parseLong(pair[1]);
        expected = mac(timestamp, body);
      } else if (pair[0].equals("v1")) {
        if (expected == null) {
          return Verdict.MALFORMED;
        }
        signed |= MessageDigest.isEqual(expected, hex(pair[1]));
      }
    }
    if (timestamp == null || expected == null) {
      return Verdict.MALFORMED;
    }
    if (!signed) {
      return Verdict.BAD_SIGNATURE;
    }
    return Math.abs(nowSeconds - timestamp) > TOLERANCE_SECONDS ? Verdict.STALE : Verdict.VALID;
  }

  private byte[] mac(long timestampSeconds, byte[] body) {
    try {
      Mac mac = Mac.getInstance(MAC);
      mac.init(key);
      mac.update((timestampSeconds + ".").getBytes(StandardCharsets.US_ASCII));
      return mac.doFinal(body);
    } catch (GeneralSecurityException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** A malformed hex value simply matches nothing. */
  private static byte[] hex(String text) {
    try {
      return HexFormat.of().parseHex(text);
    } catch (IllegalArgumentException malformed) {
      return new byte[0];
    }
  }
}
