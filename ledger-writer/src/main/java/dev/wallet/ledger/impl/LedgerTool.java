package dev.wallet.ledger.impl;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.ledger.ChainVerification;
import dev.wallet.ledger.LedgerChain;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerMigrations;
import dev.wallet.ledger.LedgerPlacement;
import dev.wallet.ledger.LedgerSettings;
import dev.wallet.ledger.MovesFollowed;
import dev.wallet.ledger.RebuildReport;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Operator commands over the ledger (scripts/rebuild.sh runs them):
 * <ul>
 *   <li>{@code migrate}: brings every database of the placement to the schema's latest version;</li>
 *   <li>{@code verify-chain}: recomputes every account's hash chain; exit 0 when intact, 2 naming
 *       the first broken link otherwise;</li>
 *   <li>{@code rebuild}: restores the Redis hot tier from the ledger (edge and writers stopped;
 *       refuses a hot tier that still holds the ledger's wallets);</li>
 *   <li>{@code move-shards FIRST-LAST host:port/database|home}: moves those shards' ledger to that
 *       database ({@link ShardMove}; the region's ledger writers go on) and prints the placement
 *       every process of the region must be given; exit 1 when refused, nothing changed, 2 when a
 *       database failed it.</li>
 * </ul>
 */
public final class LedgerTool {

  private static final long REBUILD_TIMEOUT_MINUTES = 30;
  private static final long IDEMPOTENCY_RETENTION_MS = 24 * 3_600_000L;

  private LedgerTool() {
  }

  public static void main(String[] args) throws Exception {
    String command = args.length >= 1 ? args[0] : "";
    LedgerSettings settings = LedgerSettings.fromEnvironment(System.getenv());
    switch (command) {
      case "migrate" -> System.exit(migrate(settings));
      case "verify-chain" -> System.exit(verifyChain(settings));
      case "rebuild" -> System.exit(rebuild(settings));
      case "move-shards" -> System.exit(args.length == 3 ? moveShards(settings, args[1], args[2]) : usage());
      default -> System.exit(usage());
    }
  }

  private static int usage() {
    System.err.println("usage: LedgerTool migrate | verify-chain | rebuild | move-shards FIRST-LAST "
      + "host:port/database|home");
    return 64;
  }

  /** Every database of the placement at the schema's latest version (a writer's start does the same). */
  private static int migrate(LedgerSettings settings) {
    LedgerMigrations.migrate(settings.ownerPlacement(), settings.app().user());
    System.out.println("migrated " + settings.placement().databases());
    return 0;
  }

  static int moveShards(LedgerSettings settings, String range, String to) throws Exception {
    LedgerMigrations.migrate(settings.ownerPlacement(), settings.app().user());
    try {
      LedgerPlacement owners = settings.ownerPlacement();
      // the target may be a database no placement names yet
      LedgerMigrations.migrate(owners.database(to), settings.app().user());
      String[] bounds = range.split("-", 2);
      int first = Integer.parseInt(bounds[0].trim());
      int last = Integer.parseInt(bounds.length == 2 ? bounds[1].trim() : bounds[0].trim());
      if (last < first) {
        throw new ShardMove.Refused("shards " + range + " are not a range");
      }
      ShardMove.Report report = new ShardMove(owners, settings.shards(), new ShardRange(first, last - first + 1),
        owners.database(to)).run();
      System.out.println("moved shards " + report.shards() + " from " + report.from() + " to " + report.to() + ": "
        + report.accounts() + " accounts, " + report.postings() + " postings, " + report.entries() + " entries, "
        + report.events() + " account events" + (report.resumed() ? " (finishing an interrupted move)" : "")
        + "; their writers waited " + report.fencedMs() + " ms for it");
      System.out.println("running writers and edges follow the move on their own; for their next start, "
        + (report.placement().isEmpty()
        ? "the region's ledger is in its home database alone again: unset WALLET_LEDGER_PLACEMENT in every process"
        : "give every process of the region WALLET_LEDGER_PLACEMENT=" + report.placement()));
      return 0;
    } catch (ShardMove.Refused | IllegalArgumentException refused) {
      System.err.println("MOVE REFUSED: " + refused.getMessage());
      return 1;
    } catch (java.sql.SQLException failed) {
      // each database's transaction is rolled back by its connection's close; a failure after the
      // target's commit is finished by running the same command again
      System.err.println("MOVE FAILED: " + failed.getMessage() + " (run the same command again once the cause is "
        + "fixed: it starts over, or finishes a move whose target had committed)");
      return 2;
    }
  }

  /**
   * Every database the shards are in now: the placement given, with the moves recorded since followed,
   * as every writer and reader does (until 2026-12-06 only the databases given were read, and a
   * placement from before a move reported "chain intact" without reading the moved shards).
   */
  private static int verifyChain(LedgerSettings settings) throws Exception {
    int broken = 0;
    for (LedgerDatabase database : followed(settings.placement()).databases()) {
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

  /** {@code given} with the moves its databases record followed (MovesFollowed); said when it changed. */
  static LedgerPlacement followed(LedgerPlacement given) throws Exception {
    Vertx vertx = Vertx.vertx();
    Map<String, Pool> pools = new HashMap<>();
    try {
      LedgerPlacement now = MovesFollowed.from(given, database -> pools.computeIfAbsent(database.toString(),
        key -> PgBuilder.pool().connectingTo(database.connectOptions()).using(vertx).build()))
        .await(1, TimeUnit.MINUTES);
      if (!now.spec().equals(given.spec())) {
        System.out.println("followed the moves the databases record: the shards are placed '" + now.spec()
          + "' (WALLET_LEDGER_PLACEMENT gave '" + given.spec() + "')");
      }
      return now;
    } finally {
      pools.values().forEach(Pool::close);
      vertx.close().await(1, TimeUnit.MINUTES);
    }
  }

  private static int rebuild(LedgerSettings settings) throws Exception {
    LedgerMigrations.migrate(settings.ownerPlacement(), settings.app().user());
    Vertx vertx = Vertx.vertx();
    // no sweeper: nothing may drive a movement while the hot tier is half restored
    BalanceCache cache = BalanceCache.create(vertx, settings.cacheOptions().withSweep(0, 0));
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
    } catch (HotTierRebuild.PartlyWritten partly) {
      System.err.println("REBUILD FAILED PART-WAY: " + partly.getMessage());
      return 3;
    } catch (TimeoutException | RuntimeException unfinished) {
      // not known to have written nothing: until 2026-12-07 a rebuild past its time limit exited 1,
      // which says nothing was written, with wallets written and idempotency records not yet
      System.err.println("REBUILD DID NOT FINISH (" + unfinished + "): Redis may hold part of the hot tier: empty it "
        + "(FLUSHALL on every master) before running the rebuild again, and start no edge before it has finished");
      return 3;
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }
}
