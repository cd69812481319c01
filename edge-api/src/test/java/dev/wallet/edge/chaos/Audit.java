package dev.wallet.edge.chaos;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the suite checks once a fault is over and the clients settled everything they asked: read
 * from the public API (what Redis holds), from the ledger in PostgreSQL and from Redis itself, and
 * compared with the clients' book. Runs on the main thread; each wait is a poll with a deadline.
 */
final class Audit {

  /** A wallet as Redis holds it (through the API) and as the ledger has it. */
  record Balance(long available, long held, long seq, String status) {
  }

  private static final Duration SAGAS_WITHIN = Duration.ofSeconds(90);
  private static final Duration LEDGER_WITHIN = Duration.ofSeconds(180);
  private static final Duration RECONCILED_WITHIN = Duration.ofSeconds(180);
  private static final Duration READ_WITHIN = Duration.ofSeconds(60);

  private final ChaosHttp http;
  private final Pool ledger;
  private final RedisNodes redis;
  /** Reads of a wallet that got no answer or not a 200 after the fault was over (a read should always be answered). */
  long unansweredReads;
  private final String adminToken;

  Audit(Vertx vertx, ChaosHttp http, PgConnectOptions database, RedisNodes redis) {
    this.http = http;
    this.ledger = PgBuilder.pool().connectingTo(database).using(vertx).build();
    this.redis = redis;
    this.adminToken = http.token("chaos-auditor", "admin");
  }

  /** Checks everything the book says against the wallet; {@code faultAt}: when the fault began, {@code loadEnded}: when the clients stopped. */
  Verdict check(Book book, Customers customers, int phase, Instant faultAt, Instant loadEnded) {
    Verdict verdict = new Verdict(book.movements(phase));
    long pending = awaitNoPendingSaga(customers);
    verdict.expect(pending == 0, "%d sagas still pending, or money still on credit stripes, %d s after the load",
      pending, SAGAS_WITHIN.toSeconds());
    Map<String, Balance> redis = awaitLedgerCaughtUp(customers, verdict);
    movementsInLedger(book, customers, phase, verdict);
    modelMatches(book, redis, verdict);
    nothingNegative(redis, verdict);
    conserved(verdict);
    reconciled(faultAt, loadEnded, verdict);
    return verdict;
  }

  // ------------------------------------------------------------------ sagas and the ledger's catching up

  /**
   * Polls until no movement is debited and not finished, and the stripe sweeper has swept every
   * stripe of the striped merchant: from then on no sweep starts, so the hot merchant's wallet and
   * stripes hold all its money and nothing is in transit while the books are compared.
   */
  private long awaitNoPendingSaga(Customers customers) {
    long deadline = System.nanoTime() + SAGAS_WITHIN.toNanos();
    long pending;
    while ((pending = pendingSagas(customers)) != 0 && System.nanoTime() < deadline) {
      Pause.briefly();
    }
    return pending;
  }

  /** Movements debited and not finished, plus any money on stripes (-1 while Redis cannot tell). */
  private long pendingSagas(Customers customers) {
    try {
      long sagas = redis.pendingSagas();
      return sagas + customers.striped().map(merchant -> redis.heldOnStripes(merchant.id())).orElse(0L);
    } catch (IllegalStateException notNow) {
      return -1;
    }
  }

  /** Polls until the ledger holds every wallet up to the seq Redis has; answers what Redis holds then. */
  private Map<String, Balance> awaitLedgerCaughtUp(Customers customers, Verdict verdict) {
    long deadline = System.nanoTime() + LEDGER_WITHIN.toNanos();
    while (true) {
      Map<String, Balance> redis = inRedis(customers);
      Map<String, Balance> ledgered = inLedger(redis.keySet());
      List<String> behind = redis.keySet().stream()
        .filter(w -> ledgered.getOrDefault(w, new Balance(0, 0, 0, "")).seq() != redis.get(w).seq()).toList();
      if (behind.isEmpty()) {
        compareRedisWithLedger(redis, ledgered, verdict);
        return redis;
      }
      if (System.nanoTime() > deadline) {
        verdict.expect(false, "the ledger is behind Redis on %d wallets %d s after the load (e.g. %s)",
          behind.size(), LEDGER_WITHIN.toSeconds(), behind.get(0));
        return redis;
      }
      Pause.briefly();
    }
  }

