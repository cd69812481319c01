package dev.wallet.balancecache;

import dev.wallet.balancecache.model.BalanceEvent;
import dev.wallet.balancecache.model.ShardId;

/** What the balance feed tells a subscriber ({@link BalanceCache#subscribeBalanceChanges}). */
@FunctionalInterface
public interface BalanceListener {

  /** A wallet's new balances, as its shard's outbox holds them. */
  void balance(BalanceEvent event);

  /**
   * The master serving {@code shard} was promoted since the feed last read it: a failover. The feed
   * reads a master's writes as they are made, before a replica holds them, so a balance it brought
   * may be one the failover took back (a movement answered 503, never acknowledged), and the shard's
   * next changes may then reuse that balance's seq. A subscriber that shows balances reads the
   * shard's wallets again rather than trusting what came before.
   */
  default void masterChanged(ShardId shard) {
  }
}
