package dev.wallet.edge.live;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * How many balance sockets each caller holds open on this process, at most {@code max} each, so
 * that one token cannot pin the process's memory and event loops with sockets. Shared by every
 * event loop: a count changes only inside {@code compute}, so two upgrades racing for the last
 * place cannot both get it.
 */
public final class SocketsPerCaller {

  private final int max;
  private final ConcurrentMap<String, Integer> open = new ConcurrentHashMap<>();

  public SocketsPerCaller(int max) {
    this.max = max;
  }

  public int max() {
    return max;
  }

  /** Takes a place for one more socket of {@code callerId}, or says there is none. */
  boolean tryOpen(String callerId) {
    boolean[] admitted = {false};
    open.compute(callerId, (id, count) -> {
      int current = count == null ? 0 : count;
      if (current >= max) {
        return count;
      }
      admitted[0] = true;
      return current + 1;
    });
    return admitted[0];
  }

  public void closed(String callerId) {
    open.computeIfPresent(callerId, (id, count) -> count <= 1 ? null : count - 1);
  }
}