  private void compareRedisWithLedger(Map<String, Balance> redis, Map<String, Balance> ledgered, Verdict verdict) {
    redis.forEach((wallet, hot) -> {
      Balance cold = ledgered.get(wallet);
      verdict.redisDiffers(hot.available() != cold.available() || hot.held() != cold.held(),
        "%s: Redis %d/%d, ledger %d/%d (available/held)", wallet, hot.available(), hot.held(), cold.available(),
        cold.held());
    });
  }

  private Map<String, Balance> inRedis(Customers customers) {
    Map<String, Balance> balances = new HashMap<>();
    for (Customers.Wallet wallet : customers.all()) {
      JsonObject json = readWallet(wallet);
      JsonObject balance = json.getJsonObject("balance");
      balances.put(wallet.id(), new Balance(balance.getLong("available"), balance.getLong("held"), json.getLong("seq"),
        json.getString("status")));
    }
    return balances;
  }

  /** A wallet as the API shows it; a read is safe to repeat, so one that is not answered is asked again, of the other edge. */
  private JsonObject readWallet(Customers.Wallet wallet) {
    long deadline = System.nanoTime() + READ_WITHIN.toNanos();
    for (int attempt = 0; ; attempt++) {
      ChaosHttp.Answer answer = SystemUnderTest.await(http.get(attempt, "/v1/wallets/" + wallet.id(), wallet.token()));
      if (answer != null && answer.status() == 200) {
        return answer.json();
      }
      unansweredReads++;
      System.err.printf("[chaos] GET /v1/wallets/%s on %s: %s%n", wallet.id(), http.edge(attempt),
        answer == null ? "no answer" : answer.status() + " " + answer.body());
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("GET /v1/wallets/" + wallet.id() + " was not answered 200 within "
          + READ_WITHIN.toSeconds() + " s");
      }
      Pause.briefly();
    }
  }

  /**
   * Each wallet as the ledger has it; a striped merchant as the API shows it, its wallet and its
   * stripes together (balances and sequences summed), which holds all of its money once nothing is
   * in transit between them.
   */
  private Map<String, Balance> inLedger(java.util.Set<String> wallets) {
    RowSet<Row> rows = await(ledger.preparedQuery("""
        SELECT DISTINCT ON (e.account_id, e.bucket) e.account_id, coalesce(a.parent_id, e.account_id) AS wallet,
               e.bucket, e.balance_after, e.seq
          FROM entries e JOIN accounts a ON a.id = e.account_id
         WHERE e.account_id IN (SELECT id FROM accounts WHERE id = ANY($1) OR parent_id = ANY($1))
         ORDER BY e.account_id, e.bucket, e.seq DESC""")
      .execute(Tuple.of(wallets.toArray(String[]::new))), 30);
    Map<String, Map<String, Balance>> accountsOfWallet = new HashMap<>();
    for (Row row : rows) {
      Map<String, Balance> accounts = accountsOfWallet.computeIfAbsent(row.getString("wallet"), w -> new HashMap<>());
      Balance known = accounts.getOrDefault(row.getString("account_id"), new Balance(0, 0, 0, ""));
      boolean available = "available".equals(row.getString("bucket"));
      accounts.put(row.getString("account_id"), new Balance(available ? row.getLong("balance_after") : known.available(),
        available ? known.held() : row.getLong("balance_after"), Math.max(known.seq(), row.getLong("seq")), ""));
    }
    Map<String, Balance> balances = new HashMap<>();
    accountsOfWallet.forEach((wallet, accounts) -> balances.put(wallet, accounts.values().stream().reduce(
      new Balance(0, 0, 0, ""), (a, b) -> new Balance(a.available() + b.available(), a.held() + b.held(),
        a.seq() + b.seq(), ""))));
    return balances;
  }

  // ------------------------------------------------------------------ every movement, once

  private void movementsInLedger(Book book, Customers customers, int phase, Verdict verdict) {
    Map<String, Map<String, List<Long>>> byReference = entriesByReference(customers);
    Map<String, Boolean> explained = new HashMap<>();
    for (Movement movement : book.movements()) {
      if (movement.id == null) {
        continue;
      }
      explained.put(movement.id, true);
      Map<String, List<Long>> entries = byReference.getOrDefault(movement.id, Map.of());
      if (movement.fate == Movement.Fate.ACKNOWLEDGED) {
        acknowledgedOnce(movement, entries, movement.phase == phase, verdict);
      } else if (movement.reversed) {
        verdict.expect(net(entries.get(movement.from)) == 0 && !entries.containsKey(movement.to),
          "%s %s was reversed but the ledger moved %s", movement.kind, movement.id, entries);
      }
    }
    byReference.forEach((reference, entries) -> {
      boolean moved = entries.values().stream().anyMatch(amounts -> net(amounts) != 0);
      verdict.expect(!moved || explained.containsKey(reference) || reference.startsWith("d"),
        "the ledger moved money no client was answered for: %s %s", reference, entries);
    });
  }

  private static void acknowledgedOnce(Movement movement, Map<String, List<Long>> entries, boolean thisPhase,
                                       Verdict verdict) {
    List<Long> out = entries.getOrDefault(movement.from, List.of());
    List<Long> in = entries.getOrDefault(movement.to, List.of());
    boolean lost = out.isEmpty() || in.isEmpty();
    boolean doubled = out.size() > 1 || in.size() > 1;
    boolean wrong = !lost && !doubled && (out.get(0) != -movement.amount || in.get(0) != movement.credited());
    verdict.movement(thisPhase, lost, doubled);
    verdict.expect(!lost, "%s %s (key %s) was acknowledged and is not in the ledger: %s", movement.kind, movement.id,
      movement.key, entries);
    verdict.expect(!doubled, "%s %s (key %s) is in the ledger more than once: %s", movement.kind, movement.id,
      movement.key, entries);
    verdict.expect(!wrong, "%s %s moved other amounts than acknowledged (%d, fee %d): %s", movement.kind, movement.id,
      movement.amount, movement.fee, entries);
  }

  /**
   * reference → wallet → the amounts of its entries, for the suite's wallets; an entry on a credit
   * stripe is its merchant's. Sweeps move a merchant's own money between its wallet and its stripes
   * and no client asks for them: reconciliation's movement-steps check accounts for them.
   */
  private Map<String, Map<String, List<Long>>> entriesByReference(Customers customers) {
    String[] wallets = customers.all().stream().map(Customers.Wallet::id).toArray(String[]::new);
    RowSet<Row> rows = await(ledger.preparedQuery("""
        SELECT coalesce(a.parent_id, e.account_id) AS account_id, p.reference, e.amount FROM entries e
          JOIN postings p ON p.id = e.posting_id AND p.created_at = e.created_at
          JOIN accounts a ON a.id = e.account_id
         WHERE e.account_id IN (SELECT id FROM accounts WHERE id = ANY($1) OR parent_id = ANY($1))
           AND e.bucket = 'available' AND p.type NOT LIKE 'sweep%'""").execute(Tuple.of(wallets)), 60);
    Map<String, Map<String, List<Long>>> byReference = new HashMap<>();
    for (Row row : rows) {
      byReference.computeIfAbsent(row.getString("reference"), r -> new HashMap<>())
        .computeIfAbsent(row.getString("account_id"), a -> new ArrayList<>()).add(row.getLong("amount"));
    }
    return byReference;
  }

  private static long net(List<Long> amounts) {
    return amounts == null ? 0 : amounts.stream().mapToLong(Long::longValue).sum();
  }

  // ------------------------------------------------------------------ the model, signs, totals

  private static void modelMatches(Book book, Map<String, Balance> redis, Verdict verdict) {
    redis.forEach((wallet, balance) -> {
      long expected = book.expected(wallet);
      verdict.modelDiffers(balance.available() + balance.held() != expected,
        "%s holds %d, its acknowledged movements make %d", wallet, balance.available() + balance.held(), expected);
      verdict.expect("active".equals(balance.status()), "%s is %s", wallet, balance.status());
    });
  }

  private void nothingNegative(Map<String, Balance> redis, Verdict verdict) {
    redis.forEach((wallet, balance) -> verdict.expect(balance.available() >= 0 && balance.held() >= 0,
      "%s is negative in Redis: %s", wallet, balance));
    long negative = await(ledger.query("""
        SELECT count(*) FROM entries e JOIN accounts a ON a.id = e.account_id
         WHERE a.kind = 'wallet' AND e.balance_after < 0""").execute(), 60).iterator().next().getLong(0);
    verdict.expect(negative == 0, "%d wallet entries in the ledger left a balance below zero", negative);
  }

  private void conserved(Verdict verdict) {
    RowSet<Row> rows = await(ledger.query("""
        SELECT currency, sum(balance_after) AS total,
               sum(balance_after) FILTER (WHERE account_id LIKE 'transit:%') AS in_transit
          FROM (SELECT DISTINCT ON (account_id, bucket) account_id, currency, balance_after FROM entries
                 ORDER BY account_id, bucket, seq DESC) latest
         GROUP BY currency""").execute(), 60);
    boolean conserved = true;
    for (Row row : rows) {
      long total = row.getNumeric("total").longValue();
      long inTransit = row.getNumeric("in_transit") == null ? 0 : row.getNumeric("in_transit").longValue();
      conserved &= total == 0 && inTransit == 0;
      verdict.expect(total == 0, "the ledger's accounts sum to %d %s, not zero", total, row.getString("currency"));
      verdict.expect(inTransit == 0, "%d %s in transit with no saga pending", inTransit, row.getString("currency"));
    }
    verdict.conserved = conserved;
  }

  // ------------------------------------------------------------------ reconciliation

  private void reconciled(Instant faultAt, Instant loadEnded, Verdict verdict) {
    JsonObject report = awaitFullRunAfter(loadEnded);
    verdict.reconciled = report != null && report.getBoolean("ok", false);
    verdict.expect(report != null, "no reconciliation run with the global checks started after the load within %d s",
      RECONCILED_WITHIN.toSeconds());
    verdict.expect(report == null || verdict.reconciled, "reconciliation after the fault is not clean: %s", report);
    long findings = await(ledger.preparedQuery("""
        SELECT count(*) FROM reconciliation_runs
         WHERE started_at >= $1 AND jsonb_array_length(result -> 'discrepancies') > 0""")
      .execute(Tuple.of(faultAt.atOffset(ZoneOffset.UTC))), 30).iterator().next().getLong(0);
    verdict.expect(findings == 0, "%d reconciliation runs since the fault reported discrepancies", findings);
    JsonObject halt = await(http.get(0, "/admin/reconciliation/halt", adminToken), 10).json();
    verdict.expect(!halt.getBoolean("halted", true), "money movement is halted: %s", halt);
  }

  private JsonObject awaitFullRunAfter(Instant loadEnded) {
    long deadline = System.nanoTime() + RECONCILED_WITHIN.toNanos();
    while (System.nanoTime() < deadline) {
      ChaosHttp.Answer answer = SystemUnderTest.await(http.get(0, "/admin/reconciliation", adminToken));
      if (answer != null && answer.status() == 200) {
        JsonObject report = answer.json();
        String started = report.getString("startedAt");
        if (started != null && Instant.parse(started).isAfter(loadEnded) && report.getBoolean("globalChecks", false)) {
          return report;
        }
      }
      Pause.briefly();
    }
    return null;
  }

  private static <T> T await(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer within " + seconds + " s", e);
    }
  }

  void close() {
    ledger.close();
  }
}
