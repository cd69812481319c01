package dev.wallet.balancecache.model;

/** An id that carries its shard (see {@link ShardedIds}), and so names the region that owns it. */
public interface ShardedId {

  ShardId shard();
}
