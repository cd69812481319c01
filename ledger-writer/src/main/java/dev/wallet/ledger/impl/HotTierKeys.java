package dev.wallet.ledger.impl;

import dev.wallet.balancecache.model.ShardId;

/**
 * The money core's Redis key layout, as far as the ledger reads or rebuilds it. It mirrors
 * balance-cache's (package-private) Keys and the field names of its Lua scripts (lib.lua): a
 * change there must be made here too, and the rebuild test fails when the two disagree.
 */
final class HotTierKeys {

  private HotTierKeys() {
  }

  static String wallet(String walletId, String shard) {
    return tag(shard) + ":w:" + walletId;
  }

  /** A system account's ledger id is name:CUR:sNNNN; its key is {sNNNN}:a:name:CUR. */
  static String systemAccount(String accountId) {
    int shardAt = accountId.lastIndexOf(':');
    return tag(accountId.substring(shardAt + 1)) + ":a:" + accountId.substring(0, shardAt);
  }

  static String transfer(String transferId) {
    return tag(shardOf(transferId)) + ":x:" + transferId;
  }

  static String creditDecision(String destinationShard, String transferId) {
    return tag(destinationShard) + ":in:" + transferId;
  }

  static String pendingTransfers(String shard) {
    return tag(shard) + ":pending";
  }

  static String hold(String holdId) {
    return tag(shardOf(holdId)) + ":h:" + holdId;
  }

  /** Open authorizations of a shard by expiry (ms). */
  static String authorizationExpiries(String shard) {
    return tag(shard) + ":hexp";
  }

  /** Ids carry their shard: w0042_..., t0042_..., h0042_... */
  static String shardOf(String shardedId) {
    return new ShardId(Integer.parseInt(shardedId.substring(1, 5))).name();
  }

  static String tag(String shard) {
    return "{" + shard + "}";
  }
}
