package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.lettuce.core.Consumer;
import io.lettuce.core.Range;
import io.lettuce.core.RedisURI;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two writers share a shard's consumer group: the trim one of them runs must never take an entry
 * the other has read and not yet committed, whatever the order in which Redis serves their commands.
 */
@ExtendWith(VertxExtension.class)
class OutboxTrimTest {

  /** More than two stream nodes of 100 entries: an approximate trim removes whole nodes only. */
  private static final int ENTRIES = 250;

  private RedisClusterClient lettuce;
  private StatefulRedisClusterConnection<String, String> connection;
  private ShardId shard;
  private String key;

  @BeforeEach
  void connect() {
    lettuce = RedisClusterClient.create(TestEnvironment.redisNodes().stream().map(RedisURI::create).toList());
    connection = lettuce.connect();
    // a shard number no money core of the tests uses, so no running writer reads this stream
    shard = new ShardId(ShardId.MAX_SHARDS - 1 - ThreadLocalRandom.current().nextInt(1_000));
    key = OutboxStreams.key(shard);
    redis().del(key);
  }

  @AfterEach
  void disconnect() {
    redis().del(key);
    connection.close();
    lettuce.shutdown();
  }

  @Test
  @DisplayName("a trim whose reads straddle another writer's read keeps every entry that writer holds unacknowledged; once acknowledged, they are trimmed")
  void trimKeepsWhatAnotherWriterHolds(Vertx vertx) {
    OutboxStream holder = new OutboxStream(connection, vertx.getOrCreateContext(), shard, "writer-a");
    OutboxStream trimmer = new OutboxStream(connection, vertx.getOrCreateContext(), shard, "writer-b");
    Await.result(trimmer.ensureGroup());
    List<StreamMessage<String, String>> written = append(ENTRIES);

    Future<Long> trim = trimmer.trimCommitted();
    // Sent at once on the node connection the trim's first read took: Redis serves this read after
    // that one and before the trim's next, as it would by chance for two writer processes.
    List<StreamMessage<String, String>> read = redis().xreadgroup(Consumer.from(OutboxStreams.LEDGER_GROUP,
      "writer-a"), XReadArgs.Builder.count(ENTRIES), XReadArgs.StreamOffset.lastConsumed(key));
    Await.result(trim);

    assertThat(read).as("what writer A read").hasSize(ENTRIES);
    assertThat(Await.result(holder.ownPending(ENTRIES))).as("writer A re-reads what it holds")
      .containsExactlyElementsOf(written);
    assertThat(Await.result(trimmer.claimAbandoned(0, ENTRIES))).as("what writer B takes over from writer A")
      .containsExactlyElementsOf(written);

    Await.result(trimmer.ack(written.stream().map(StreamMessage::getId).toList()));
    assertThat(Await.result(trimmer.trimCommitted())).as("entries trimmed once acknowledged").isPositive();
    assertThat(redis().xrange(key, Range.create(written.get(0).getId(), written.get(0).getId())))
      .as("the first entry, acknowledged").isEmpty();
  }

  private List<StreamMessage<String, String>> append(int count) {
    List<StreamMessage<String, String>> written = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Map<String, String> body = Map.of(OutboxRecord.FIELD, "{\"entry\":" + i + "}");
      written.add(new StreamMessage<>(key, redis().xadd(key, body), body));
    }
    return written;
  }

  private RedisAdvancedClusterCommands<String, String> redis() {
    return connection.sync();
  }
}
