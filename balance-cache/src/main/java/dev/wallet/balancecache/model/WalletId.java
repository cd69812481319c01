package dev.wallet.balancecache.model;

/** A wallet. Its value names its shard (see {@link ShardedIds}). */
public record WalletId(String value) implements ShardedId {

  public WalletId {
    ShardedIds.parse('w', value);
  }

  public static WalletId random(ShardId shard) {
    return new WalletId(ShardedIds.random('w', shard));
  }

  public static WalletId derived(ShardId shard, String seed) {
    return new WalletId(ShardedIds.derived('w', shard, seed));
  }

  /** Whether {@code value} is a wallet id (ledger accounts are wallets or system accounts). */
  public static boolean isWalletId(String value) {
    return ShardedIds.matches('w', value);
  }

  @Override
  public ShardId shard() {
    return ShardedIds.parse('w', value);
  }

  @Override
  public String toString() {
    return value;
  }
}
