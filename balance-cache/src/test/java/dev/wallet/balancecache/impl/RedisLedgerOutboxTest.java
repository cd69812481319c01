package dev.wallet.balancecache.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The ledger's view of a shard's outbox, on a stream of a shard number no money core of the tests
 * uses (so no running writer reads it): two writers share the consumer group.
 */
@ExtendWith(VertxExtension.class)
class RedisLedgerOutboxTest {

  /** More than two stream nodes of 100 entries: an approximate trim removes whole nodes only. */
  private static final int ENTRIES = 250;

  private ClusterRouter router;
  private ScriptRunner runner;
  private ShardId shard;
  private String key;

  @BeforeEach
  void connect(Vertx vertx) {
    router = new ClusterRouter(vertx, TestEnvironment.redisNodes(), 4);
    Await.result(router.start(5_000));
    // shards far above any deployment's, so the outbox read here is no writer's: a runner that may reach all of them
    runner = new ScriptRunner(vertx, router, new ShardRange(0, ShardId.MAX_SHARDS), 1, 500, 2_000);
    shard = new ShardId(ShardId.MAX_SHARDS - 1 - ThreadLocalRandom.current().nextInt(1_000));
    key = OutboxStreams.key(shard);
    redis(Request.cmd(Command.DEL).arg(key));
  }

  @AfterEach
  void disconnect() {
    redis(Request.cmd(Command.DEL).arg(key));
    Await.result(runner.close());
    router.close();
  }

  @Test
  @DisplayName("a trim whose reads straddle another writer's read keeps every entry that writer holds unacknowledged; once acknowledged, they are trimmed")
  void trimKeepsWhatAnotherWriterHolds() {
    RedisLedgerOutbox holder = outbox("writer-a");
    RedisLedgerOutbox trimmer = outbox("writer-b");
    Await.result(trimmer.ensureGroup());
    List<String> written = append(ENTRIES);
    AtomicReference<List<LedgerOutbox.Entry>> read = new AtomicReference<>();

    Await.result(trimmer.trimCommitted(() -> holder.next(ENTRIES, 0, 0).onSuccess(read::set)));

    assertThat(read.get()).as("what writer A read between the trim's two reads").hasSize(ENTRIES);
    assertThat(ids(Await.result(holder.ownPending(ENTRIES)))).as("writer A re-reads what it holds")
      .containsExactlyElementsOf(written);
    assertThat(ids(Await.result(trimmer.claimAbandoned(0, ENTRIES)))).as("what writer B takes over from writer A")
      .containsExactlyElementsOf(written);

    Await.result(trimmer.acknowledge(written, List.of(), 0));
    assertThat(Await.result(trimmer.trimCommitted())).as("entries trimmed once acknowledged").isPositive();
    assertThat(redis(Request.cmd(Command.XRANGE).arg(key).arg(written.get(0)).arg(written.get(0))).size())
      .as("the first entry, acknowledged").isZero();
  }

  @Test
  @DisplayName("entries are read once in the group, with their records; the backlog counts undelivered and unacknowledged ones; a second group creation changes nothing")
  void readAcknowledgeAndCount() {
    RedisLedgerOutbox writer = outbox("writer-a");
    Await.result(writer.ensureGroup());
    Await.result(writer.ensureGroup());
    List<String> written = append(5);

    assertThat(Await.result(writer.backlog())).isEqualTo(5);
    List<LedgerOutbox.Entry> first = Await.result(writer.next(3, 1, 1_000));
    List<LedgerOutbox.Entry> rest = Await.result(writer.next(10, 1, 1_000));
    assertThat(ids(first)).containsExactlyElementsOf(written.subList(0, 3));
    assertThat(ids(rest)).containsExactlyElementsOf(written.subList(3, 5));
    assertThat(first.get(0).record().id()).isEqualTo("entry-0");
    assertThat(Await.result(writer.next(10, 1, 1_000))).as("nothing new").isEmpty();
    assertThat(Await.result(writer.backlog())).as("read, not acknowledged").isEqualTo(5);

    Await.result(writer.acknowledge(written.subList(0, 3), List.of(), 0));

    assertThat(Await.result(writer.backlog())).isEqualTo(2);
    assertThat(ids(Await.result(writer.ownPending(10)))).containsExactlyElementsOf(written.subList(3, 5));
  }

