package dev.wallet.limits.impl;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NearCacheConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.ReplicatedMapConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.merge.DiscardMergePolicy;
import dev.wallet.limits.HazelcastOptions;
import io.vertx.sqlclient.Pool;

/**
 * The embedded Hazelcast member of an edge process: TCP-IP join on the configured interface and
 * member list (multicast and auto-detection off), the rules in a replicated map (a full copy on
 * every member, read locally on every check), KYC profiles in a partitioned map written through to
 * PostgreSQL, so a profile survives a restart of every member.
 */
public final class LimitsHazelcast {

  public static final String RULES_MAP = "limits.rules";
  public static final String PROFILES_MAP = "limits.kyc-profiles";
  /** Profiles kept in memory per member; the rest are loaded from PostgreSQL when asked for. */
  static final int PROFILES_PER_MEMBER = 1_000_000;
  static final long DATABASE_TIMEOUT_MS = 5_000;
  /**
   * How long a joining member tries a listed member before it looks further (Hazelcast's default is
   * 5 s). The members are one region's processes, on one network: two starting together formed their
   * cluster in 7.7 s with the default and in 5.0 s with 2 s (docs/benchmarks.md).
   */
  static final int JOIN_CONNECTION_TIMEOUT_SECONDS = 2;

  private LimitsHazelcast() {
  }

  /** Starts a member and joins the cluster. Blocking: call it before deploying, or in executeBlocking. */
  public static HazelcastInstance newMember(HazelcastOptions options, Pool appPool) {
    return Hazelcast.newHazelcastInstance(config(options, appPool));
  }

  public static Config config(HazelcastOptions options, Pool appPool) {
    Config config = new Config().setClusterName(options.clusterName())
      .setInstanceName(options.clusterName() + "-" + options.host() + "-" + System.nanoTime());
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.socket.bind.any", "false");
    // the edge shuts its member down itself, after its servers have drained: Hazelcast's own hook
    // terminated it at the same SIGTERM, and every request still draining was refused 503 (no limits)
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    // a changed KYC profile is dropped from every member's near cache at once, not in 10 s batches
    config.setProperty("hazelcast.map.invalidation.batch.enabled", "false");
    // Hazelcast's own metrics (collected every 5 s) and health monitor have no reader here: the
    // wallet's figures are its Micrometer metrics. Off, they stop waking an idle member.
    config.getMetricsConfig().setEnabled(false);
    config.setProperty("hazelcast.health.monitoring.level", "OFF");
    network(config.getNetworkConfig(), options);
    config.addReplicatedMapConfig(new ReplicatedMapConfig(RULES_MAP).setInMemoryFormat(InMemoryFormat.OBJECT)
      .setAsyncFillup(false));
    config.addMapConfig(profiles(appPool));
    return config;
  }

  private static void network(NetworkConfig network, HazelcastOptions options) {
    network.setPort(options.port()).setPortCount(options.portCount()).setPortAutoIncrement(true);
    network.getInterfaces().setEnabled(true).addInterface(options.host());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(options.members())
      .setConnectionTimeoutSeconds(JOIN_CONNECTION_TIMEOUT_SECONDS);
  }

  private static MapConfig profiles(Pool appPool) {
    MapStoreConfig writeThrough = new MapStoreConfig().setEnabled(true)
      .setImplementation(new KycMapStore(appPool, DATABASE_TIMEOUT_MS))
      .setWriteDelaySeconds(0)
      .setInitialLoadMode(MapStoreConfig.InitialLoadMode.LAZY);
    return new MapConfig(PROFILES_MAP).setBackupCount(1).setMapStoreConfig(writeThrough)
      .setMergePolicyConfig(keepNoMergingCopy())
      .setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
        .setMaxSizePolicy(MaxSizePolicy.PER_NODE).setSize(PROFILES_PER_MEMBER))
      .setNearCacheConfig(nearCache());
  }

  /**
   * PostgreSQL, which both sides of a split brain write through to, holds every profile's last
   * change; nothing held in memory needs merging when the split heals. So no copy of the side that
   * merges is kept, none is written, and the copies of the side it joined are forgotten once merged
   * (HazelcastLimits). Hazelcast's default (put if absent) also tried to write through the markers of
   * owners without a profile that every member keeps, which KycMapStore refuses: each merge's tasks
   * failed with errors.
   */
  private static MergePolicyConfig keepNoMergingCopy() {
    return new MergePolicyConfig().setPolicy(DiscardMergePolicy.class.getName());
  }

  /**
   * Every check reads one or two profiles; without a near cache each read is an operation on the
   * owning member's partition thread (over the network for half of them with two members), which
   * measured at 2.5 ms a check under load. With it, a profile read twice is read locally; a change
   * (an entry processor on the owner) invalidates every member's copy as it happens.
   */
  private static NearCacheConfig nearCache() {
    return new NearCacheConfig(PROFILES_MAP).setInMemoryFormat(InMemoryFormat.OBJECT).setInvalidateOnChange(true)
      .setCacheLocalEntries(true).setEvictionConfig(new EvictionConfig().setEvictionPolicy(EvictionPolicy.LRU)
        .setMaxSizePolicy(MaxSizePolicy.ENTRY_COUNT).setSize(PROFILES_PER_MEMBER));
  }
}
