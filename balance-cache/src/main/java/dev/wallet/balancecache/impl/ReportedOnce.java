package dev.wallet.balancecache.impl;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ids of what fails on every sweep (a movement or a notice refused itself), so that each is
 * logged as an error once per process rather than once a second. At most {@link #REMEMBERED} are
 * kept: past that no more are logged, and the sweep failures still count them.
 */
final class ReportedOnce {

  private static final int REMEMBERED = 10_000;

  private final Set<String> reported = ConcurrentHashMap.newKeySet();

  /** Whether {@code id} is reported now for the first time. */
  boolean first(String id) {
    return reported.size() < REMEMBERED && reported.add(id);
  }
}
