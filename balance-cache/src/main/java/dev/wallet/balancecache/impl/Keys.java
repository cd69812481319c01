package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxStreams;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The Redis key layout. Every key of a shard starts with the shard's hash tag, so all of them
 * sit in one hash slot (see docs/architecture.md for what each holds).
 */
final class Keys {

  static final String SHARD_COUNT = "{wallet-config}:shard-count";
  /** The first shard of the region whose cluster this is (docs/architecture.md, "Regions"). */
  static final String FIRST_SHARD = "{wallet-config}:first-shard";

  private Keys() {
  }

  static String wallet(WalletId id) {
    return id.shard().tag() + ":w:" + id.value();
  }

  static String systemAccount(ShardId shard, SystemAccount account) {
    return shard.tag() + ":a:" + account.name() + ":" + account.currency().getCurrencyCode();
  }

  /** The key of an account by its ledger id: a wallet id, or a system account's name:CUR:sNNNN. */
  static String accountKey(String accountId) {
    if (WalletId.isWalletId(accountId)) {
      return wallet(new WalletId(accountId));
    }
    int shardAt = accountId.lastIndexOf(':');
    return "{" + accountId.substring(shardAt + 1) + "}:a:" + accountId.substring(0, shardAt);
  }

  /**
   * The clearing accounts for other regions of the shard of {@code anyKeyOfShard} (SET of ledger ids;
   * lib.lua's index_account keeps it beside the account index).
   */
  static String regionAccounts(String anyKeyOfShard) {
    return tagOf(anyKeyOfShard) + ":regions";
  }

  /** The ledger id of the account a key holds, when it holds one (the inverse of {@link #accountKey}). */
  static Optional<String> accountIdOf(String key) {
    int close = key.indexOf('}');
    if (close < 0 || key.length() < close + 4) {
      return Optional.empty();
    }
    String kind = key.substring(close + 1, close + 4);
    String rest = key.substring(close + 4);
    return switch (kind) {
      case ":w:" -> Optional.of(rest);
      case ":a:" -> Optional.of(rest + ":" + key.substring(1, close));
      default -> Optional.empty();
    };
  }

  /** The shard an id names: ids carry it (w0042_..., t0042_..., h0042_...). */
  static ShardId shardOfId(String shardedId) {
    return new ShardId(Integer.parseInt(shardedId.substring(1, 5)));
  }

  /** The shard whose hash tag ({sNNNN}) starts {@code key}, when it is a shard's key. */
  static Optional<ShardId> shardOfKey(String key) {
    if (key.length() < 7 || key.charAt(0) != '{' || key.charAt(1) != 's' || key.charAt(6) != '}') {
      return Optional.empty();
    }
    int number = 0;
    for (int i = 2; i < 6; i++) {
      char c = key.charAt(i);
      if (c < '0' || c > '9') {
        return Optional.empty();
      }
      number = number * 10 + (c - '0');
    }
    return Optional.of(new ShardId(number));
  }

  /** The shard an id names, when it is a sharded id (a kind letter, four digits, '_', ...). */
  static Optional<ShardId> shardNamedBy(String id) {
    if (id.length() < 6 || !Character.isLowerCase(id.charAt(0)) || id.charAt(5) != '_'
        || !id.substring(1, 5).chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Optional.empty();
    }
    return Optional.of(shardOfId(id));
  }

  static String idempotency(ShardId shard, IdempotencyKey key) {
    return shard.tag() + ":idem:" + key.digest();
  }

  /** The record of a movement (transfer, payment, refund) on its source's shard. */
  static String movement(ShardId source, String movementId) {
    return source.tag() + ":x:" + movementId;
  }

  static String transfer(TransferId id) {
    return movement(id.shard(), id.value());
  }

  /** The destination's decision about a movement, kept on the destination's shard. */
  static String creditDecision(ShardId destination, String movementId) {
    return destination.tag() + ":in:" + movementId;
  }

  /** The sweeps a wallet of a striped merchant sent and has not finished (saga_debit.lua, Stripes). */
  static String sweepsSent(WalletId wallet) {
    return wallet.shard().tag() + ":sweeps:" + wallet.value();
  }

  /** A payment's record on the merchant's shard, which bounds its refunds. */
  static String paymentRecord(ShardId merchantShard, String paymentId) {
    return merchantShard.tag() + ":pay:" + paymentId;
  }

