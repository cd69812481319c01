package dev.wallet.ledger;

import java.util.List;

/**
 * @param redisEndpoints seed nodes of the Redis Cluster
 * @param database       the ledger, as the application role
 * @param instance       this process's name in the published results
 * @param intervalMs     pause between the end of one run and the start of the next
 */
public record ReconciliationOptions(List<String> redisEndpoints, LedgerDatabase database, String instance,
                                    long intervalMs) {

  public ReconciliationOptions {
    redisEndpoints = List.copyOf(redisEndpoints);
  }
}
