package dev.wallet.balancecache;

import dev.wallet.balancecache.model.BalanceEvent;
import dev.wallet.balancecache.model.ShardId;

/** What the balance feed tells a subscriber ({@link BalanceCache#subscribeBalanceChanges}). */
@FunctionalInterface
public interface BalanceListener {

  /** A wallet's new balances, as its shard's outbox holds them. */
  void balance(BalanceEvent event);

  /**
   * The feed cannot vouch for what it brought, or failed to bring, of {@code shard}: a subscriber that
   * shows balances reads the shard's wallets again rather than trusting what came before.
   */
  default void readAgain(ShardId shard, Why why) {
  }

  /** Why the feed cannot vouch for a shard. */
  enum Why {
    /**
     * The master serving the shard was promoted since the feed last read it: a failover. The feed
     * reads a master's writes as they are made, before a replica holds them, so a balance it brought
     * may be one the failover took back (a movement answered 503, never acknowledged), and the shard's
     * next changes may then reuse that balance's seq.
     */
    FAILOVER("failover", "the wallet's shard changed master"),
    /**
     * The feed found where the shard's stream ends only after its subscribers were told it followed
     * every shard (it waits that long for none): a change made between a subscriber's snapshot and
     * that moment never reaches it.
     */
    LATE_START("late_start", "the live feed began following the wallet's shard late"),
    /**
     * Entries of the shard's stream were trimmed before the feed read them (it fell behind the ledger
     * writer, which trims what it committed): their changes never reach the subscriber, and a wallet
     * whose last change was one of them would show its old balance until it changed again.
     */
    MISSED("missed", "the live feed missed changes of the wallet's shard"),
    /**
     * An entry of the shard's stream could not be read by this process (a type a newer writer added,
     * in a rolling upgrade; a balance of no wallet id): its balances, whatever wallets they were, are
     * not pushed.
     */
    UNREADABLE("unreadable", "the live feed could not read a change of the wallet's shard");

    private final String wire;
    private final String text;

    Why(String wire, String text) {
      this.wire = wire;
      this.text = text;
    }

    /** As a metric's tag says it. */
    public String wire() {
      return wire;
    }

    /** As a person reads it. */
    public String text() {
      return text;
    }
  }
}
