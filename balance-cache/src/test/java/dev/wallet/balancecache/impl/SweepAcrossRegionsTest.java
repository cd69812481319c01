package dev.wallet.balancecache.impl;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.RegionLink;
import dev.wallet.balancecache.RegionUnreachableException;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The sweeper's pass over movements pending towards another region that does not decide them. */
@ExtendWith(VertxExtension.class)
class SweepAcrossRegionsTest {

  private static final Regions.Region A = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
  private static final Regions.Region B = new Regions.Region("b", 1, URI.create("http://127.0.0.1:2"));
  private static final Regions.Region C = new Regions.Region("c", 2, URI.create("http://127.0.0.1:3"));

  private RedisBalanceCache cache;
  private MoneyCore core;
  /** The movements region c was asked to credit, in order. */
  private final List<String> asked = Collections.synchronizedList(new ArrayList<>());
  private volatile Mode regionC = Mode.SILENT;

  /** What region c does when asked to credit. */
  private enum Mode { SILENT, ANSWERS_UNDECIDED, REFUSES }

  @BeforeEach
  void start(Vertx vertx) {
    cache = new RedisBalanceCache(vertx, TestEnvironment.balanceCacheOptions().withSweep(0, 0)
      .withRegions(new Regions(List.of(A, B, C), Optional.of(A))));
    Await.result(cache.start());
    core = new MoneyCore(cache);
    cache.connectRegions(new RegionLink() {
      @Override
      public Future<OutcomeCode> credit(String region, Settlement settlement) {
        asked.add(settlement.movementId());
        return switch (regionC) {
          case SILENT -> Future.failedFuture(new RegionUnreachableException(region, new TimeoutException("no reply")));
          case ANSWERS_UNDECIDED -> Future.failedFuture("region c answered 503: one of its shards is down");
          case REFUSES -> Future.succeededFuture(OutcomeCode.WALLET_NOT_FOUND);
        };
      }

      @Override
      public Future<Void> finished(String region, Settlement settlement) {
        return Future.succeededFuture();
      }
    });
  }

  @AfterEach
  void stop() {
    Await.result(cache.close());
  }

  @Test
  @DisplayName("a region that gives no answer at all is asked about two of a shard's movements a pass (one slow shard "
    + "there must not hide the others), not one a shard of its; one that answers without deciding has only that "
    + "shard skipped")
  void aSilentRegionIsSkippedAfterTwoOfItsShards() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    List<String> pending = pendingToFourShardsOfC(from, alice);
    try {
      asked.clear();
      Await.result(cache.sweepPendingTransfers());
      assertThat(asked).filteredOn(pending::contains).as("region c gave no answer from two shards: then skipped")
        .hasSize(2);

      regionC = Mode.ANSWERS_UNDECIDED;
      asked.clear();
      Await.result(cache.sweepPendingTransfers());
      assertThat(asked).filteredOn(pending::contains).as("region c answered: each of its shards asked")
        .containsExactlyInAnyOrderElementsOf(pending);
    } finally {
      regionC = Mode.REFUSES;
      Await.result(cache.sweepPendingTransfers());
    }
    assertThat(Await.result(cache.pendingMovements(from.shard()))).as("refused there, reversed here")
      .doesNotContainAnyElementsOf(pending);
    assertThat(core.available(from)).isEqualTo(1_000);
  }

  /** Four transfers to wallets on four shards of region c, each left pending once its own delivery failed. */
  private List<String> pendingToFourShardsOfC(WalletId from, String owner) {
    List<String> pending = new ArrayList<>();
    for (int shard = 2_001; shard <= 2_004; shard++) {
      pending.add(Await.result(core.transfer(from, WalletId.random(new ShardId(shard)), 100, owner)).value().id()
        .value());
    }
    Eventually.await("each transfer's own delivery to be tried", Duration.ofSeconds(10),
      () -> asked.containsAll(pending));
    assertThat(Await.result(cache.pendingMovements(from.shard()))).containsAll(pending);
    return pending;
  }
}
