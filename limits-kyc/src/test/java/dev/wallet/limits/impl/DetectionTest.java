package dev.wallet.limits.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.ledger.LedgerMovement;
import dev.wallet.ledger.LedgerMovements;
import dev.wallet.ledger.LedgerPosition;
import dev.wallet.limits.model.AmlRules;
import dev.wallet.limits.testing.LimitsTestSupport;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The monitors over one batch, against the real PostgreSQL (in a transaction rolled back at the end:
 * flags are append-only), with the ledger's movements given in memory.
 */
@ExtendWith(VertxExtension.class)
class DetectionTest {

  private static final Instant T = Instant.parse("2026-12-01T12:00:00Z");
  /** Large at 1,000,000; structuring from 990,000 (1 %), three within 24 h; rapid: 80 % of at least 5,000 within 60 min. */
  private static final AmlRules RULES = new AmlRules(Map.of("USD", 1_000_000L), 3, 1, 24, 60, 80,
    Map.of("USD", 5_000L));
  private static final int PAYOUTS_PER_CREDIT = 100;

  private Pool pool;
  private String run;

  @BeforeEach
  void start(Vertx vertx) {
    LimitsTestSupport.migrateOnce();
    pool = LimitsTestSupport.appPool(vertx);
    run = Long.toString(System.nanoTime());
  }

  @AfterEach
  void stop() {
    Await.result(pool.close());
  }

  @Test
  @DisplayName("a treasury wallet paying out hundreds of times within its window, and an owner structuring, have "
    + "their earlier flags read once each per batch, not once per movement; the flags are those the monitors "
    + "raised before: a flag of an earlier batch and one of this batch both leave their postings out of later windows")
  void earlierFlagsAreReadOncePerWalletPerBatch() {
    String treasury = "w-treasury-" + run;
    String structurer = "w-structurer-" + run;
    List<LedgerMovement> earlier = new ArrayList<>(rapidEra("c0", treasury, T.minus(Duration.ofMinutes(20)), 9, 1_000));
    List<LedgerMovement> batch = new ArrayList<>(rapidEra("c1", treasury, T, PAYOUTS_PER_CREDIT, 100));
    batch.addAll(rapidEra("c2", treasury, T.plusSeconds(200), PAYOUTS_PER_CREDIT, 100));
    for (int i = 0; i < 7; i++) {
      batch.add(movement("s" + i, structurer, T.plusSeconds(30L * i), -995_000));
    }
    batch.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
    List<LedgerMovement> ledger = new ArrayList<>(earlier);
    ledger.addAll(batch);

    AtomicInteger flagReads = new AtomicInteger();
    Map<String, List<String>> flags = Await.result(rolledBack(conn -> previousFlag(conn, treasury, earlier)
      .compose(flagged -> new Detection(countingFlagReads(conn, flagReads), new InMemoryLedger(ledger), RULES,
        new AmlCredits(conn, new InMemoryLedger(ledger), Instant.MAX)).run(batch))
      .compose(detected -> flagsOf(conn, List.of(owner(treasury), owner(structurer))))));

    assertThat(flags).containsOnlyKeys("rapid:" + treasury + ":" + p("c0"), "rapid:" + treasury + ":" + p("c1"),
      "rapid:" + treasury + ":" + p("c2"), "structuring:" + owner(structurer) + ":USD:" + p("s0"),
      "structuring:" + owner(structurer) + ":USD:" + p("s3"));
    assertThat(flags.get("rapid:" + treasury + ":" + p("c1")))
      .as("the credit of the flag before is left out: this window starts at c1, its first 80 payouts went out")
      .startsWith(p("c1"), p("c1-0")).hasSize(81).doesNotContain(p("c0"));
    assertThat(flags.get("rapid:" + treasury + ":" + p("c2")))
      .as("what this batch flagged (c1 and its first 80 payouts) is left out of c2's window")
      .startsWith(p("c2"), p("c2-0")).hasSize(81);
    assertThat(flags.get("structuring:" + owner(structurer) + ":USD:" + p("s3")))
      .containsExactly(p("s3"), p("s4"), p("s5"));
    assertThat(flagReads.get()).as("one read of earlier flags for the treasury, one for the structuring owner")
      .isEqualTo(2);
  }

  /** A credit of 10,000 and then {@code payouts} payouts of {@code each}, a second apart. */
  private List<LedgerMovement> rapidEra(String credit, String wallet, Instant at, int payouts, long each) {
    List<LedgerMovement> era = new ArrayList<>(List.of(movement(credit, wallet, at, 10_000)));
    for (int i = 0; i < payouts; i++) {
      era.add(movement(credit + "-" + i, wallet, at.plusSeconds(1 + i), -each));
    }
    return era;
  }

