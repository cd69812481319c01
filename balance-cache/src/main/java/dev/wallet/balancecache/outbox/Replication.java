package dev.wallet.balancecache.outbox;

import java.util.ArrayList;
import java.util.List;

/**
 * A master's replication as {@code INFO replication} shows it: the id of its replication history,
 * its offset, and the offset each online replica has acknowledged. A replica that has acknowledged
 * a master's offset holds every write the master had made by then: what {@code WAIT} proves for a
 * client's own writes, read here without a write.
 */
public record Replication(boolean master, String history, long offset, List<Long> acknowledged) {

  public static Replication parse(String info) {
    boolean master = false;
    String history = "";
    long offset = -1;
    List<Long> acknowledged = new ArrayList<>();
    for (String line : info.lines().toList()) {
      if (line.equals("role:master")) {
        master = true;
      } else if (line.startsWith("master_replid:")) {
        history = line.substring("master_replid:".length());
      } else if (line.startsWith("master_repl_offset:")) {
        offset = Long.parseLong(line.substring("master_repl_offset:".length()));
      } else if (line.startsWith("slave") && line.contains("state=online")) {
        acknowledged.add(replicaOffset(line));
      }
    }
    return new Replication(master, history, offset, List.copyOf(acknowledged));
  }

  /** {@code slave0:ip=127.0.0.1,port=7104,state=online,offset=1234,lag=0} */
  private static long replicaOffset(String line) {
    for (String field : line.substring(line.indexOf(':') + 1).split(",")) {
      if (field.startsWith("offset=")) {
        return Long.parseLong(field.substring("offset=".length()));
      }
    }
    return -1;
  }

  /** True when {@code replicas} replicas held everything this master had when it was read. */
  public boolean heldBy(int replicas) {
    return heldBy(this, replicas);
  }

  /**
   * True when, as {@code later} reads it, {@code replicas} replicas of the same history have
   * acknowledged this reading's offset. After a failover the history differs, and nothing read
   * from the old master is vouched for.
   */
  public boolean heldBy(Replication later, int replicas) {
    if (replicas <= 0) {
      return true;
    }
    if (!master || !later.master || !history.equals(later.history)) {
      return false;
    }
    return later.acknowledged.stream().filter(acked -> acked >= offset).count() >= replicas;
  }
}
