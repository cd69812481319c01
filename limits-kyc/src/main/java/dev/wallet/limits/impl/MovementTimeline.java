package dev.wallet.limits.impl;

import dev.wallet.ledger.LedgerMovement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Movements in the order they were created (one wallet's, or what one owner made), with running sums
 * of what came in and what went out, so that the movements of any span of time, and their sums, are
 * found by two binary searches. The monitors ask this for each movement of a batch: a wallet that
 * pays out thousands of times within its window (a treasury, a payroll account), or an owner who
 * makes thousands of movements just below the threshold, would otherwise be read or walked once per
 * movement, and the monitor's cost would grow with the square of its movements.
 */
final class MovementTimeline {

  private final List<LedgerMovement> movements;
  /** {@code cameIn[i]}: the sum of the incoming movements before index {@code i}; likewise {@code wentOut}. */
  private final long[] cameIn;
  private final long[] wentOut;
  /** {@code nextIn[i]}: the index of the first incoming movement at or after {@code i} (the size when none). */
  private final int[] nextIn;

  /** The ledger reads a wallet's movements by creation time already; sorting again (stable) makes it this class's rule. */
  MovementTimeline(List<LedgerMovement> movements) {
    List<LedgerMovement> sorted = new ArrayList<>(movements);
    sorted.sort(Comparator.comparing(LedgerMovement::createdAt));
    this.movements = List.copyOf(sorted);
    int n = sorted.size();
    cameIn = new long[n + 1];
    wentOut = new long[n + 1];
    for (int i = 0; i < n; i++) {
      LedgerMovement m = sorted.get(i);
      cameIn[i + 1] = Math.addExact(cameIn[i], m.outgoing() ? 0 : m.size());
      wentOut[i + 1] = Math.addExact(wentOut[i], m.outgoing() ? m.size() : 0);
    }
    nextIn = new int[n + 1];
    nextIn[n] = n;
    for (int i = n - 1; i >= 0; i--) {
      nextIn[i] = sorted.get(i).outgoing() ? nextIn[i + 1] : i;
    }
  }

  /** The movements created from {@code from} to {@code to}, both included. */
  Span between(Instant from, Instant to) {
    return new Span(firstAtOrAfter(from), firstAfter(to));
  }

  private int firstAtOrAfter(Instant instant) {
    int low = 0;
    int high = movements.size();
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (movements.get(mid).createdAt().isBefore(instant)) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  private int firstAfter(Instant instant) {
    int low = 0;
    int high = movements.size();
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (movements.get(mid).createdAt().isAfter(instant)) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  }

  private Span all() {
    return new Span(0, movements.size());
  }

  /** The movements at indices {@code from} (included) to {@code to} (excluded). */
  final class Span {

    private final int from;
    private final int to;

    private Span(int from, int to) {
      this.from = from;
      this.to = Math.max(from, to);
    }

    long cameIn() {
      return cameIn[to] - cameIn[from];
    }

    long wentOut() {
      return wentOut[to] - wentOut[from];
    }

    int count() {
      return to - from;
    }

    /** What the span's movements moved, in and out. */
    long total() {
      return Math.addExact(cameIn(), wentOut());
    }

    Optional<LedgerMovement> first() {
      return from < to ? Optional.of(movements.get(from)) : Optional.empty();
    }

    Optional<LedgerMovement> firstIn() {
      int first = nextIn[from];
      return first < to ? Optional.of(movements.get(first)) : Optional.empty();
    }

    /**
     * The span from its first incoming movement on (empty when none came in): what went out before
     * anything came in left with money the window does not hold.
     */
    Span fromFirstIn() {
      return new Span(nextIn[from], to);
    }

    /** The span's movements but those of {@code postings}, as a span of their own. */
    Span without(Set<String> postings) {
      if (postings.isEmpty()) {
        return this;
      }
      return new MovementTimeline(movements.subList(from, to).stream()
        .filter(m -> !postings.contains(m.postingId())).toList()).all();
    }

    /** Every posting of the span once, in time order: a flag's evidence. */
    List<String> postingIds() {
      Set<String> ids = new LinkedHashSet<>();
      movements.subList(from, to).forEach(m -> ids.add(m.postingId()));
      return List.copyOf(ids);
    }
  }
}
