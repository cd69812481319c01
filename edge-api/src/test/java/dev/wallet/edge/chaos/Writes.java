package dev.wallet.edge.chaos;

import dev.wallet.balancecache.model.ShardId;
import java.time.Duration;
import java.util.Set;

/**
 * When writes resumed after a fault: the first acknowledgement of a movement first asked for after
 * the fault was in place, whose source or destination is a shard the fault hit. Acknowledgements
 * arrive on the suite's event loop; the main thread reads and waits.
 */
final class Writes {

  private volatile long faultNanos;
  private volatile Set<ShardId> affected = Set.of();
  private volatile long resumedNanos;
  private volatile String resumedBy = "";

  void faultInPlace(Set<ShardId> shards) {
    affected = Set.copyOf(shards);
    resumedNanos = 0;
    faultNanos = System.nanoTime();
  }

  /**
   * Only a movement first asked for after the fault counts: a replay of one finished before it
   * (a client retrying after a lost answer) is answered without writing to the shard it names.
   */
  void acknowledged(Movement movement) {
    long fault = faultNanos;
    if (fault == 0 || resumedNanos != 0 || movement.firstSentNanos < fault) {
      return;
    }
    if (affected.contains(movement.sourceShard()) || affected.contains(movement.destinationShard())) {
      resumedNanos = movement.acknowledgedNanos;
      resumedBy = movement.kind + " " + movement.id + " " + movement.from + " -> " + movement.to;
    }
  }

  /** The movement whose acknowledgement showed writes had resumed. */
  String resumedBy() {
    return resumedBy;
  }

  boolean resumed() {
    return resumedNanos != 0;
  }

  /** Seconds from the fault to the first write on a shard it hit; NaN if none yet. */
  double seconds() {
    return resumed() ? (resumedNanos - faultNanos) / 1e9 : Double.NaN;
  }

  /** Waits (polling) until writes resumed or {@code timeout} passed; true if they did. */
  boolean await(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!resumed() && System.nanoTime() < deadline) {
      Pause.briefly();
    }
    return resumed();
  }

  void reset() {
    faultNanos = 0;
    resumedNanos = 0;
  }
}
