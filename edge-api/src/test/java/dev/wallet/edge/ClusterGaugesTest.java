package dev.wallet.edge;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import dev.wallet.edge.EdgeFixture;
import dev.wallet.edge.admin.ClusterGauges;
import dev.wallet.edge.http.EdgeMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The cluster-wide gauges an operator alerts on, read from the real Redis Cluster by a cache without a sweeper. */
class ClusterGaugesTest extends MoneyCoreTest {

  private PrometheusMeterRegistry registry;
  private ClusterGauges gauges;

  @BeforeEach
  void startGauges(Vertx vertx) {
    registry = EdgeMetrics.newRegistry();
    gauges = new ClusterGauges(vertx, cache, Clock.systemUTC(), registry);
  }

  @Test
  @DisplayName("every master of the cluster shows its online replicas, and no shard is unwritable")
  void replicasPerMaster() {
    Await.result(gauges.refresh());

    var masters = registry.find("wallet_redis_master_online_replicas").gauges();
    assertThat(masters).hasSizeGreaterThanOrEqualTo(3);
    assertThat(masters).allSatisfy(master -> assertThat(master.value()).as(master.getId().getTag("master"))
      .isGreaterThanOrEqualTo(1));
    assertThat(registry.get("wallet_redis_unwritable_shards").gauge().value()).isZero();
    assertThat(registry.get("wallet_saga_backlog_unread_shards").gauge().value()).isZero();
  }

  @Test
  @DisplayName("a movement left pending after its debit shows in its shard's backlog with its age, and leaves it once "
    + "swept; the shard's meter stays the same one")
  void pendingBacklogPerShard() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = core.openElsewhere(owner(), from);
    Await.result(gauges.refresh());
    double before = pending(from);
    Gauge meter = shardGauge("wallet_saga_pending", from);
    MoneyCore.pendingAfterDebit(cache, from, to, 40, alice);

    Eventually.await("the pending movement to age", Duration.ofSeconds(5), () -> {
      Await.result(gauges.refresh());
      return oldestAge(from) >= 0.2;
    });
    double during = pending(from);
    Await.result(cache.sweepPendingTransfers());
    Await.result(gauges.refresh());

    assertThat(during).isEqualTo(before + 1);
    // the reads set the values of the meters registered by the first; they do not register them again
    assertThat(shardGauge("wallet_saga_pending", from)).isSameAs(meter);
    assertThat(registry.find("wallet_saga_pending").gauges()).hasSize(cache.shardCount());
    assertThat(pending(from)).isLessThanOrEqualTo(during - 1);
  }

  @Test
  @DisplayName("a running edge exports the cluster gauges on /metrics")
  void theEdgeExportsThem(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.start(vertx);
    try {
      Eventually.await("the cluster gauges on /metrics", Duration.ofSeconds(15), () -> {
        String text = Await.result(edge.http.get("/metrics").send()).bodyAsString();
        return text.matches("(?s).*wallet_redis_master_online_replicas\\{master=\"[^\"]+\"} [1-9].*")
          && text.matches("(?s).*wallet_saga_pending\\{shard=\"s0000\"} [0-9].*")
          && text.matches("(?s).*wallet_saga_oldest_pending_seconds\\{shard=\"s0000\"} [0-9].*")
          && text.contains("wallet_redis_unwritable_shards 0.0");
      });
    } finally {
      edge.close();
    }
  }

  private double pending(WalletId wallet) {
    return shardGauge("wallet_saga_pending", wallet).value();
  }

  private double oldestAge(WalletId wallet) {
    return shardGauge("wallet_saga_oldest_pending_seconds", wallet).value();
  }

  private Gauge shardGauge(String name, WalletId wallet) {
    return registry.get(name).tag("shard", wallet.shard().name()).gauge();
  }
}
