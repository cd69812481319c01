package dev.wallet.balancecache.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The ledger's view of a shard's outbox, on a stream of a shard number no money core of the tests
 * uses (so no running writer reads it).
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
    redis(Request.cmd(Command.DEL).arg(key).arg(Keys.ledgerPosition(shard)));
  }

  @AfterEach
  void disconnect() {
    redis(Request.cmd(Command.DEL).arg(key).arg(Keys.ledgerPosition(shard)));
    Await.result(runner.close());
    router.close();
  }

  @Test
  @DisplayName("entries are read after a position, with their records; the backlog counts what follows a position; "
    + "a publication moves the position a writer starts from")
  void readAfterAPosition() {
    RedisLedgerOutbox writer = outbox();
    List<String> written = append(5);

    assertThat(Await.result(writer.published())).as("nothing published yet").isEqualTo(LedgerOutbox.START);
    assertThat(Await.result(writer.backlog(LedgerOutbox.START))).isEqualTo(5);
    LedgerOutbox.Read first = Await.result(writer.after(LedgerOutbox.START, 3));
    LedgerOutbox.Read rest = Await.result(writer.after(written.get(2), 10));
    assertThat(ids(first.entries())).containsExactlyElementsOf(written.subList(0, 3));
    assertThat(ids(rest.entries())).containsExactlyElementsOf(written.subList(3, 5));
    assertThat(first.entries().get(0).record().id()).isEqualTo("entry-0");
    assertThat(first.published()).as("no position published yet").isFalse();
    assertThat(Await.result(writer.after(written.get(4), 10)).entries()).as("nothing new").isEmpty();

    Await.result(writer.committed(written.get(2), List.of(), 0, false));

    assertThat(Await.result(writer.published())).isEqualTo(written.get(2));
    assertThat(Await.result(writer.after(written.get(2), 10)).published()).isTrue();
    assertThat(Await.result(writer.backlog(written.get(2)))).isEqualTo(2);
    assertThat(Await.result(writer.backlog(written.get(4)))).isZero();
  }

  @Test
  @DisplayName("a backlog of ten thousand entries or more is the stream's length, counted without reading them; with "
    + "nothing after the position it is none, however long the stream")
  void aLongBacklogIsNotRead() {
    RedisLedgerOutbox writer = outbox();
    List<String> written = appendAtOnce(10_005);

    long sentBefore = bytesSent();
    long backlog = Await.result(writer.backlog(LedgerOutbox.START));
    long sent = bytesSent() - sentBefore;

    assertThat(backlog).isEqualTo(10_005);
    assertThat(sent).as("bytes the stream's master sent its clients to count it").isLessThan(20_000);
    assertThat(Await.result(writer.backlog(written.get(10_004)))).as("all committed, none trimmed yet").isZero();
  }

  @Test
  @DisplayName("what a read saw is vouched for once enough replicas of the same history acknowledge it, never by "
    + "more replicas than the master has")
  void readsAreVouchedForByTheirReplicas() {
    RedisLedgerOutbox writer = outbox();
    append(2);
    LedgerOutbox.Read read = Await.result(writer.after(LedgerOutbox.START, 10));

    assertThat(read.replication().master()).isTrue();
    assertThat(Await.result(writer.replicate(read.replication(), 5, 200))).as("five replicas, asked").isFalse();
    assertThat(Await.result(writer.replicate(read.replication(), 1, 1_000))).as("one replica, asked").isTrue();
    assertThat(read.replication().heldBy(Await.result(writer.after(LedgerOutbox.START, 10)).replication(), 1))
      .as("one replica, read again after").isTrue();
  }

  @Test
  @DisplayName("a publication gives retired keys, of this shard and of another, their lifetime, and its trim "
    + "removes entries below the position only")
  void publicationRetiresAndTrims() {
    RedisLedgerOutbox writer = outbox();
    List<String> written = append(ENTRIES);
    int suffix = ThreadLocalRandom.current().nextInt(1_000_000);
    List<String> retired = List.of(shard.tag() + ":retired-" + suffix,
      new ShardId((shard.number() + 1) % ShardId.MAX_SHARDS).tag() + ":retired-" + suffix);
    retired.forEach(k -> Await.result(runner.send(k, Request.cmd(Command.SET).arg(k).arg("x"))));
    String position = written.get(ENTRIES - 20);

    Await.result(writer.committed(position, retired, 60_000, true));

    List<Long> lifetimes = retired.stream()
      .map(k -> Await.result(runner.send(k, Request.cmd(Command.PTTL).arg(k))).toLong()).toList();
    retired.forEach(k -> Await.result(runner.send(k, Request.cmd(Command.DEL).arg(k))));
    assertThat(lifetimes).allMatch(ttl -> ttl > 0 && ttl <= 60_000);
    assertThat(redis(Request.cmd(Command.XRANGE).arg(key).arg(written.get(0)).arg(written.get(0))).size())
      .as("the first entry, committed").isZero();
    assertThat(Await.result(writer.backlog(LedgerOutbox.START))).as("what is left").isLessThan(ENTRIES)
      .isGreaterThanOrEqualTo(20);
    assertThat(ids(Await.result(writer.after(position, ENTRIES)).entries()))
      .as("every entry after the position").containsExactlyElementsOf(written.subList(ENTRIES - 19, ENTRIES));
  }

  @Test
  @DisplayName("the outbox is committed through an entry once the published position has reached it; a lost "
    + "position is seen by the next read")
  void committedThroughAnEntry() {
    RedisLedgerOutbox writer = outbox();
    List<String> first = append(3);
    String middle = first.get(1);

    boolean beforeAnyPublication = Await.result(writer.committedThrough(middle));
    Await.result(writer.committed(first.get(0), List.of(), 0, false));
    boolean before = Await.result(writer.committedThrough(middle));
    Await.result(writer.committed(middle, List.of(), 0, false));
    boolean through = Await.result(writer.committedThrough(middle));
    boolean beyond = Await.result(writer.committedThrough(first.get(2)));
    redis(Request.cmd(Command.DEL).arg(Keys.ledgerPosition(shard)));

    assertThat(List.of(beforeAnyPublication, before, beyond)).containsOnly(false);
    assertThat(through).isTrue();
    assertThat(Await.result(writer.committedThrough(LedgerOutbox.START))).as("an empty outbox's 'last entry'").isTrue();
    assertThat(Await.result(writer.after(middle, 10)).published()).as("the position, lost").isFalse();
  }

  /**
   * A round the writer gave up on, or a second writer behind the first, publishes after a later round;
   * until 2026-12-07 its SET took the position back.
   */
  @Test
  @DisplayName("a publication behind the published position leaves it where it is, and a master that lost its "
    + "scripts is given the publication's with the call")
  void aPublicationNeverMovesThePositionBack() {
    RedisLedgerOutbox writer = outbox();
    List<String> written = append(ENTRIES);
    Await.result(writer.committed(written.get(200), List.of(), 0, true));
    long length = Await.result(runner.send(key, Request.cmd(Command.XLEN).arg(key))).toLong();

    Await.result(writer.committed(written.get(10), List.of(), 0, true));
    assertThat(Await.result(writer.published())).as("after a publication behind it").isEqualTo(written.get(200));
    assertThat(Await.result(runner.send(key, Request.cmd(Command.XLEN).arg(key))).toLong()).as("the stream's length")
      .isEqualTo(length);

    Await.result(router.batchOn(router.knownEndpoint(key), List.of(Request.cmd(Command.SCRIPT).arg("FLUSH"))));
    Await.result(writer.committed(written.get(ENTRIES - 1), List.of(), 0, false));
    assertThat(Await.result(writer.published())).as("published by a master without the script")
      .isEqualTo(written.get(ENTRIES - 1));
  }

  @Test
  @DisplayName("the rounds of several shards of one master in one event-loop turn reach it as one pipeline with one "
    + "INFO and one WAIT, and each shard gets its own entries, position and replication")
  void roundsOfOneTurnShareAPipeline(Vertx vertx) {
    List<RedisLedgerOutbox> outboxes = shardsOnTheMasterOf(shard, 8).stream()
      .map(other -> new RedisLedgerOutbox(runner, other)).toList();
    List<String> firsts = new ArrayList<>();
    outboxes.forEach(o -> firsts.add(appendTo(o.shard(), 3).get(0)));
    String master = router.knownEndpoint(key);
    try {
      long infosBefore = calls(master, "info");
      List<LedgerOutbox.Read> reads = Await.result(inOneTurn(vertx, outboxes, o -> o.after(LedgerOutbox.START, 10)));
      long infos = calls(master, "info") - infosBefore - 1;  // less the first count's own INFO
      long waitsBefore = calls(master, "wait");
      Await.result(inOneTurn(vertx, outboxes,
        o -> o.committed(firsts.get(outboxes.indexOf(o)), List.of(), 0, false)));
      long waits = calls(master, "wait") - waitsBefore;
      List<Boolean> vouched = Await.result(inOneTurn(vertx, outboxes,
        o -> o.replicate(reads.get(outboxes.indexOf(o)).replication(), 1, 1_000)));

      assertThat(infos).as("INFO calls for %d shards' reads", outboxes.size()).isLessThanOrEqualTo(2);
      assertThat(waits).as("WAIT calls for %d shards' publications", outboxes.size()).isBetween(1L, 2L);
      for (int i = 0; i < outboxes.size(); i++) {
        RedisLedgerOutbox o = outboxes.get(i);
        assertThat(reads.get(i).entries()).hasSize(3)
          .allMatch(entry -> entry.record().shard().equals(o.shard().name()));
        assertThat(reads.get(i).published()).isFalse();
        assertThat(reads.get(i).replication().master()).isTrue();
        assertThat(Await.result(o.published())).as("position of %s", o.shard()).isEqualTo(firsts.get(i));
      }
      assertThat(vouched).containsOnly(true);
    } finally {
      outboxes.forEach(o -> redis(Request.cmd(Command.DEL).arg(OutboxStreams.key(o.shard()))
        .arg(Keys.ledgerPosition(o.shard()))));
    }
  }

  /** {@code count} shards above any deployment's whose slots {@code shard}'s master serves, {@code shard} first. */
  private List<ShardId> shardsOnTheMasterOf(ShardId shard, int count) {
    String master = router.knownEndpoint(shard.tag());
    List<ShardId> found = new ArrayList<>(List.of(shard));
    for (int n = ShardId.MAX_SHARDS - 1_001; found.size() < count; n--) {
      if (master.equals(router.knownEndpoint(new ShardId(n).tag()))) {
        found.add(new ShardId(n));
      }
    }
    return found;
  }

  /** Calls {@code call} on every outbox in one turn of one event loop, as the ledger writer's gathered rounds do. */
  private static <T> Future<List<T>> inOneTurn(Vertx vertx, List<RedisLedgerOutbox> outboxes,
                                               Function<RedisLedgerOutbox, Future<T>> call) {
    Promise<List<T>> all = Promise.promise();
    vertx.getOrCreateContext().runOnContext(turn -> {
      List<Future<T>> each = outboxes.stream().map(call).toList();
      Future.all(each).map(done -> each.stream().map(Future::result).toList()).onComplete(all);
    });
    return all.future();
  }

  /** How often {@code master} has run {@code command} ({@code INFO commandstats}, itself an INFO). */
  private long calls(String master, String command) {
    String stats = Await.result(router.batchOn(master, List.of(Request.cmd(Command.INFO).arg("commandstats"))))
      .get(0).toString();
    String prefix = "cmdstat_" + command + ":calls=";
    return stats.lines().filter(line -> line.startsWith(prefix)).findFirst()
      .map(line -> Long.parseLong(line.substring(prefix.length(), line.indexOf(','))))
      .orElse(0L);
  }

  private RedisLedgerOutbox outbox() {
    return new RedisLedgerOutbox(runner, shard);
  }

  /** Outbox entries as a script writes them: the record as JSON under its field. */
  private List<String> append(int count) {
    return appendTo(shard, count);
  }

  private List<String> appendTo(ShardId to, int count) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonObject record = new JsonObject().put("v", 1).put("id", "entry-" + i).put("type", PostingType.TRANSFER.wire())
        .put("shard", to.name()).put("ts", System.currentTimeMillis());
      ids.add(Await.result(runner.send(OutboxStreams.key(to), Request.cmd(Command.XADD).arg(OutboxStreams.key(to))
        .arg("*").arg(OutboxRecord.FIELD).arg(record.encode()))).toString());
    }
    return ids;
  }

  /** As {@link #append}, a few hundred at a time. */
  private List<String> appendAtOnce(int count) {
    List<String> ids = new ArrayList<>();
    for (int from = 0; from < count; from += 500) {
      List<Future<Response>> sent = new ArrayList<>();
      for (int i = from; i < Math.min(count, from + 500); i++) {
        JsonObject record = new JsonObject().put("v", 1).put("id", "entry-" + i)
          .put("type", PostingType.TRANSFER.wire()).put("shard", shard.name()).put("ts", System.currentTimeMillis());
        sent.add(runner.send(key, Request.cmd(Command.XADD).arg(key).arg("*").arg(OutboxRecord.FIELD)
          .arg(record.encode())));
      }
      Await.result(Future.all(sent));
      sent.forEach(added -> ids.add(added.result().toString()));
    }
    return ids.stream().sorted(OutboxStreams::compareIds).toList();
  }

  private static List<String> ids(List<LedgerOutbox.Entry> entries) {
    return entries.stream().map(LedgerOutbox.Entry::id).toList();
  }

  /** What the stream's master has sent its clients, replication apart (INFO stats). */
  private long bytesSent() {
    String stats = redis(Request.cmd(Command.INFO).arg("stats")).toString();
    return stats.lines().filter(line -> line.startsWith("total_net_output_bytes:")).findFirst()
      .map(line -> Long.parseLong(line.substring("total_net_output_bytes:".length()).trim())).orElseThrow();
  }

  private Response redis(Request request) {
    return Await.result(runner.send(key, request));
  }
}
