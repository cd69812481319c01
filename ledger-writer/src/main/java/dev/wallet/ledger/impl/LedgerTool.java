package dev.wallet.ledger.impl;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.ledger.ChainVerification;
import dev.wallet.ledger.LedgerChain;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerMigrations;
import dev.wallet.ledger.LedgerSettings;
import dev.wallet.ledger.RebuildReport;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Operator commands over the ledger (scripts/rebuild.sh runs them):
 * <ul>
 *   <li>{@code verify-chain}: recomputes every account's hash chain; exit 0 when intact, 2 naming
 *       the first broken link otherwise;</li>
 *   <li>{@code rebuild}: restores the Redis hot tier from the ledger (edge and writers stopped;
 *       refuses a hot tier that still holds the ledger's wallets).</li>
 * </ul>
 */
public final class LedgerTool {

  private static final long REBUILD_TIMEOUT_MINUTES = 30;
  private static final long IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000L;

  private LedgerTool() {
  }

  public static void main(String[] args) throws Exception {
    String command = args.length == 1 ? args[0] : "";
    LedgerSettings settings = LedgerSettings.fromEnvironment(System.getenv());
    switch (command) {
      case "verify-chain" -> System.exit(verifyChain(settings));
      case "rebuild" -> System.exit(rebuild(settings));
      default -> {
        System.err.println("usage: LedgerTool verify-chain | rebuild");
        System.exit(64);
      }
    }
  }

  private static int verifyChain(LedgerSettings settings) throws Exception {
    int broken = 0;
    for (LedgerDatabase database : settings.placement().databases()) {
      ChainVerification result = LedgerChain.verify(database);
      if (result.intact()) {
        System.out.println(database + ": chain intact: " + result.entries() + " entries of " + result.accounts()
          + " accounts");
      } else {
        System.out.println(database + ": CHAIN BROKEN at " + result.firstBroken().orElseThrow() + " (after "
          + result.entries() + " entries checked)");
        broken++;
      }
    }
    return broken == 0 ? 0 : 2;
  }

  private static int rebuild(LedgerSettings settings) throws Exception {
    LedgerMigrations.migrate(settings.ownerPlacement(), settings.app().user());
    Vertx vertx = Vertx.vertx();
    // no sweeper: nothing may drive a movement while the hot tier is half restored
    BalanceCache cache = BalanceCache.create(vertx, BalanceCacheOptions.defaults(settings.redisNodes())
      .withShards(settings.shards()).withSweep(0, 0));
    try {
      RebuildReport report = cache.start()
        .compose(started -> HotTierRebuild.run(vertx, cache, settings.placement(), IDEMPOTENCY_RETENTION_MS))
        .eventually(() -> cache.close())
        .await(REBUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES);
      System.out.println("rebuilt the hot tier from the ledger: " + report);
      return 0;
    } catch (IllegalStateException refused) {
      System.err.println("REBUILD REFUSED: " + refused.getMessage());
      return 1;
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
