package dev.wallet.edge.chaos;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The main thread's waits: a poll with a deadline, or load left running for a stated time. */
final class Pause {

  private static final long POLL_MS = 200;

  private Pause() {
  }

  static void briefly() {
    sleep(Duration.ofMillis(POLL_MS));
  }

  /** Load runs (or a fault lasts) this long: a duration of the scenario, not a wait for something. */
  static void hold(Duration duration) {
    sleep(duration);
  }

  /** Polls {@code condition} until it holds; fails naming {@code what} after {@code timeout}. */
  static void until(String what, Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what);
      }
      briefly();
    }
  }

  private static void sleep(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
