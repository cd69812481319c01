package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxStreams;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Collection;
import java.util.function.Function;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The ledger side of the integration tests: the schema migrated, a writer running, and views
 * of both tiers (every account in Redis, every entry in PostgreSQL) to compare them.
 */
public final class LedgerFixture implements AutoCloseable {

  private final Vertx vertx;
  private final Pool ownerPool;
  private final RedisClusterClient lettuce;
  private final StatefulRedisClusterConnection<String, String> redis;
  private LedgerWriter writer;
  private BalanceCache moneyCore;

  public LedgerFixture(Vertx vertx) {
    this.vertx = vertx;
    LedgerMigrations.migrate(ownerDatabase(), TestEnvironment.pgUser());
    this.ownerPool = PgBuilder.pool().connectingTo(connectOptions(ownerDatabase())).using(vertx).build();
    this.lettuce = RedisClusterClient.create(TestEnvironment.redisNodes().stream().map(RedisURI::create).toList());
    this.redis = lettuce.connect();
  }

  public static LedgerDatabase appDatabase() {
    return new LedgerDatabase(TestEnvironment.pgHost(), TestEnvironment.pgPort(), TestEnvironment.pgDatabase(),
      TestEnvironment.pgUser(), TestEnvironment.pgPassword());
  }

  public static LedgerDatabase ownerDatabase() {
    return appDatabase().as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword());
  }

  /** The cluster's superuser: it can bypass triggers, as an attacker with full access could. */
  public static LedgerDatabase superuserDatabase() {
    return appDatabase().as("postgres", TestEnvironment.pgSuperuserPassword());
  }

  public static PgConnectOptions connectOptions(LedgerDatabase db) {
    return new PgConnectOptions().setHost(db.host()).setPort(db.port()).setDatabase(db.database())
      .setUser(db.user()).setPassword(db.password());
  }

  /** A writer of its own name for each test. */
  public static LedgerWriterOptions writerOptions() {
    return LedgerWriterOptions.defaults(TestEnvironment.redisNodes(),
      Integer.parseInt(TestEnvironment.env("WALLET_SHARDS", "64")), appDatabase(), "test-" + UUID.randomUUID());
  }

  public LedgerWriter startWriter(LedgerWriterOptions options) {
    writer = LedgerWriter.create(vertx, options);
    Await.result(writer.start());
    return writer;
  }

  public LedgerWriter startWriter() {
    return startWriter(writerOptions());
  }

  public Pool pool() {
    return ownerPool;
  }

  public RedisAdvancedClusterCommands<String, String> redis() {
    return redis.sync();
  }

  /** Every shard's outbox fully committed: nothing undelivered, nothing unacknowledged. */
  public void awaitDrained(Duration timeout) {
    Eventually.await("every outbox to be committed to the ledger", timeout, this::drained);
  }

  /** Exact: every shard's published ledger position has reached the last entry of its outbox. */
  private boolean drained() {
    int shards = Integer.parseInt(TestEnvironment.env("WALLET_SHARDS", "64"));
    for (int n = 0; n < shards; n++) {
      ShardId shard = new ShardId(n);
      List<io.lettuce.core.StreamMessage<String, String>> last = redis().xrevrange(OutboxStreams.key(shard),
        io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(1));
      if (last.isEmpty()) {
        continue;
      }
      String position = redis().get(OutboxStreams.positionKey(shard));
      if (position == null || OutboxStreams.compareIds(position, last.get(0).getId()) < 0) {
        return false;
      }
    }
    return true;
  }

  /** Balance per currency over every account the hot tier holds, wallets and system accounts. */
  public Map<String, Long> redisTotals() {
    Map<String, Long> totals = new HashMap<>();
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis().scan(cursor, ScanArgs.Builder.matches("{s*}:[wa]:*").limit(1000));
      for (String key : page.getKeys()) {
        Map<String, String> h = redis().hgetall(key);
        long held = Long.parseLong(h.getOrDefault("held", "0"));
        totals.merge(h.get("cur"), Long.parseLong(h.get("avail")) + held, Long::sum);
      }
      cursor = page;
    } while (!cursor.isFinished());
    return totals;
  }

  /** Balance per currency over every account of the ledger: each account's last balance_after. */
  public Map<String, Long> ledgerTotals() {
    Map<String, Long> totals = new HashMap<>();
    for (Row row : Await.result(ownerPool.query("""
        SELECT currency, sum(balance_after) AS total FROM (
          SELECT DISTINCT ON (account_id, bucket) currency, balance_after
            FROM entries ORDER BY account_id, bucket, seq DESC) last
         GROUP BY currency""").execute())) {
      totals.put(row.getString("currency").trim(), row.getLong("total"));
    }
    return totals;
  }

  /** Sum of every entry per currency: zero when every posting balances. */
  public Map<String, Long> entrySums() {
    Map<String, Long> sums = new HashMap<>();
    for (Row row : Await.result(ownerPool.query(
        "SELECT currency, sum(amount) AS total FROM entries GROUP BY currency").execute())) {
      sums.put(row.getString("currency").trim(), row.getLong("total"));
    }
    return sums;
  }

  /** The ledger's last word on a wallet: [available, held, seq]; zeros when it has no entries yet. */
  public long[] ledgerBalance(WalletId wallet) {
    long[] out = new long[3];
    for (Row row : Await.result(ownerPool.preparedQuery("""
        SELECT DISTINCT ON (bucket) bucket, balance_after, seq FROM entries
         WHERE account_id = $1 ORDER BY bucket, seq DESC""").execute(Tuple.of(wallet.value())))) {
      out[row.getString("bucket").equals("available") ? 0 : 1] = row.getLong("balance_after");
      out[2] = Math.max(out[2], row.getLong("seq"));
    }
    return out;
  }

  /**
   * Each wallet's ledger agrees with its Redis hash: the same balances at the same last sequence,
   * every sequence from 1 to it present (no gap), and no entry twice (no duplicate).
   */
  public void assertAgreesWithRedis(Collection<WalletId> wallets, Function<WalletId, Wallet> hot) {
    for (WalletId wallet : wallets) {
      Wallet w = hot.apply(wallet);
      assertThat(ledgerBalance(wallet)).as("ledger of " + wallet).containsExactly(w.available(), w.held(), w.seq());
      assertThat(count("SELECT count(DISTINCT seq) FROM entries WHERE account_id = $1", wallet.value()))
        .as("no sequence gap in " + wallet).isEqualTo(w.seq());
      assertThat(count("""
          SELECT count(*) FROM (SELECT posting_id FROM entries WHERE account_id = $1
                                 GROUP BY posting_id, idx HAVING count(*) > 1) dup""", wallet.value()))
        .as("no entry twice in " + wallet).isZero();
    }
  }

  public long count(String sql, Object... params) {
    return Await.result(ownerPool.preparedQuery(sql).execute(Tuple.from(params))).iterator().next().getLong(0);
  }

  /** The money core over the test cluster (with its sweeper), started on first use and closed with the fixture. */
  public BalanceCache moneyCore() {
    if (moneyCore == null) {
      moneyCore = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
      Await.result(moneyCore.start());
    }
    return moneyCore;
  }

  @Override
  public void close() {
    if (writer != null) {
      Await.result(writer.stop());
    }
    if (moneyCore != null) {
      Await.result(moneyCore.close());
    }
    redis.close();
    lettuce.shutdown();
    Await.result(ownerPool.close());
  }
}
