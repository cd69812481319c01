package dev.wallet.edge.bench;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The slow requests of one run, for finding what stalls the wallet: each kept with the wall-clock
 * time it was due, and printed as episodes (slow requests due within {@link #GAP_MS} of each other)
 * with their first due time, count and worst latency. Off unless {@code wallet.bench.stallMs} is set.
 */
final class Stalls {

  private static final long GAP_MS = 100;
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

  private record Slow(long dueEpochMs, long latencyMs) {
  }

  private final long thresholdMicros;
  private final long epochMsAtNanoZero = System.currentTimeMillis() - System.nanoTime() / 1_000_000;
  private final List<Slow> slow = new ArrayList<>();

  private Stalls(long thresholdMicros) {
    this.thresholdMicros = thresholdMicros;
  }

  static Stalls fromProperty() {
    return new Stalls(Long.getLong("wallet.bench.stallMs", 0) * 1_000);
  }

  /** Called on the generator's one context. */
  void record(long dueNanos, long latencyMicros) {
    if (thresholdMicros > 0 && latencyMicros > thresholdMicros) {
      slow.add(new Slow(epochMsAtNanoZero + dueNanos / 1_000_000, latencyMicros / 1_000));
    }
  }

  void print(long startNanos) {
    if (thresholdMicros == 0) {
      return;
    }
    slow.sort(Comparator.comparingLong(Slow::dueEpochMs));
    System.err.printf("stalls over %d ms, run started %s UTC:%n", thresholdMicros / 1_000,
      CLOCK.format(Instant.ofEpochMilli(epochMsAtNanoZero + startNanos / 1_000_000)));
    int i = 0;
    while (i < slow.size()) {
      int end = i;
      long worst = slow.get(i).latencyMs();
      while (end + 1 < slow.size() && slow.get(end + 1).dueEpochMs() - slow.get(end).dueEpochMs() <= GAP_MS) {
        end++;
        worst = Math.max(worst, slow.get(end).latencyMs());
      }
      System.err.printf("  %s  %4d requests  worst %5d ms%n", CLOCK.format(Instant.ofEpochMilli(slow.get(i).dueEpochMs())),
        end - i + 1, worst);
      i = end + 1;
    }
  }
}
