package dev.wallet.ledger.impl;

import java.util.Optional;

/**
 * A run of failed rounds of one shard's writer, for its log: a streak is reported when it starts,
 * whenever its failure changes kind, otherwise at most once every {@code everyMs} with how long it
 * has lasted, and once when a round succeeds again. Times are a monotonic clock's milliseconds. Every round is still counted in the metrics; the log says what changed. Until
 * 2026-12-06 every failed round was logged, and a shard waiting on a batch no writer commits (WL001,
 * retried every 50 ms) wrote twenty lines a second for as long as it waited.
 */
final class FailureStreak {

  private final long everyMs;
  private long startedAtMs = -1;
  private long reportedAtMs;
  private long rounds;
  private String reportedKind;

  FailureStreak(long everyMs) {
    this.everyMs = everyMs;
  }

  /**
   * A round failed at {@code nowMs} with a failure of {@code kind}: whether to log it (the streak's
   * first, a kind other than the last logged, or the first for {@code everyMs}).
   */
  boolean failed(long nowMs, String kind) {
    rounds++;
    if (startedAtMs < 0) {
      startedAtMs = nowMs;
    }
    boolean due = rounds == 1 || !kind.equals(reportedKind) || nowMs - reportedAtMs >= everyMs;
    if (due) {
      reportedAtMs = nowMs;
      reportedKind = kind;
    }
    return due;
  }

  /** Whether the last failed round was not the streak's first. */
  boolean repeated() {
    return rounds > 1;
  }

  /** The streak so far, for a log line: "3 failed rounds in 120 ms". */
  String sofar(long nowMs) {
    return rounds + " failed round" + (rounds == 1 ? "" : "s") + " in " + (nowMs - startedAtMs) + " ms";
  }

  /** A round succeeded at {@code nowMs}: the streak it ended, to log, if there was one. */
  Optional<String> succeeded(long nowMs) {
    if (startedAtMs < 0) {
      return Optional.empty();
    }
    String ended = sofar(nowMs);
    startedAtMs = -1;
    rounds = 0;
    reportedKind = null;
    return Optional.of(ended);
  }
}