  private LedgerMovement movement(String posting, String wallet, Instant at, long amountMinor) {
    return new LedgerMovement(p(posting), PostingType.TRANSFER, at, wallet, owner(wallet), amountMinor, "USD");
  }

  private String p(String posting) {
    return "p-" + run + "-" + posting;
  }

  private static String owner(String wallet) {
    return "owner-" + wallet;
  }

  /** The flag an earlier batch raised about {@code movements}: every one of them. */
  private static Future<Void> previousFlag(SqlConnection conn, String wallet, List<LedgerMovement> movements) {
    LedgerMovement last = movements.get(movements.size() - 1);
    return conn.preparedQuery(SqlQueries.INSERT_FLAG).execute(Tuple.from(List.of("rapid:" + wallet + ":"
      + movements.get(0).postingId(), "rapid_in_out", owner(wallet), wallet, "USD", 9_000L,
      movements.stream().map(LedgerMovement::postingId).toArray(String[]::new),
      PgCompliance.utc(last.createdAt()), "raised by an earlier batch"))).mapEmpty();
  }

  private static Future<Map<String, List<String>>> flagsOf(SqlConnection conn, List<String> owners) {
    return conn.preparedQuery("SELECT dedupe_key, posting_ids FROM limits.aml_flags WHERE owner_id = ANY($1) "
        + "ORDER BY id").execute(Tuple.of(owners.toArray(String[]::new)))
      .map(rows -> {
        Map<String, List<String>> flags = new LinkedHashMap<>();
        rows.forEach(row -> flags.put(row.getString("dedupe_key"), Arrays.asList(row.getArrayOfStrings("posting_ids"))));
        return flags;
      });
  }

  private <T> Future<T> rolledBack(Function<SqlConnection, Future<T>> work) {
    return pool.getConnection().compose(conn -> conn.begin()
      .compose(tx -> work.apply(conn).eventually(tx::rollback))
      .eventually(conn::close));
  }

  /** {@code conn}, counting the statements that read {@code limits.aml_flags}. */
  private static SqlConnection countingFlagReads(SqlConnection conn, AtomicInteger reads) {
    return (SqlConnection) Proxy.newProxyInstance(SqlConnection.class.getClassLoader(),
      new Class<?>[] {SqlConnection.class}, (proxy, method, args) -> {
        if (method.getName().startsWith("preparedQuery") && args[0] instanceof String sql
          && sql.contains("FROM limits.aml_flags")) {
          reads.incrementAndGet();
        }
        try {
          return method.invoke(conn, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
      });
  }

  /** The ledger's answers over movements held in memory. */
  private record InMemoryLedger(List<LedgerMovement> movements) implements LedgerMovements {

    @Override
    public Future<List<LedgerMovement>> madeByOwner(String ownerId, String currency, Instant from, Instant to,
                                                    long floorMinor, long belowMinor) {
      return Future.succeededFuture(within(from, to).stream().filter(m -> m.madeByOwner()
        && m.ownerId().equals(ownerId) && m.currency().equals(currency) && m.size() >= floorMinor
        && m.size() < belowMinor).toList());
    }

    @Override
    public Future<List<LedgerMovement>> ofWallets(List<String> walletIds, Instant from, Instant to) {
      return Future.succeededFuture(within(from, to).stream().filter(m -> walletIds.contains(m.walletId())).toList());
    }

    @Override
    public Future<List<Credited>> credited(List<String> walletIds, Instant from, Instant to) {
      Map<String, Long> byWallet = within(from, to).stream()
        .filter(m -> !m.outgoing() && walletIds.contains(m.walletId()))
        .collect(Collectors.groupingBy(LedgerMovement::walletId, Collectors.summingLong(LedgerMovement::size)));
      return Future.succeededFuture(byWallet.entrySet().stream()
        .map(sum -> new Credited(sum.getKey(), "USD", sum.getValue())).toList());
    }

    private List<LedgerMovement> within(Instant from, Instant to) {
      return movements.stream().filter(m -> !m.createdAt().isBefore(from) && !m.createdAt().isAfter(to)).toList();
    }

    @Override
    public Future<List<LedgerPosition>> postingsAfter(LedgerPosition after, Duration settle, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<List<LedgerMovement>> movementsOf(List<String> postingIds) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<List<LedgerMovement>> atOrAbove(Map<String, Long> thresholdMinorByCurrency, Instant from,
                                                  Instant to, int limit) {
      throw new UnsupportedOperationException();
    }
  }
}