  @Test
  @DisplayName("new entries are answered once enough replicas hold them; when they cannot be, the read fails and they stay this consumer's")
  void newEntriesWaitForTheirReplicas() {
    RedisLedgerOutbox writer = outbox("writer-a");
    Await.result(writer.ensureGroup());
    List<String> written = append(2);

    assertThatThrownBy(() -> Await.result(writer.next(10, 5, 200)))
      .hasStackTraceContaining("of 5 required replicas");
    assertThat(ids(Await.result(writer.ownPending(10)))).containsExactlyElementsOf(written);

    List<String> later = append(1);
    assertThat(ids(Await.result(writer.next(10, 1, 1_000)))).containsExactlyElementsOf(later);
  }

  @Test
  @DisplayName("the replication check answers true once a replica holds what was read; an acknowledgement gives retired keys, of this shard and of another, their lifetime")
  void replicatedAndRetired() {
    RedisLedgerOutbox writer = outbox("writer-a");
    Await.result(writer.ensureGroup());
    append(1);
    List<String> read = ids(Await.result(writer.next(10, 1, 1_000)));
    int suffix = ThreadLocalRandom.current().nextInt(1_000_000);
    List<String> retired = List.of(shard.tag() + ":retired-" + suffix,
      new ShardId((shard.number() + 1) % ShardId.MAX_SHARDS).tag() + ":retired-" + suffix);
    retired.forEach(k -> Await.result(runner.send(k, Request.cmd(Command.SET).arg(k).arg("x"))));

    assertThat(Await.result(writer.replicated(1, 1_000))).isTrue();
    Await.result(writer.acknowledge(read, retired, 60_000));

    List<Long> lifetimes = retired.stream()
      .map(k -> Await.result(runner.send(k, Request.cmd(Command.PTTL).arg(k))).toLong()).toList();
    retired.forEach(k -> Await.result(runner.send(k, Request.cmd(Command.DEL).arg(k))));
    assertThat(lifetimes).allMatch(ttl -> ttl > 0 && ttl <= 60_000);
    assertThat(Await.result(writer.backlog())).isZero();
  }

  @Test
  @DisplayName("the outbox is committed through an entry only once every entry up to it is acknowledged: not while "
    + "one is undelivered or delivered and pending, nor before the group exists")
  void committedThroughAnEntry() {
    RedisLedgerOutbox writer = outbox("writer-a");
    List<String> first = append(3);
    String middle = first.get(1);

    boolean beforeTheGroup = Await.result(writer.committedThrough(middle));
    Await.result(writer.ensureGroup());
    boolean undelivered = Await.result(writer.committedThrough(middle));
    List<String> read = ids(Await.result(writer.next(2, 1, 1_000)));
    boolean pending = Await.result(writer.committedThrough(middle));
    Await.result(writer.acknowledge(read.subList(0, 1), List.of(), 60_000));
    boolean halfAcknowledged = Await.result(writer.committedThrough(middle));
    Await.result(writer.acknowledge(read.subList(1, 2), List.of(), 60_000));
    boolean acknowledged = Await.result(writer.committedThrough(middle));
    boolean beyond = Await.result(writer.committedThrough(first.get(2)));

    assertThat(read).containsExactlyElementsOf(first.subList(0, 2));
    assertThat(List.of(beforeTheGroup, undelivered, pending, halfAcknowledged)).containsOnly(false);
    assertThat(acknowledged).isTrue();
    assertThat(beyond).as("the third entry is not delivered yet").isFalse();
    assertThat(Await.result(writer.committedThrough("0-0"))).as("an empty outbox's 'last entry'").isTrue();
  }

  private RedisLedgerOutbox outbox(String consumer) {
    return new RedisLedgerOutbox(runner, shard, consumer);
  }

  /** Outbox entries as a script writes them: the record as JSON under its field. */
  private List<String> append(int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonObject record = new JsonObject().put("v", 1).put("id", "entry-" + i).put("type", PostingType.TRANSFER.wire())
        .put("shard", shard.name()).put("ts", System.currentTimeMillis());
      ids.add(redis(Request.cmd(Command.XADD).arg(key).arg("*").arg(OutboxRecord.FIELD).arg(record.encode())).toString());
    }
    return ids;
  }

  private static List<String> ids(List<LedgerOutbox.Entry> entries) {
    return entries.stream().map(LedgerOutbox.Entry::id).toList();
  }

  private Response redis(Request request) {
    return Await.result(runner.send(key, request));
  }
}
