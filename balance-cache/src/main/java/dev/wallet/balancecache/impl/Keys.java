package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxStreams;

/**
 * The Redis key layout. Every key of a shard starts with the shard's hash tag, so all of them
 * sit in one hash slot (see docs/architecture.md for what each holds).
 */
final class Keys {

  static final String SHARD_COUNT = "{wallet-config}:shard-count";

  private Keys() {
  }

  static String wallet(WalletId id) {
    return id.shard().tag() + ":w:" + id.value();
  }

  static String systemAccount(ShardId shard, SystemAccount account) {
    return shard.tag() + ":a:" + account.name() + ":" + account.currency().getCurrencyCode();
  }

  static String idempotency(ShardId shard, IdempotencyKey key) {
    return shard.tag() + ":idem:" + key.digest();
  }

  static String transfer(TransferId id) {
    return id.shard().tag() + ":x:" + id.value();
  }

  /** The destination's decision about a transfer, kept on the destination's shard. */
  static String creditDecision(ShardId destination, TransferId id) {
    return destination.tag() + ":in:" + id.value();
  }

  static String pendingTransfers(ShardId shard) {
    return shard.tag() + ":pending";
  }

  static String hold(HoldId id) {
    return id.shard().tag() + ":h:" + id.value();
  }

  static String outbox(ShardId shard) {
    return OutboxStreams.key(shard);
  }
}
