package dev.wallet.ledger;

import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.config.Secrets;
import dev.wallet.balancecache.config.Settings;
import dev.wallet.balancecache.model.ShardRange;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * Where the ledger and the hot tier are, as every process reads it (the edge through its YAML and
 * environment, the ledger processes through their environment); the defaults are scripts/env.sh's.
 * {@code shards} are the shards of this process's region (all of them with one region);
 * {@code placement} says which database holds which of them ({@code WALLET_LEDGER_PLACEMENT}, see
 * {@link LedgerPlacement}; by default the one database {@code app} names).
 * The PostgreSQL passwords are secrets: outside development mode a missing one, or one this
 * repository publishes, is refused.
 */
public record LedgerSettings(LedgerDatabase app, LedgerDatabase owner, List<String> redisNodes, Regions regions,
                             ShardRange shards, LedgerPlacement placement) {

  public static LedgerSettings from(Settings s) {
    Secrets secrets = Secrets.of(s);
    LedgerDatabase app = new LedgerDatabase(
      s.text("WALLET_PG_HOST", "postgres.host", "127.0.0.1"),
      s.integer("WALLET_PG_PORT", "postgres.port", 25432),
      s.text("WALLET_PG_DATABASE", "postgres.database", "wallet"),
      s.text("WALLET_PG_USER", "postgres.user", "wallet_app"),
      secrets.secret("WALLET_PG_PASSWORD", "postgres.password", Secrets.DEV_PG_PASSWORD));
    LedgerDatabase owner = app.as(s.text("WALLET_PG_OWNER", "postgres.owner", "wallet_owner"),
      secrets.secret("WALLET_PG_OWNER_PASSWORD", "postgres.ownerPassword", Secrets.DEV_PG_OWNER_PASSWORD));
    int shardCount = BalanceCacheOptions.shards(s);
    Regions regions = Regions.from(s, shardCount);
    ShardRange shards = regions.shards(shardCount);
    LedgerPlacement placement = LedgerPlacement.parse(s.text("WALLET_LEDGER_PLACEMENT", "postgres.placement", ""), app,
      shards);
    return new LedgerSettings(app, owner, BalanceCacheOptions.nodes(s), regions, shards, placement);
  }

  /**
   * The money core the ledger processes read Redis with: this region's shards, and the deployment's
   * regions, whose sets of pending movements the reconciler and the rebuild read (until 2026-12-07
   * they knew no regions, and took a movement listed for another region for one in no set).
   */
  public BalanceCacheOptions cacheOptions() {
    return BalanceCacheOptions.defaults(redisNodes).withShardCount(shards.count()).withRegions(regions);
  }

  /** Every database of the ledger as the owner role, which migrates them. */
  public LedgerPlacement ownerPlacement() {
    return placement.as(owner.user(), owner.password());
  }

  public static LedgerSettings fromEnvironment(Map<String, String> env) {
    return from(Settings.of(env, new JsonObject()));
  }
}
