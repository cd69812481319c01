package dev.wallet.edge.chaos;

import dev.wallet.balancecache.model.ShardId;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.IntStream;

/**
 * The fault suite (issue 9): clients move money through both edges, retrying every unanswered
 * request under its Idempotency-Key, while each fault is put on the running wallet in turn; after
 * each, the wallet is checked against the clients' book (see {@link Audit}). scripts/chaos.sh
 * starts the system and calls this in a separate JVM. Writes a markdown table to {@code --table},
 * prints it, progress and every violation on stderr, and exits 1 on any violation.
 *
 * <p>Arguments are {@code --name=value}; see {@link Options} for each and its default.
 */
public final class ChaosRun {

  /** Settings, from the command line. */
  record Options(List<URI> edges, String secret, List<String> faults, int times, int clients, int owners,
                 int merchants, long fundingMinor, Duration before, Duration after, long movementDeadlineMs,
                 long requestTimeoutMs, Path runDir, Path logDir, String redisHost, List<Integer> redisPorts,
                 Path redisDir, int shards, PgConnectOptions database, List<String> pgCtl, String pgLog,
                 URI writerMetrics, Path table) {

    static Options parse(String[] args) {
      Map<String, String> given = new HashMap<>();
      for (String arg : args) {
        String[] pair = arg.replaceFirst("^--", "").split("=", 2);
        given.put(pair[0], pair.length > 1 ? pair[1] : "true");
      }
      int firstRedis = number(given, "redis-first-port", 7101);
      return new Options(Arrays.stream(given.getOrDefault("edges", "http://127.0.0.1:8080,http://127.0.0.1:8081")
        .split(",")).map(URI::create).toList(),
        given.getOrDefault("secret", "wallet-dev-only-jwt-secret-never-use-in-production"),
        List.of(given.getOrDefault("faults", String.join(",", Faults.ALL)).split(",")), number(given, "times", 1),
        number(given, "clients", 12), number(given, "owners", 24), number(given, "merchants", 3),
        number(given, "funding", 1_000_000), Duration.ofSeconds(number(given, "before", 5)),
        Duration.ofSeconds(number(given, "after", 5)), number(given, "movement-deadline-ms", 150_000),
        number(given, "request-timeout-ms", 2_000), Path.of(given.getOrDefault("run-dir", ".data/run")),
        Path.of(given.getOrDefault("log-dir", ".data/logs")), given.getOrDefault("redis-host", "127.0.0.1"),
        IntStream.range(firstRedis, firstRedis + number(given, "redis-nodes", 7)).boxed().toList(),
        Path.of(given.getOrDefault("redis-dir", ".data/redis")), number(given, "shards", 64),
        new PgConnectOptions().setHost(given.getOrDefault("pg-host", "127.0.0.1"))
          .setPort(number(given, "pg-port", 25432)).setDatabase(given.getOrDefault("pg-database", "wallet"))
          .setUser(given.getOrDefault("pg-user", "wallet_app"))
          .setPassword(given.getOrDefault("pg-password", "wallet-dev-app")),
        Processes.words(given.getOrDefault("pg-ctl", "pg_ctl")), given.getOrDefault("pg-log", "/dev/null"),
        URI.create(given.getOrDefault("writer-metrics", "http://127.0.0.1:9181/metrics")),
        Path.of(given.getOrDefault("table", "chaos-table.md")));
    }

    private static int number(Map<String, String> given, String name, int fallback) {
      return given.containsKey(name) ? Integer.parseInt(given.get(name)) : fallback;
    }
  }

  /** One injection of a fault and what its audit found. */
  record Injection(String fault, double resumedSeconds, double phaseSeconds, Verdict verdict) {
  }

  private final Options options;
  private final Vertx vertx;
  private final Context loop;
  private final ChaosHttp http;
  private final SystemUnderTest system;
  private final Faults faults;
  private final Audit audit;
  private final Book book = new Book();
  private final Writes writes = new Writes();
  private final Customers customers;
  private final Traffic traffic;

  private ChaosRun(Options options, Vertx vertx) {
    this.options = options;
    this.vertx = vertx;
    this.loop = vertx.getOrCreateContext();
    this.http = new ChaosHttp(vertx, options.edges(), options.secret(), options.requestTimeoutMs());
    RedisNodes redis = new RedisNodes(options.redisHost(), options.redisPorts(), options.redisDir(), options.shards());
    this.system = new SystemUnderTest(http, vertx.createHttpClient(), redis,
      new Processes(options.runDir(), options.logDir()), options.writerMetrics());
    this.faults = new Faults(system, options.pgCtl(), options.pgLog(), options.shards());
    this.audit = new Audit(vertx, http, options.database(), redis);
    Settler settler = new Settler(vertx, http, options.movementDeadlineMs(), writes::acknowledged);
    this.customers = new Customers(vertx, http, book, settler);
    this.traffic = new Traffic(vertx, customers, book, settler);
  }

  public static void main(String[] args) {
    Options options = Options.parse(args);
    // one event loop: the clients' book is then touched by one thread only
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    boolean clean;
    try {
      ChaosRun run = new ChaosRun(options, vertx);
      List<Injection> injections = run.run();
      String table = table(injections);
      // a file of its own: libraries may log on stdout
      java.nio.file.Files.writeString(options.table(), table);
      System.err.print(table);
      clean = injections.stream().allMatch(injection -> injection.verdict().clean());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } finally {
      await(vertx.close(), 60);
    }
    System.exit(clean ? 0 : 1);
  }