  /**
   * One of a sender's limit counters, next to the sender's wallet: on the owner's home shard, where
   * every wallet of the owner is, so one counter sees all of the owner's debits.
   */
  static String limitCounter(ShardId shard, String owner, String counter) {
    return shard.tag() + ":lim:" + owner + ":" + counter;
  }

  /** A key {@link #limitCounter} named: a shard's tag, then the counter's part. */
  static boolean isLimitCounter(String key) {
    int tagEnd = key.indexOf("}:lim:");
    return key.startsWith("{") && tagEnd > 0 && key.length() > tagEnd + "}:lim:".length();
  }

  /**
   * The accounts (SET of ledger ids) of the slot of {@code anyKeyOfShard} (an account's key, or a
   * shard's tag), named from its hash tag as lib.lua's index_account names it; kept by the scripts
   * that create an account and by a restore. {@link #INDEX_COMPLETE} marks that it holds every one.
   */
  static String accountIndex(String anyKeyOfShard) {
    return tagOf(anyKeyOfShard) + ":accounts";
  }

  /**
   * A script's keys followed by the keys of its shard that lib.lua writes without its caller naming
   * them: the clock, which every script writes, and the account index. Redis Cluster routes a
   * script, and while its slot moves sends it on (ASK) or holds it back (TRYAGAIN), by the keys it
   * declares. Undeclared, they were created on the importing master while the source's copies had
   * not moved yet, whose move then failed (BUSYKEY) and left the slot half-moved. Declared, a script
   * runs where all of them are. The clearing accounts' list ({@link #regionAccounts}) is left out: it
   * exists on few shards, and a key declared but absent holds back every script of a moving slot.
   */
  static List<String> declared(List<String> keys) {
    String tag = tagOf(keys.get(0));
    List<String> declared = new ArrayList<>(keys.size() + 2);
    declared.addAll(keys);
    declared.add(clock(tag));
    declared.add(tag + ":accounts");
    return declared;
  }

  /** The member that says an account index is complete; never an account id. */
  static final String INDEX_COMPLETE = "*";

  /** A shard's movements pending towards wallets of this region ({@link PendingSets}). */
  static String pendingMovements(ShardId shard) {
    return shard.tag() + ":pending";
  }

  /**
   * A shard's movements pending towards wallets of another region, named by its position in
   * {@code WALLET_REGIONS}, which its shards follow from, so that renaming it orphans nothing
   * ({@link PendingSets}).
   */
  static String pendingMovementsTo(ShardId shard, int regionIndex) {
    return shard.tag() + ":pending:r" + regionIndex;
  }

  /**
   * A key written only for the WAIT after it, which then covers every earlier write to the shard's
   * master: by a rebuild, and by the sweeper before it drives what was debited there.
   */
  static String replicationMarker(ShardId shard) {
    return shard.tag() + ":replicated";
  }

  /** The shard's clock, which every script takes its time from and writes first (lib.lua). */
  static String shardClock(ShardId shard) {
    return clock(shard.tag());
  }

  private static String clock(String tag) {
    return tag + ":clock";
  }

  /** {sNNNN} of {sNNNN}:...: the hash tag that puts a key in its shard's slot. */
  private static String tagOf(String anyKeyOfShard) {
    return anyKeyOfShard.substring(0, anyKeyOfShard.indexOf('}') + 1);
  }

  /**
   * The "finished" notices a shard owes other regions (HASH movement id -> the settlement, see
   * CrossShardSaga): written with the finish, deleted once the destination has it.
   */
  static String owedNotices(ShardId shard) {
    return shard.tag() + ":notices";
  }

  /** Open authorizations of a shard by expiry (ZSET id -> expiry ms), read by the sweeper. */
  static String holdExpiries(ShardId shard) {
    return shard.tag() + ":hexp";
  }

  static String hold(HoldId id) {
    return id.shard().tag() + ":h:" + id.value();
  }

  static String outbox(ShardId shard) {
    return OutboxStreams.key(shard);
  }

  static String ledgerPosition(ShardId shard) {
    return OutboxStreams.positionKey(shard);
  }

  /** Keys of other shards that this shard's committed postings retired and that could not be reached then (a set). */
  static String retiredElsewhereLater(ShardId shard) {
    return shard.tag() + ":ledger-retire-later";
  }
}
