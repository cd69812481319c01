package dev.wallet.ledger.impl;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.ledger.LedgerWriterOptions;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The ledger writer: one {@link ShardConsumer} per shard, sharing one Lettuce cluster connection and one PG pool. */
public final class StreamLedgerWriter implements LedgerWriter {

  private final Vertx vertx;
  private final LedgerWriterOptions options;
  private final List<ShardConsumer> consumers = new ArrayList<>();
  private RedisClusterClient redis;
  private Pool pool;

  public StreamLedgerWriter(Vertx vertx, LedgerWriterOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  @Override
  public Future<Void> start() {
    Context context = vertx.getOrCreateContext();
    pool = pool(vertx, options.database());
    redis = RedisClusterClient.create(options.redisEndpoints().stream().map(RedisURI::create).toList());
    redis.setOptions(ClusterClientOptions.builder()
      .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
        .enablePeriodicRefresh(Duration.ofSeconds(5))
        .enableAllAdaptiveRefreshTriggers()
        .build())
      .timeoutOptions(TimeoutOptions.enabled(Duration.ofSeconds(5)))
      .build());
    return Future.fromCompletionStage(redis.refreshPartitionsAsync()
        .thenCompose(loaded -> redis.connectAsync(io.lettuce.core.codec.StringCodec.UTF8)), context)
      .onSuccess(conn -> {
        LedgerStore store = new LedgerStore(pool);
        for (int n = 0; n < options.shardCount(); n++) {
          OutboxStream stream = new OutboxStream(conn, context, new ShardId(n), options.consumerName());
          consumers.add(new ShardConsumer(vertx, stream, store, options));
        }
        consumers.forEach(ShardConsumer::start);
      })
      .mapEmpty();
  }

  @Override
  public Future<Void> stop() {
    return Future.all(consumers.stream().map(ShardConsumer::stop).toList())
      .transform(stopped -> closeQuietly());
  }

  private Future<Void> closeQuietly() {
    Future<Void> redisClosed = redis == null ? Future.succeededFuture()
      : Future.fromCompletionStage(redis.shutdownAsync());
    return redisClosed.transform(closed -> pool == null ? Future.succeededFuture() : pool.close());
  }

  @Override
  public long lag() {
    return consumers.stream().mapToLong(ShardConsumer::backlog).sum();
  }

  static Pool pool(Vertx vertx, LedgerDatabase db) {
    return PgBuilder.pool()
      .with(new PoolOptions().setMaxSize(8))
      .connectingTo(new PgConnectOptions().setHost(db.host()).setPort(db.port()).setDatabase(db.database())
        .setUser(db.user()).setPassword(db.password()))
      .using(vertx)
      .build();
  }
}
