package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.Sha256;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What an Idempotency-Key names: the SHA-256 of the request as the client sent it, never of what the
 * wallet derives from it (a merchant's fee, a configured default), which may change between an attempt
 * and its retry. A request whose text changed with an upgrade also carries the hashes that earlier
 * versions gave it, space-separated after its own: a record written before the upgrade still replays
 * (lib.lua's idem_seen accepts any of them, idem_record keeps the first).
 */
public final class RequestHash {

  private RequestHash() {
  }

  /** The hash of {@code text}, then those of {@code earlierTexts}. */
  public static String of(String text, String... earlierTexts) {
    return Stream.concat(Stream.of(text), Arrays.stream(earlierTexts)).map(Sha256::hex)
      .collect(Collectors.joining(" "));
  }

  /** Whether a record's hash, {@code recorded}, is one of those {@code requestHash} names. */
  public static boolean names(String requestHash, String recorded) {
    return Arrays.asList(requestHash.split(" ")).contains(recorded);
  }
}
