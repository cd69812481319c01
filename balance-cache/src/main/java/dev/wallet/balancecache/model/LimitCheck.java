package dev.wallet.balancecache.model;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A limit that the money core checks and counts atomically with the debit it guards, so no burst
 * of concurrent requests can pass it: the counter lives on the owner's home shard, where every wallet
 * of the owner is (see {@link ShardId#homeOf}), so it sees all of the owner's debits.
 * The limits module decides which checks apply (tier, operation, currency, time window); the money
 * core only enforces them.
 *
 * @param rule     the rule's name, given back in a refusal (e.g. "daily p2p_send limit of tier basic")
 * @param counter  the counter's id for one window, e.g. "p2p_send:USD:day:2026-11-25"; counted per owner
 * @param maxMinor the most the window may sum to, in minor units; negative for no amount cap
 * @param maxCount the most movements the window may count; negative for no count cap
 * @param windowMs how long the counter must live (the rest of its window); it then expires
 */
public record LimitCheck(String rule, String counter, long maxMinor, long maxCount, long windowMs) {

  private static final Pattern COUNTER = Pattern.compile("[A-Za-z0-9_.:-]{1,120}");

  public LimitCheck {
    Objects.requireNonNull(rule, "rule");
    if (counter == null || !COUNTER.matcher(counter).matches()) {
      throw new IllegalArgumentException("counter ids are 1 to 120 characters of [A-Za-z0-9_.:-]");
    }
    if (windowMs <= 0) {
      throw new IllegalArgumentException("windowMs must be positive");
    }
  }
}
