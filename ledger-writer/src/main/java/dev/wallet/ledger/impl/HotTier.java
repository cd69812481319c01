package dev.wallet.ledger.impl;

import dev.wallet.balancecache.async.Sequential;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisAdvancedClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Redis Cluster as the reconciliation and the rebuild see it: whole-cluster key scans and
 * plain reads and writes through Lettuce, every answer delivered on the caller's Vert.x context.
 */
final class HotTier {

  private static final int SCAN_PAGE = 1_000;

  private final RedisClusterClient client;
  private final StatefulRedisClusterConnection<String, String> connection;
  private final Context context;

  private HotTier(RedisClusterClient client, StatefulRedisClusterConnection<String, String> connection,
                  Context context) {
    this.client = client;
    this.connection = connection;
    this.context = context;
  }

  static Future<HotTier> connect(Vertx vertx, List<String> endpoints) {
    Context context = vertx.getOrCreateContext();
    RedisClusterClient client = RedisClusterClient.create(endpoints.stream().map(RedisURI::create).toList());
    // the topology is followed (periodically and on redirects or failures): after a failover the
    // reconciliation must read the new masters, never a replica it still takes for one
    client.setOptions(ClusterClientOptions.builder().timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(5)))
      .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enablePeriodicRefresh(Duration.ofSeconds(5))
        .enableAllAdaptiveRefreshTriggers().build())
      .build());
    return Future.fromCompletionStage(client.refreshPartitionsAsync()
        .thenCompose(loaded -> client.connectAsync(StringCodec.UTF8)), context)
      .map(conn -> new HotTier(client, conn, context));
  }

  RedisAdvancedClusterAsyncCommands<String, String> commands() {
    return connection.async();
  }

  /**
   * Every key of one shard (all of them share the shard's hash slot), from the master that serves
   * that slot: CLUSTER GETKEYSINSLOT reads the slot's own index, where a SCAN would walk every key.
   */
  Future<List<String>> keysOfShard(String shard) {
    int slot = SlotHash.getSlot(HotTierKeys.tag(shard));
    RedisClusterNode master = connection.getPartitions().getMasterBySlot(slot);
    if (master == null) {
      return Future.failedFuture(new IllegalStateException("no master known for the slot of " + shard));
    }
    return on(connection.getConnectionAsync(master.getNodeId()))
      .compose(node -> on(node.async().clusterGetKeysInSlot(slot, Integer.MAX_VALUE)));
  }

  /** Every key of the cluster matching the pattern (a cluster-wide SCAN, master by master). */
  Future<List<String>> keys(String pattern) {
    List<String> found = new ArrayList<>();
    ScanArgs args = ScanArgs.Builder.matches(pattern).limit(SCAN_PAGE);
    AtomicReference<ScanCursor> cursor = new AtomicReference<>(ScanCursor.INITIAL);
    return Sequential.repeatWhile(() -> on(commands().scan(cursor.get(), args)).map(page -> {
      found.addAll(page.getKeys());
      cursor.set(page);
      return !page.isFinished();
    })).map(done -> found);
  }

  <T> Future<T> on(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, context);
  }

  Future<Void> close() {
    return on(connection.closeAsync()).compose(closed -> on(client.shutdownAsync()));
  }
}
