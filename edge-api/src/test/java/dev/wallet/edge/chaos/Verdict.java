package dev.wallet.edge.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What one fault's audit found: the counts for the table, and every violation in words. */
final class Verdict {

  private static final int EXAMPLES = 20;

  final long acknowledged;
  final long refused;
  final long unknown;
  final long unresolved;
  long lost;
  long doubled;
  long modelMismatches;
  long redisLedgerMismatches;
  boolean conserved;
  boolean reconciled;
  private long violationCount;
  private final List<String> violations = new ArrayList<>();

  Verdict(List<Movement> movements) {
    acknowledged = movements.stream().filter(m -> m.fate == Movement.Fate.ACKNOWLEDGED).count();
    refused = movements.stream().filter(m -> m.fate == Movement.Fate.REFUSED).count();
    unknown = movements.stream().filter(m -> m.unknown).count();
    unresolved = movements.stream().filter(m -> m.fate == Movement.Fate.UNRESOLVED).count();
    expect(unresolved == 0, "%d movements reached no definite outcome", unresolved);
    movements.stream().filter(m -> m.anomaly != null).forEach(m -> expect(false, "%s (key %s) was answered %s",
      m.kind, m.key, m.anomaly));
  }

  void expect(boolean holds, String format, Object... args) {
    if (!holds) {
      violationCount++;
      if (violations.size() < EXAMPLES) {
        violations.add(String.format(Locale.ROOT, format, args));
      }
    }
  }

  void movement(boolean thisPhase, boolean isLost, boolean isDoubled) {
    if (thisPhase) {
      lost += isLost ? 1 : 0;
      doubled += isDoubled ? 1 : 0;
    }
  }

  void modelDiffers(boolean differs, String format, Object... args) {
    modelMismatches += differs ? 1 : 0;
    expect(!differs, format, args);
  }

  void redisDiffers(boolean differs, String format, Object... args) {
    redisLedgerMismatches += differs ? 1 : 0;
    expect(!differs, format, args);
  }

  boolean clean() {
    return violationCount == 0;
  }

  long violationCount() {
    return violationCount;
  }

  List<String> violations() {
    return List.copyOf(violations);
  }
}
