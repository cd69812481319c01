package dev.wallet.ledger.bench;

import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxRecord.OutboxEntry;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.ledger.InsertMode;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.impl.LedgerStore;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Rows per second that {@link LedgerStore} commits in one insert mode: {@code shards} shards
 * written concurrently (as the writer's shard consumers do), each {@code batches} batches of
 * {@code batchSize} two-entry postings, one transaction per batch, through the real schema
 * (chain trigger, balance check) in a scratch schema of the ledger database.
 */
final class StoreBench {

  private static final int ACCOUNTS_PER_SHARD = 200;

  private final Vertx vertx;
  private final LedgerDatabase database;
  private final String schema;

  StoreBench(Vertx vertx, LedgerDatabase database, String schema) {
    this.vertx = vertx;
    this.database = database;
    this.schema = schema;
  }

  /** Rows (postings + entries) committed per second. */
  double rowsPerSecond(InsertMode mode, int shards, int batches, int batchSize, String run) throws Exception {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(shards))
      .connectingTo(new PgConnectOptions().setHost(database.host()).setPort(database.port())
        .setDatabase(database.database()).setUser(database.user()).setPassword(database.password())
        .addProperty("search_path", schema))
      .using(vertx).build();
    try {
      LedgerStore store = new LedgerStore(pool, mode);
      List<List<List<Positioned>>> work = IntStream.range(0, shards)
        .mapToObj(s -> batches(run + "s" + s, batches, batchSize)).toList();
      store.ensureMonth(java.time.LocalDate.now(java.time.ZoneOffset.UTC)).await(60, TimeUnit.SECONDS);
      long started = System.nanoTime();
      Future.all(IntStream.range(0, shards).mapToObj(s -> writeAll(store, run + "s" + s, work.get(s))).toList())
        .await(30, TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - started) / 1e9;
      return shards * (double) batches * batchSize * 3 / seconds;
    } finally {
      pool.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static Future<Void> writeAll(LedgerStore store, String shard, List<List<Positioned>> batches) {
    return Sequential.forEach(batches, batch -> store.write(shard, batch));
  }

  /** Each posting moves 1 unit from one account of the shard to the next; sequences and balances run on. */
  private static List<List<Positioned>> batches(String shard, int batches, int batchSize) {
    Map<String, long[]> accounts = new HashMap<>();
    List<List<Positioned>> out = new ArrayList<>();
    long n = 0;
    for (int b = 0; b < batches; b++) {
      List<Positioned> batch = new ArrayList<>();
      for (int i = 0; i < batchSize; i++, n++) {
        String from = "bench" + (n % ACCOUNTS_PER_SHARD) + ":USD:" + shard;
        String to = "bench" + ((n + 1) % ACCOUNTS_PER_SHARD) + ":USD:" + shard;
        OutboxRecord record = new OutboxRecord(shard + "-p" + n, PostingType.TRANSFER, shard, Instant.now(),
          Optional.of("r" + n), Optional.empty(), List.of(entry(accounts, from, -1), entry(accounts, to, 1)), List.of(), Optional.empty(),
          List.of(), java.util.Map.of());
        batch.add(new Positioned(n + "-0", record));
      }
      out.add(batch);
    }
    return out;
  }

  private static OutboxEntry entry(Map<String, long[]> accounts, String account, long amount) {
    long[] state = accounts.computeIfAbsent(account, a -> new long[2]);
    state[0] += amount;
    state[1] += 1;
    return new OutboxEntry(account, "available", amount, "USD", state[0], state[1]);
  }
}