  private List<Injection> run() {
    system.awaitWhole();
    progress("making %d owners with two wallets each and %d merchants", options.owners(), options.merchants());
    await(onLoop(() -> customers.make(options.owners(), options.merchants(), options.fundingMinor())), 300);
    List<Injection> injections = new ArrayList<>();
    int phase = 0;
    for (String fault : options.faults()) {
      for (int time = 0; time < options.times(); time++) {
        injections.add(inject(fault, time, ++phase));
      }
    }
    audit.close();
    return injections;
  }

  private Injection inject(String name, int time, int phase) {
    long started = System.nanoTime();
    system.awaitWhole();
    Faults.Fault fault = faults.create(name, time);
    progress("%s (%d of %d): load for %d s first", fault.name(), time + 1, options.times(), options.before().toSeconds());
    loop.runOnContext(v -> traffic.start(options.clients(), phase));
    Pause.hold(options.before());
    Instant faultAt = Instant.now();
    Set<ShardId> affected = fault.inject();
    writes.faultInPlace(affected);
    progress("%s: in place, %d shards hit", fault.name(), affected.size());
    fault.last(writes);
    fault.heal();
    progress("%s: healed; writes resumed after %.1f s (%s); load for %d s more", fault.name(), writes.seconds(),
      writes.resumedBy(), options.after().toSeconds());
    Pause.hold(options.after());
    await(onLoop(traffic::stop), options.movementDeadlineMs() / 1000 + 60);
    Instant loadEnded = Instant.now();
    double resumed = writes.seconds();
    writes.reset();
    system.awaitWhole();
    progress("%s: load stopped, every movement settled; auditing", fault.name());
    Verdict verdict = audit.check(book, customers, phase, faultAt, loadEnded);
    verdict.expect(!Double.isNaN(resumed), "writes to the shards %s hit did not resume within %d s", fault.name(),
      Faults.RESUME_WITHIN.toSeconds());
    verdict.violations().forEach(violation -> progress("VIOLATION after %s: %s", fault.name(), violation));
    Injection injection = new Injection(fault.name(), resumed, (System.nanoTime() - started) / 1e9, verdict);
    progress("%s: %d acknowledged, %d refused, %d unknown at first; %s", fault.name(), verdict.acknowledged,
      verdict.refused, verdict.unknown, verdict.clean() ? "clean" : verdict.violationCount() + " violations");
    return injection;
  }

  // ------------------------------------------------------------------ the table

  static String table(List<Injection> injections) {
    Map<String, List<Injection>> byFault = new LinkedHashMap<>();
    injections.forEach(injection -> byFault.computeIfAbsent(injection.fault(), f -> new ArrayList<>()).add(injection));
    StringBuilder out = new StringBuilder("| fault | times | acknowledged | refused | unknown, then settled | unresolved "
      + "| lost | doubled | conserved | Redis = ledger = model | reconciliation after | seconds until writes resumed "
      + "| violations |\n|---|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|:---:|---:|---:|\n");
    byFault.forEach((fault, runs) -> out.append(row(fault, runs)));
    return out.toString();
  }

  private static String row(String fault, List<Injection> runs) {
    List<Verdict> verdicts = runs.stream().map(Injection::verdict).toList();
    String resumed = String.join(", ", runs.stream().map(r -> Double.isNaN(r.resumedSeconds()) ? "never"
      : String.format(Locale.ROOT, "%.1f", r.resumedSeconds())).toList());
    boolean matches = verdicts.stream().allMatch(v -> v.modelMismatches == 0 && v.redisLedgerMismatches == 0);
    return String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %d | %d | %d | %s | %s | %s | %s | %d |%n", fault,
      runs.size(), sum(verdicts, v -> v.acknowledged), sum(verdicts, v -> v.refused), sum(verdicts, v -> v.unknown),
      sum(verdicts, v -> v.unresolved), sum(verdicts, v -> v.lost), sum(verdicts, v -> v.doubled),
      yes(verdicts.stream().allMatch(v -> v.conserved)), yes(matches),
      verdicts.stream().allMatch(v -> v.reconciled) ? "clean" : "**not clean**", resumed,
      sum(verdicts, Verdict::violationCount));
  }

  private static long sum(List<Verdict> verdicts, java.util.function.ToLongFunction<Verdict> value) {
    return verdicts.stream().mapToLong(value).sum();
  }

  private static String yes(boolean holds) {
    return holds ? "yes" : "**no**";
  }

  // ------------------------------------------------------------------ plumbing

  /** Runs {@code body} on the suite's event loop. */
  private <T> Future<T> onLoop(Supplier<Future<T>> body) {
    Promise<T> result = Promise.promise();
    loop.runOnContext(v -> body.get().onComplete(result));
    return result.future();
  }

  private static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[chaos] %s " + format + "%n", prepend(Instant.now().toString().substring(11, 19),
      args));
  }

  private static Object[] prepend(Object first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static <T> T await(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer within " + seconds + " s", e);
    }
  }
}
