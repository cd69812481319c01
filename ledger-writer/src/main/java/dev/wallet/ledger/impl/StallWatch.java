package dev.wallet.ledger.impl;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * For each account a run found behind Redis: since when the ledger has stood at the same sequence.
 * Normal lag moves on (the ledger advances within a second); a lost outbox entry does not, and an
 * account that is not moving any more is never found "caught up" by accident. Keyed on the ledger's
 * sequence, not Redis's, so that an account that is always a posting behind while it keeps moving
 * is not taken for stalled. Memory is bounded: at most {@link #MAX_TRACKED} accounts, and an
 * account no run has seen behind for a while is forgotten.
 */
final class StallWatch {

  static final int MAX_TRACKED = 100_000;
  /** Accounts not compared for this long (or 3 bounds) are forgotten; a cycle compares every account. */
  private static final Duration FORGET_AFTER = Duration.ofMinutes(10);

  private record Behind(long ledgerSeq, Instant since, Instant lastSeen) {
  }

  private final Duration bound;
  private final Map<String, Behind> behind = new ConcurrentHashMap<>();

  StallWatch(Duration bound) {
    this.bound = bound;
  }

  Duration bound() {
    return bound;
  }

  /** The account is behind with the ledger at {@code ledgerSeq}: how long the ledger has stood there, as runs saw it. */
  Duration behind(String account, long ledgerSeq, Instant now) {
    Behind seen = behind.get(account);
    if (seen != null && seen.ledgerSeq() == ledgerSeq) {
      behind.put(account, new Behind(ledgerSeq, seen.since(), now));
      return Duration.between(seen.since(), now);
    }
    if (seen != null || behind.size() < MAX_TRACKED) {
      behind.put(account, new Behind(ledgerSeq, now, now));
    }
    return Duration.ZERO;
  }

  void caughtUp(String account) {
    behind.remove(account);
  }

  /** After a run: accounts no longer compared (gone, or out of every run's scope) are dropped. */
  void forgetUnseenBefore(Instant now) {
    Duration keep = FORGET_AFTER.compareTo(bound.multipliedBy(3)) > 0 ? FORGET_AFTER : bound.multipliedBy(3);
    Instant cutoff = now.minus(keep);
    behind.values().removeIf(seen -> seen.lastSeen().isBefore(cutoff));
  }

  /**
   * A run that failed may have failed for the reason the writer did (PostgreSQL away): the time
   * without runs is not evidence that the ledger stood still, so the watch starts over.
   */
  void forgetAll() {
    behind.clear();
  }

  int tracked() {
    return behind.size();
  }
}
