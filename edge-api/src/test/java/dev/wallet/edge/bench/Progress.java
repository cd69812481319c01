package dev.wallet.edge.bench;

import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The benchmark's progress lines on stderr, each stamped with the time of day (UTC), so that a
 * tail or an error in a step can be matched with the servers' logs (an AOF rewrite, a checkpoint).
 */
final class Progress {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

  private Progress() {
  }

  static void say(String format, Object... args) {
    System.err.println("[bench " + LocalTime.now(ZoneOffset.UTC).format(TIME) + "] "
      + String.format(Locale.ROOT, format, args));
  }
}
