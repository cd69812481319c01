package dev.wallet.ledger.impl;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxStreams;
import io.lettuce.core.Consumer;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAutoClaimArgs;
import io.lettuce.core.XGroupCreateArgs;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * One shard's outbox stream, read through Lettuce in the ledger's consumer group. Reads and the
 * replication check go to the slot's master over one node connection, so a WAIT there covers
 * everything the read returned: the writer never commits an outbox entry that a failover could
 * still take back from Redis.
 */
final class OutboxStream {

  private static final int BACKLOG_SCAN = 10_000;

  private final StatefulRedisClusterConnection<String, String> connection;
  private final Context context;
  private final ShardId shard;
  private final String key;
  private final String markKey;
  private final Consumer<String> consumer;

  OutboxStream(StatefulRedisClusterConnection<String, String> connection, Context context, ShardId shard,
               String consumerName) {
    this.connection = connection;
    this.context = context;
    this.shard = shard;
    this.key = OutboxStreams.key(shard);
    this.markKey = shard.tag() + ":ledger-mark";
    this.consumer = Consumer.from(OutboxStreams.LEDGER_GROUP, consumerName);
  }

  ShardId shard() {
    return shard;
  }

  /** Creates the consumer group (and the stream) unless it exists. */
  Future<Void> ensureGroup() {
    return vertx(connection.async().xgroupCreate(XReadArgs.StreamOffset.from(key, "0"), OutboxStreams.LEDGER_GROUP,
        XGroupCreateArgs.Builder.mkstream()))
      .<Void>mapEmpty()
      .recover(failure -> failure.getMessage() != null && failure.getMessage().contains("BUSYGROUP")
        ? Future.succeededFuture() : Future.failedFuture(failure));
  }

  /** Entries delivered to this consumer earlier and never acknowledged (a crash mid-batch). */
  Future<List<StreamMessage<String, String>>> ownPending(int count) {
    return master().compose(node -> vertx(node.xreadgroup(consumer, XReadArgs.Builder.count(count),
      XReadArgs.StreamOffset.from(key, "0"))));
  }

  /** Entries not yet delivered to any consumer of the group. */
  Future<List<StreamMessage<String, String>>> next(int count) {
    return master().compose(node -> vertx(node.xreadgroup(consumer, XReadArgs.Builder.count(count),
      XReadArgs.StreamOffset.lastConsumed(key))));
  }

  /** Entries another consumer has held for longer than {@code idleMs}: that consumer is presumed dead. */
  Future<List<StreamMessage<String, String>>> claimAbandoned(long idleMs, int count) {
    return master().compose(node -> vertx(node.xautoclaim(key,
        XAutoClaimArgs.Builder.xautoclaim(consumer, idleMs, "0-0").count(count))))
      .map(claimed -> claimed.getMessages());
  }

  /**
   * True once {@code replicas} replicas hold everything read so far: a write to this shard on the
   * same node connection, then WAIT for it, which orders after every entry that was read.
   */
  Future<Boolean> replicated(int replicas, long timeoutMs) {
    if (replicas == 0) {
      return Future.succeededFuture(true);
    }
    return master().compose(node -> vertx(node.set(markKey, Long.toString(System.currentTimeMillis())))
      .compose(ok -> vertx(node.waitForReplication(replicas, timeoutMs)))
      .map(acks -> acks >= replicas));
  }

  Future<Long> ack(List<String> ids) {
    return vertx(connection.async().xack(key, OutboxStreams.LEDGER_GROUP, ids.toArray(String[]::new)));
  }

  /** Gives a retired key (a final idempotency record, a decided transfer marker) its lifetime. */
  Future<Boolean> retire(String retiredKey, long lifetimeMs) {
    return vertx(connection.async().pexpire(retiredKey, lifetimeMs));
  }

  /**
   * Removes entries below the oldest one the group has not acknowledged and below the last one
   * delivered. Never by length: an entry leaves the stream only once the ledger has committed it.
   * The last delivered id is read first and the pending entries second: an entry below that id
   * was delivered before the first read, so the second sees it unless it is acknowledged. In the
   * other order, a batch another writer reads between the two reads is in neither.
   */
  Future<Long> trimCommitted() {
    return lastDelivered().compose(delivered -> delivered == null ? Future.succeededFuture(0L)
      : oldestPending().map(pending -> pending == null ? delivered : lowerOf(delivered, pending))
        .compose(this::trimBelow));
  }

  private Future<String> oldestPending() {
    return vertx(connection.async().xpending(key, OutboxStreams.LEDGER_GROUP))
      .map(pending -> pending.getCount() > 0 ? pending.getMessageIds().getLower().getValue() : null);
  }

  private Future<Long> trimBelow(String minId) {
    return minId.equals("0-0") ? Future.succeededFuture(0L)
      : vertx(connection.async().xtrim(key, XTrimArgs.Builder.minId(minId).approximateTrimming()));
  }

  private static String lowerOf(String a, String b) {
    return ShardConsumer.compareStreamIds(a, b) <= 0 ? a : b;
  }

  /**
   * Entries waiting in this stream for the ledger: delivered and unacknowledged, plus those after
   * the group's last delivered id (counted up to {@code BACKLOG_SCAN}; XINFO's lag is only an
   * estimate, which a failover can leave wrong).
   */
  Future<Long> backlog() {
    return vertx(connection.async().xinfoGroups(key)).compose(groups -> {
      for (Object group : groups) {
        List<?> fields = (List<?>) group;
        if (OutboxStreams.LEDGER_GROUP.equals(field(fields, "name"))) {
          long pending = ((Number) field(fields, "pending")).longValue();
          Range<String> after = Range.create("(" + field(fields, "last-delivered-id"), "+");
          return vertx(connection.async().xrange(key, after, Limit.from(BACKLOG_SCAN)))
            .map(undelivered -> pending + undelivered.size());
        }
      }
      return Future.succeededFuture(0L);
    });
  }

  static OutboxRecord parse(StreamMessage<String, String> message) {
    return OutboxRecord.parse(message.getBody().get(OutboxRecord.FIELD));
  }

  private Future<String> lastDelivered() {
    return vertx(connection.async().xinfoGroups(key)).map(groups -> {
      for (Object group : groups) {
        List<?> fields = (List<?>) group;
        if (OutboxStreams.LEDGER_GROUP.equals(field(fields, "name"))) {
          return (String) field(fields, "last-delivered-id");
        }
      }
      return null;
    });
  }

  private static Object field(List<?> fields, String name) {
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      if (name.equals(fields.get(i))) {
        return fields.get(i + 1);
      }
    }
    return null;
  }

  private Future<RedisAsyncCommands<String, String>> master() {
    RedisClusterNode node = connection.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
    if (node == null) {
      return Future.failedFuture(new IllegalStateException("no master known for " + key));
    }
    return vertx(connection.getConnectionAsync(node.getNodeId())).map(c -> c.async());
  }

  private <T> Future<T> vertx(CompletionStage<T> stage) {
    return Future.fromCompletionStage(stage, context);
  }


}
