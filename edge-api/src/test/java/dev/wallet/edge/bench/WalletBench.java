package dev.wallet.edge.bench;

import dev.wallet.balancecache.impl.MoveScriptCall;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerPlacement;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Currency;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The wallet's throughput and latency through its public HTTP API, next to what its own Redis and
 * PostgreSQL do alone, all in one run on one machine (scripts/bench.sh starts the system and calls
 * this in a separate JVM). Prints markdown tables on stdout, progress on stderr.
 *
 * <p>Arguments are {@code --name=value}; see {@link Options} for each and its default.
 */
public final class WalletBench {

  /** The title's end of the scenario paying a merchant on credit stripes (issue 10's target reads it). */
  private static final String ON_STRIPES = " payers to one merchant on credit stripes";


  private static final Money CENT = new Money(1, Currency.getInstance("USD"));
  private static final long FUNDING_MINOR = 100_000;
  private static final double[] OPEN_LOOP_SHARES = {0.25, 0.50, 0.70, 0.90};
  private static final long SOCKETS_WARM_UP_LIMIT_SECONDS = 60;
  /** The most balance sockets an edge lets one caller hold, by default (WALLET_WS_MAX_PER_CALLER). */
  private static final int SOCKETS_PER_CALLER = 8;
  /** --quick's wallets on random shards, each its own owner: its 10,000 sockets are then 8 per owner. */
  private static final int QUICK_WALLETS = 1_250;
  /** --quick measures the open loop only where the targets are judged. */
  private static final double[] QUICK_OPEN_LOOP_SHARES = {0.70};
  /** How long after the load a balance push may still arrive before it counts as never pushed. */
  private static final long PUSH_PATIENCE_MS = 10_000;
  private static final String ALL = "all";
  private static final String COMPILERS = "of which JIT compilers";
  /** A warm-up goes on in slices of this length while the compilers are busy... */
  private static final int WARM_UP_SLICE_SECONDS = 10;
  /** ...busier than this, summed over the processes (a share of one core). */
  private static final double SETTLED_COMPILERS_SHARE = 0.05;
  /** ...until this many slices in a row were not. */
  private static final int SETTLED_SLICES = 2;

  /** Settings, from the command line. */
  record Options(List<URI> edges, String secret, boolean quick, int runs, int seconds, int clients, int pairs,
                 int spreadWallets, int payers, int sockets, int scriptClients, String redisSeed, String pgHost,
                 int pgPort, String pgSuperPassword, String pgApp, String pgAppPassword, String pgDatabase,
                 String ledgerPlacement, URI writerMetrics, String only, String pids, int warmUpSeconds,
                 int warmUpLimitSeconds, int batchSize, int rate) {

    static Options parse(String[] args) {
      Map<String, String> given = new HashMap<>();
      for (String arg : args) {
        String[] pair = arg.replaceFirst("^--", "").split("=", 2);
        given.put(pair[0], pair.length > 1 ? pair[1] : "true");
      }
      boolean quick = Boolean.parseBoolean(given.getOrDefault("quick", "false"));
      return new Options(Arrays.stream(given.getOrDefault("edges", "http://127.0.0.1:8080").split(","))
        .map(URI::create).toList(), given.getOrDefault("secret", "wallet-dev-only-jwt-secret-never-use-in-production"),
        quick, number(given, "runs", quick ? 1 : 3), number(given, "seconds", quick ? 3 : 10),
        number(given, "clients", 64), number(given, "pairs", 64), number(given, "wallets", quick ? QUICK_WALLETS : 10_000),
        number(given, "payers", 64), number(given, "sockets", 10_000), number(given, "script-clients", 48),
        given.getOrDefault("redis", "127.0.0.1:7101"), given.getOrDefault("pg-host", "127.0.0.1"),
        number(given, "pg-port", 25432), given.getOrDefault("pg-super-password", "wallet-dev-superuser"),
        given.getOrDefault("pg-user", "wallet_app"), given.getOrDefault("pg-password", "wallet-dev-app"),
        given.getOrDefault("pg-database", "wallet"), given.getOrDefault("ledger-placement", ""),
        URI.create(given.getOrDefault("writer-metrics", "http://127.0.0.1:9181/metrics")),
        given.getOrDefault("only", ""), given.getOrDefault("pids", ""), number(given, "warmup", quick ? 2 : 15),
        number(given, "warmup-limit", quick ? 2 : 300), number(given, "batch-size", 100), number(given, "rate", 0));
    }

    private static int number(Map<String, String> given, String name, int fallback) {
      return given.containsKey(name) ? Integer.parseInt(given.get(name)) : fallback;
    }
  }

  /** A closed-loop scenario's runs, with the ledger's commit delay for the money it moved. */
  private record Measured(String title, List<Load.Result> runs, List<LedgerLag.Delay> lags,
                          List<Map<String, Double>> cpuPerRequest, List<Long> redisBytesPerRequest) {

    Measured(String title) {
      this(title, new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    }

    double median(ToDoubleFunction<Load.Result> value) {
      return WalletBench.median(runs.stream().mapToDouble(value).toArray());
    }
  }

  private final Vertx vertx;
  private final Options options;
  private final BenchHttp http;
  private final LedgerLag ledger;
  private final StringBuilder out = new StringBuilder();
  private final ProcessCpu cpu;
  private final RedisLatency latency;
  /** Per open-loop scenario: share of max, p99 ms, ledger lag p99 ms; for the targets. */
  private final Map<String, List<double[]>> openRows = new ConcurrentHashMap<>();
  private Sockets.Result socketResult;

  private WalletBench(Vertx vertx, Options options) {
    this.vertx = vertx;
    this.options = options;
    this.http = new BenchHttp(vertx, options.edges(), options.secret(), 512);
    LedgerDatabase home = new LedgerDatabase(options.pgHost(), options.pgPort(), options.pgDatabase(), options.pgApp(),
      options.pgAppPassword());
    this.ledger = new LedgerLag(vertx, LedgerPlacement.parse(options.ledgerPlacement(), home,
      new ShardRange(0, ShardId.MAX_SHARDS)), options.writerMetrics());
    this.cpu = options.pids().isEmpty() ? null : new ProcessCpu(java.nio.file.Path.of(options.pids()));
    this.latency = new RedisLatency(vertx, options.redisSeed());
  }

  public static void main(String[] args) {
    Options options = Options.parse(args);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      System.out.print(new WalletBench(vertx, options).run());
    } finally {
      await(vertx.close(), 60);
    }
  }

  private String run() {
    if (!options.only().isEmpty()) {
      return only(options.only());
    }
    progress("making the customers: %d pairs, %d wallets on random shards, a merchant", options.pairs(),
      options.spreadWallets());
    Population population = new Population(vertx, http);
    await(population.treasury((options.pairs() + options.spreadWallets()) * FUNDING_MINOR), 600);
    List<Population.Pair> pairs = await(population.pairs(options.pairs(), FUNDING_MINOR), 600);
    List<Population.Account> spread = await(population.spread(options.spreadWallets(), options.spreadWallets(),
      FUNDING_MINOR), 1_800);
    Population.Account merchant = await(population.merchant(), 60);
    Population.Account stripedMerchant = await(population.stripedMerchant(), 60);
    List<Population.Account> payers = spread.subList(0, Math.min(options.payers(), spread.size()));
    List<Population.Pair> baselinePairs = new ArrayList<>();
    List<Baselines.ScriptTarget> scriptTargets = scriptTargets(pairs, baselinePairs);
    await(ledger.drained(300_000), 310);

    Map<String, Supplier<Load.Requests>> closed = new LinkedHashMap<>();
    closed.put("POST /v1/transfers, same shard", () -> Scenarios.sameShard(http, pairs));
    closed.put("POST /v1/transfers, " + spread.size() + " wallets on random shards",
      () -> Scenarios.randomShards(http, spread, null));
    closed.put("POST /v1/payments, " + payers.size() + " payers to one merchant",
      () -> Scenarios.hotMerchant(http, payers, merchant));
    closed.put("POST /v1/payments, " + payers.size() + ON_STRIPES,
      () -> Scenarios.hotMerchant(http, payers, stripedMerchant));
    closed.put("GET /v1/wallets/{id}", () -> Scenarios.read(http, spread));
    closed.put("GET /health/live", () -> Scenarios.live(http));

    progress("warming up (one discarded run of each)");
    long scriptRequests = warmUp(closed, scriptTargets);
    // the baseline only debits its wallets: a drained one would answer refusals instead of moving money
    for (Population.Pair pair : baselinePairs) {
      await(population.fundBaseline(pair, options.runs() * scriptRequests), 120);
    }
    List<Baselines.Rate> scripts = new ArrayList<>();
    List<Baselines.Rate> pgbench = new ArrayList<>();
    List<Double> redisMsPerScript = new ArrayList<>();
    Map<String, Measured> measured = new LinkedHashMap<>();
    closed.keySet().forEach(title -> measured.put(title, new Measured(title)));
    for (int r = 1; r <= options.runs(); r++) {
      CpuSample beforeScripts = cpuSample();
      scripts.add(Baselines.script(scriptTargets, options.scriptClients(), scriptRequests));
      redisMsPerScript.add(redisMs(beforeScripts) / (scriptRequests * scriptTargets.size()));
      progress("run %d: move.lua via redis-benchmark %.0f/s", r, scripts.get(scripts.size() - 1).perSecond());
      // the scripts' postings reach the ledger after them: measured with the writer still committing them,
      // pgbench shared PostgreSQL with it (until 2026-12-07)
      await(ledger.drained(300_000), 310);
      pgbench.add(Baselines.pgbench(options.pgHost(), options.pgPort(), "postgres", options.pgSuperPassword(),
        "pgbench", 8, options.seconds()));
      progress("run %d: pgbench TPC-B %.0f/s", r, pgbench.get(pgbench.size() - 1).perSecond());
      for (Map.Entry<String, Supplier<Load.Requests>> scenario : closed.entrySet()) {
        measureClosed(measured.get(scenario.getKey()), scenario.getValue().get(), r);
      }
    }
    double script = median(scripts.stream().mapToDouble(Baselines.Rate::perSecond).toArray());
    double pg = median(pgbench.stream().mapToDouble(Baselines.Rate::perSecond).toArray());
    header();
    closedTable(script, pg, scripts, pgbench, measured.values());
    cpuTable(measured.values());
    out.append(String.format(Locale.ROOT, "The same Redis running move.lua for redis-benchmark spent %.2f ms of CPU a "
      + "call (median of the runs; the masters, their replicas, their AOF): the redis column's yardstick.%n%n",
      median(redisMsPerScript.stream().mapToDouble(Double::doubleValue).toArray())));
    batchTable(pairs, measured.get("POST /v1/transfers, same shard"));
    openTable(measured, closed);
    socketsTable(spread);
    targets(script, pg, measured);
    return out.toString();
  }

  /**
   * One scenario alone for the configured seconds, for profiling ({@code --only=same|random|merchant|read}):
   * in a closed loop, or in an open loop at {@code --rate} requests per second (the tail latency
   * the open-loop table measures); no baselines, no tables, one line of result.
   */
  private String only(String scenario) {
    Population population = new Population(vertx, http);
    await(population.treasury((options.pairs() + options.spreadWallets() + options.payers()) * FUNDING_MINOR), 600);
    if (scenario.equals("batch")) {
      List<Population.Pair> pairs = await(population.pairs(options.pairs(), FUNDING_MINOR), 600);
      Measured single = new Measured("POST /v1/transfers, same shard");
      for (int r = 1; r <= options.runs(); r++) {
        measureClosed(single, Scenarios.sameShard(http, pairs), r);
      }
      batchTable(pairs, single);
      return out.toString();
    }
    if (scenario.equals("sockets")) {
      socketsTable(await(population.spread(options.spreadWallets(), options.spreadWallets(), FUNDING_MINOR), 1_800));
      return out.toString();
    }
    // a fresh set of idempotency keys for the warm-up and for the measurement, as in the full run:
    // the same keys again would measure replays (or key reuse), not movements
    Supplier<Load.Requests> requests = switch (scenario) {
      case "same" -> {
        List<Population.Pair> pairs = await(population.pairs(options.pairs(), FUNDING_MINOR), 600);
        yield () -> Scenarios.sameShard(http, pairs);
      }
      case "random" -> {
        List<Population.Account> spread = await(population.spread(options.spreadWallets(), options.spreadWallets(),
          FUNDING_MINOR), 1_800);
        yield () -> Scenarios.randomShards(http, spread, null);
      }
      case "merchant", "striped" -> {
        List<Population.Account> payers = await(population.spread(options.payers(), options.payers(), FUNDING_MINOR),
          600);
        Population.Account merchant = await(scenario.equals("striped") ? population.stripedMerchant()
          : population.merchant(), 60);
        yield () -> Scenarios.hotMerchant(http, payers, merchant);
      }
      case "read" -> {
        List<Population.Account> readers = await(population.spread(options.payers(), options.payers(), 1), 600);
        yield () -> Scenarios.read(http, readers);
      }
      default -> throw new IllegalArgumentException(
        "--only takes same, random, merchant, striped, read, batch or sockets");
    };
    warmUp(scenario, requests);
    // the warm-up's backlog would otherwise be written to the ledger during the measured run
    await(ledger.drained(300_000), 310);
    progress("measuring %s for %d s", scenario, options.seconds());
    RedisMemory memory = new RedisMemory(vertx, options.redisSeed());
    RedisMemory.Sample memoryBefore = await(memory.sample(), 60);
    RedisCommands commands = new RedisCommands(vertx, options.redisSeed());
    RedisCommands.Sample commandsBefore = await(commands.sample(), 60);
    await(latency.reset(), 60);
    CpuSample before = cpuSample();
    Duration measured = Duration.ofSeconds(options.seconds());
    Instant from = Instant.now();
    Load.Result result = await(options.rate() > 0 ? Load.open(vertx, requests.get(), options.rate(), measured)
      : Load.closed(vertx, requests.get(), options.clients(), measured), options.seconds() + 120L);
    Instant to = Instant.now();
    String redisStalls = RedisLatency.summary(await(latency.spikes(), 60));
    await(ledger.drained(300_000), 310);
    String lag = scenario.equals("read") ? "none" : lag(List.of(await(ledger.delay(from, to), 60)));
    Map<String, Double> cpuPerRequest = cpuPerRequest(before, result);
    String commandsPerRequest = RedisCommands.perRequest(commandsBefore, await(commands.sample(), 60), result.answered());
    RedisMemory.Sample memoryAfter = await(trimmed(memory, memoryBefore.outboxEntries(), 30_000), 60);
    return String.format(Locale.ROOT, "%s: %.0f/s p50 %.1f ms p99 %.1f ms p99.9 %.1f ms errors %s; ledger lag "
      + "p50 / p99 / max ms: %s; CPU ms per request: %s; Redis memory kept per request: %d bytes (outbox entries "
      + "%d before, %d after), Redis keys kept without a lifetime per request: %.2f; Redis calls per request, all "
      + "nodes (µs spent in them): %s; Redis latency monitor: %s%n",
      scenario,
      result.perSecond(), result.percentileMs(50), result.percentileMs(99), result.percentileMs(99.9),
      result.errorsText(), lag, cpuLine(cpuPerRequest),
      (memoryAfter.usedBytes() - memoryBefore.usedBytes()) / Math.max(1, result.answered()),
      memoryBefore.outboxEntries(), memoryAfter.outboxEntries(),
      (memoryAfter.keysWithoutLifetime() - memoryBefore.keysWithoutLifetime()) / (double) Math.max(1, result.answered()),
      commandsPerRequest, redisStalls);
  }

  /**
   * The masters' memory once the writer has trimmed the outboxes back to what they held before the
   * run (it trims below what PostgreSQL committed every few seconds), or at the deadline.
   */
  private Future<RedisMemory.Sample> trimmed(RedisMemory memory, long outboxBefore, long withinMs) {
    long deadline = System.currentTimeMillis() + withinMs;
    return memory.sample().compose(sample -> sample.outboxEntries() <= outboxBefore
      || System.currentTimeMillis() >= deadline ? Future.succeededFuture(sample)
      : vertx.timer(500).compose(waited -> trimmed(memory, outboxBefore, deadline - System.currentTimeMillis())));
  }

  // ------------------------------------------------------------------ the runs

  private long warmUp(Map<String, Supplier<Load.Requests>> closed, List<Baselines.ScriptTarget> targets) {
    Baselines.Rate calibration = Baselines.script(targets, options.scriptClients(), 2_000);
    closed.forEach(this::warmUp);
    await(ledger.drained(300_000), 310);
    return Math.max(2_000, (long) (calibration.perSecond() / targets.size() * options.seconds()));
  }

  private void measureClosed(Measured scenario, Load.Requests requests, int run) {
    RedisMemory memory = new RedisMemory(vertx, options.redisSeed());
    RedisMemory.Sample memoryBefore = await(memory.sample(), 60);
    Instant from = Instant.now();
    CpuSample cpuBefore = cpuSample();
    Load.Result result = await(Load.closed(vertx, requests, options.clients(), Duration.ofSeconds(options.seconds())),
      options.seconds() + 120L);
    Instant to = Instant.now();
    scenario.runs().add(result);
    if (scenario.title().startsWith("POST")) {
      await(ledger.drained(300_000), 310);
      scenario.lags().add(await(ledger.delay(from, to), 60));
    }
    scenario.cpuPerRequest().add(cpuPerRequest(cpuBefore, result)); // after the drain: the ledger's share too
    // the writer trims the outboxes every few seconds: --quick does not wait for it to weigh what a movement keeps
    if (scenario.title().startsWith("POST") && !options.quick()) {
      RedisMemory.Sample memoryAfter = await(trimmed(memory, memoryBefore.outboxEntries(), 30_000), 60);
      scenario.redisBytesPerRequest().add((memoryAfter.usedBytes() - memoryBefore.usedBytes())
        / Math.max(1, result.answered()));
    }
    progress("run %d: %s %.0f/s p50 %.1f ms p99 %.1f ms errors %s; CPU ms per request: %s", run, scenario.title(),
      result.perSecond(), result.percentileMs(50), result.percentileMs(99), result.errorsText(),
      cpuLine(scenario.cpuPerRequest().get(scenario.cpuPerRequest().size() - 1)));
  }

  /** CPU milliseconds used so far by each measured process, and by the JIT compilers among them. */
  private record CpuSample(Map<String, Double> processes, double compilersMs) {
  }

  private CpuSample cpuSample() {
    Map<String, Double> sample = cpu == null ? new LinkedHashMap<>() : cpu.sample();
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    sample.put("load generator", ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() / 1e6);
    return new CpuSample(sample, cpu == null ? 0 : cpu.compilersMs());
  }

  /**
   * CPU milliseconds per answered request, by group of processes (the edges together, Redis
   * together), their sum, and how much of that sum the JIT compilers spent.
   */
  private Map<String, Double> cpuPerRequest(CpuSample before, Load.Result result) {
    Map<String, Double> grouped = new LinkedHashMap<>();
    CpuSample after = cpuSample();
    long answered = Math.max(1, result.answered());
    ProcessCpu.since(before.processes(), after.processes()).forEach((name, ms) ->
      grouped.merge(name.replaceAll("-\\d+$", ""), Math.max(0, ms) / answered, Double::sum));
    grouped.put(ALL, grouped.values().stream().mapToDouble(Double::doubleValue).sum());
    grouped.put(COMPILERS, (after.compilersMs() - before.compilersMs()) / answered);
    return grouped;
  }

  /** CPU milliseconds the Redis nodes used since {@code before}. */
  private double redisMs(CpuSample before) {
    return ProcessCpu.since(before.processes(), cpuSample().processes()).entrySet().stream()
      .filter(used -> used.getKey().startsWith("redis")).mapToDouble(used -> Math.max(0, used.getValue())).sum();
  }

  /** The CPU the measured processes used since {@code before}, as a share of all the machine's cores. */
  private double machineShare(CpuSample before, long elapsedNanos) {
    double used = ProcessCpu.since(before.processes(), cpuSample().processes()).values().stream()
      .mapToDouble(ms -> Math.max(0, ms)).sum();
    return used / (elapsedNanos / 1e6) / Runtime.getRuntime().availableProcessors();
  }

  /**
   * A scenario in a closed loop for the warm-up seconds, and then on, slice by slice, while the
   * JIT compilers of the measured processes are still busy (up to the warm-up's limit): a process
   * measured while C2 compiles its hot paths spends two to four times the CPU a request it spends
   * once they are compiled, and on two cores the compilers take it from everything else.
   */
  private void warmUp(String scenario, Supplier<Load.Requests> requests) {
    warmUp(scenario, seconds -> Load.closed(vertx, requests.get(), options.clients(), Duration.ofSeconds(seconds)),
      options.warmUpLimitSeconds());
  }

  /** The same, with {@code slice} running the load for the seconds given, for at most {@code limitSeconds}. */
  private void warmUp(String scenario, java.util.function.LongFunction<Future<Load.Result>> slice, long limitSeconds) {
    long started = System.nanoTime();
    int settledSlices = 0;
    while (elapsedSeconds(started) < options.warmUpSeconds()
      || settledSlices < SETTLED_SLICES && elapsedSeconds(started) < limitSeconds) {
      CpuSample before = cpuSample();
      long sliceStarted = System.nanoTime();
      long sliceSeconds = Math.max(1, Math.min(WARM_UP_SLICE_SECONDS, options.warmUpSeconds()));
      Load.Result sliceRun = await(slice.apply(sliceSeconds), 600);
      double compilersShare = (cpuSample().compilersMs() - before.compilersMs())
        / ((System.nanoTime() - sliceStarted) / 1e6);
      settledSlices = compilersShare <= SETTLED_COMPILERS_SHARE ? settledSlices + 1 : 0;
      progress("warming up %s: %d s, %.0f/s, the JIT compilers used %.0f %% of a core", scenario,
        elapsedSeconds(started), sliceRun.perSecond(), compilersShare * 100);
    }
  }

  private static long elapsedSeconds(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1_000_000_000L;
  }

  private static String cpuLine(Map<String, Double> perRequest) {
    StringBuilder line = new StringBuilder();
    perRequest.forEach((name, ms) -> line.append(String.format(Locale.ROOT, "%s %.2f, ", name, ms)));
    return line.length() == 0 ? "" : line.substring(0, line.length() - 2);
  }

  /** An open-loop run and the CPU its requests cost, until the ledger had caught up with them. */
  private record OpenRun(Load.Result result, double cpuMsPerRequest, List<RedisLatency.Spike> redisStalls) {
  }

  private OpenRun measureOpen(Load.Requests requests, double perSecond, List<LedgerLag.Delay> lag) {
    await(latency.reset(), 60);
    Instant from = Instant.now();
    CpuSample cpuBefore = cpuSample();
    Load.Result result = await(Load.open(vertx, requests, perSecond, Duration.ofSeconds(options.seconds())),
      options.seconds() + 180L);
    Instant to = Instant.now();
    List<RedisLatency.Spike> stalls = await(latency.spikes(), 60);
    await(ledger.drained(300_000), 310);
    double cpu = cpuPerRequest(cpuBefore, result).get(ALL);
    lag.add(await(ledger.delay(from, to), 60));
    return new OpenRun(result, cpu, stalls);
  }

  /** For each master, a pair of wallets on a shard it serves (added to {@code chosen}), and the move.lua call between them. */
  private List<Baselines.ScriptTarget> scriptTargets(List<Population.Pair> pairs, List<Population.Pair> chosen) {
    String[] seed = options.redisSeed().split(":");
    Redis redis = Redis.createClient(vertx, "redis://" + options.redisSeed());
    Response slots = await(redis.send(Request.cmd(Command.CLUSTER).arg("SLOTS")), 30);
    redis.close();
    Map<String, Baselines.ScriptTarget> byMaster = new LinkedHashMap<>();
    for (Population.Pair pair : pairs) {
      int slot = MoveScriptCall.slot(new WalletId(pair.first().wallet()));
      for (Response range : slots) {
        if (range.get(0).toInteger() <= slot && slot <= range.get(1).toInteger()) {
          String host = range.get(2).get(0).toString();
          int port = range.get(2).get(1).toInteger();
          if (!byMaster.containsKey(host + ":" + port)) {
            chosen.add(pair);
            byMaster.put(host + ":" + port, new Baselines.ScriptTarget(host.isEmpty() ? seed[0] : host, port,
              MoveScriptCall.transfer(new WalletId(pair.first().wallet()), new WalletId(pair.second()), CENT,
                pair.first().owner(), benchChecks())));
          }
        }
      }
    }
    if (byMaster.size() < slots.size()) {
      throw new IllegalStateException("no pair landed on every master; run with more --pairs");
    }
    return new ArrayList<>(byMaster.values());
  }

  /** The three windows the bench tier's rules make the money core count with every transfer. */
  private static List<LimitCheck> benchChecks() {
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    return List.of(new LimitCheck("daily", "p2p_send:USD:d:" + today, 1_000_000_000_000L, -1, 86_400_000),
      new LimitCheck("monthly", "p2p_send:USD:m:" + today.toString().substring(0, 7), 10_000_000_000_000L, -1,
        31L * 86_400_000),
      new LimitCheck("velocity", "out:v:" + Instant.now().toString().substring(0, 16).replace(':', '-'), -1,
        1_000_000, 60_000));
  }

  // ------------------------------------------------------------------ the tables

  private void header() {
    out.append(String.format(Locale.ROOT, "Edges: %s; %d run(s) of %d s each, medians; closed loop with %d "
        + "connections; %d same-shard pairs, %d wallets on random shards (one owner each), %d payers.%n%n",
      options.edges(), options.runs(), options.seconds(), options.clients(), options.pairs(),
      options.spreadWallets(), options.payers()));
  }

  private void closedTable(double script, double pg, List<Baselines.Rate> scripts, List<Baselines.Rate> pgbench,
                           Iterable<Measured> measured) {
    out.append("| what | per second (range) | × move.lua | × pgbench | p50 ms | p99 ms | p99.9 ms | errors "
      + "| ledger lag p50 / p99 / max ms |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    out.append(baselineRow("move.lua via redis-benchmark, every master at once, " + options.scriptClients()
      + " clients", scripts, script, pg));
    out.append(baselineRow("pgbench TPC-B, scale 10, 8 clients (p50 column: its average latency)", pgbench, script,
      pg));
    for (Measured m : measured) {
      double rate = m.median(Load.Result::perSecond);
      out.append(String.format(Locale.ROOT, "| %s | %.0f (%.0f-%.0f) | %.2f | %.2f | %.1f | %.1f | %.1f | %s | %s |%n",
        m.title(), rate, m.runs().stream().mapToDouble(Load.Result::perSecond).min().orElse(0),
        m.runs().stream().mapToDouble(Load.Result::perSecond).max().orElse(0), rate / script, rate / pg,
        m.median(r -> r.percentileMs(50)), m.median(r -> r.percentileMs(99)), m.median(r -> r.percentileMs(99.9)),
        Load.Result.errorsText(m.runs()), lag(m.lags())));
    }
    out.append('\n');
  }

  /** Where each scenario's CPU went: milliseconds per answered request, medians over the runs. */
  private void cpuTable(Iterable<Measured> measured) {
    List<String> groups = new ArrayList<>();
    measured.forEach(m -> m.cpuPerRequest().forEach(sample -> sample.keySet().stream().filter(g -> !groups.contains(g))
      .forEach(groups::add)));
    groups.remove(ALL);
    groups.remove(COMPILERS);
    groups.add(ALL);
    groups.add(COMPILERS);
    out.append("CPU per request (ms, all processes of the machine's wallet; closed loop, medians), and the Redis "
        + "memory a movement leaves (the masters' used_memory_dataset over the run once the ledger has it; "
        + "replicas hold as much again):\n\n| scenario | ")
      .append(String.join(" | ", groups)).append(" | Redis bytes kept |\n|---|").append("---:|".repeat(groups.size() + 1))
      .append('\n');
    for (Measured m : measured) {
      out.append("| ").append(m.title()).append(" |");
      for (String group : groups) {
        out.append(String.format(Locale.ROOT, " %.2f |", median(m.cpuPerRequest().stream()
          .mapToDouble(sample -> sample.getOrDefault(group, 0.0)).toArray())));
      }
      out.append(m.redisBytesPerRequest().isEmpty() ? " |" : String.format(Locale.ROOT, " %.0f |",
        median(m.redisBytesPerRequest().stream().mapToDouble(Long::doubleValue).toArray())));
      out.append('\n');
    }
    out.append('\n');
  }

  private static String baselineRow(String title, List<Baselines.Rate> rates, double script, double pg) {
    double rate = median(rates.stream().mapToDouble(Baselines.Rate::perSecond).toArray());
    return String.format(Locale.ROOT, "| %s | %.0f (%.0f-%.0f) | %.2f | %.2f | %.1f | | | | |%n", title, rate,
      rates.stream().mapToDouble(Baselines.Rate::perSecond).min().orElse(0),
      rates.stream().mapToDouble(Baselines.Rate::perSecond).max().orElse(0), rate / script, rate / pg,
      median(rates.stream().mapToDouble(Baselines.Rate::p50Ms).toArray()));
  }

  private void openTable(Map<String, Measured> measured, Map<String, Supplier<Load.Requests>> closed) {
    out.append("Open loop (constant rate; latency counted from when each request was due; CPU per request of "
        + "all the processes measured, until the ledger had caught up):\n\n")
      .append("| scenario | offered per second (share of max) | answered per second | p50 ms | p99 ms | p99.9 ms "
        + "| errors | ledger lag p50 / p99 / max ms | CPU ms per request |\n"
        + "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    StringBuilder stalls = new StringBuilder();
    for (Measured m : measured.values()) {
      if (!m.title().startsWith("POST") || (options.quick() && m.title().contains("payments"))) {
        continue;
      }
      double max = m.median(Load.Result::perSecond);
      for (double share : options.quick() ? QUICK_OPEN_LOOP_SHARES : OPEN_LOOP_SHARES) {
        List<LedgerLag.Delay> lag = new ArrayList<>();
        OpenRun run = measureOpen(closed.get(m.title()).get(), max * share, lag);
        Load.Result result = run.result();
        progress("open loop %s at %.0f/s: p99 %.1f ms errors %s", m.title(), max * share, result.percentileMs(99),
          result.errorsText());
        openRows.computeIfAbsent(m.title(), t -> new ArrayList<>()).add(new double[] {share,
          result.percentileMs(99), lag.get(0).p99Ms()});
        out.append(String.format(Locale.ROOT, "| %s | %.0f (%.0f %%) | %.0f | %.1f | %.1f | %.1f | %s | %s | %.2f |%n",
          m.title(), max * share, share * 100, result.perSecond(), result.percentileMs(50), result.percentileMs(99),
          result.percentileMs(99.9), result.errorsText(), lag(lag), run.cpuMsPerRequest()));
        if (!run.redisStalls().isEmpty()) {
          stalls.append(String.format(Locale.ROOT, "- %s at %.0f %%: %s%n", m.title(), share * 100,
            RedisLatency.summary(run.redisStalls())));
        }
      }
    }
    out.append('\n').append("Redis's latency monitor during the open loops (seconds in which an event on a node took "
      + "longer than its latency-monitor-threshold, scripts/infra-up.sh; node, event, seconds, the worst): ")
      .append(stalls.isEmpty() ? "nothing in any of them.\n\n" : "\n\n" + stalls + "\n");
  }

  /**
   * Transfers per second through POST /v1/transfers/batch (items applied, not requests answered)
   * next to single same-shard requests, on the same pairs: each batch moves between one pair's two
   * wallets, without and with "atomic". Fewer connections than the closed loop's, since every
   * request carries a batch of transfers.
   */
  private void batchTable(List<Population.Pair> pairs, Measured single) {
    int clients = Math.max(1, options.clients() / 8);
    out.append(String.format(Locale.ROOT, "Bulk postings: transfers per second through the batch route (batches "
        + "of %d same-shard transfers, %d connections) next to single requests (%d connections):%n%n"
        + "| what | transfers per second (range) | requests per second | p50 ms | p99 ms | errors |%n"
        + "|---|---:|---:|---:|---:|---:|%n", options.batchSize(), clients, options.clients()));
    double rate = single.median(Load.Result::perSecond);
    out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.1f | %.1f | %s |%n", single.title(), rate, rate,
      single.median(r -> r.percentileMs(50)), single.median(r -> r.percentileMs(99)),
      Load.Result.errorsText(single.runs())));
    for (boolean atomic : new boolean[] {false, true}) {
      out.append(batchRow(pairs, clients, atomic));
    }
    out.append('\n');
  }

  private String batchRow(List<Population.Pair> pairs, int clients, boolean atomic) {
    String title = "POST /v1/transfers/batch" + (atomic ? ", atomic" : "");
    double[] transfers = new double[options.runs()];
    List<Load.Result> runs = new ArrayList<>();
    for (int r = 0; r < options.runs(); r++) {
      AtomicLong applied = new AtomicLong();
      Load.Result result = await(Load.closed(vertx, Scenarios.sameShardBatches(http, pairs, options.batchSize(),
        atomic, applied), clients, Duration.ofSeconds(options.seconds())), options.seconds() + 120L);
      transfers[r] = applied.get() / result.seconds();
      runs.add(result);
      await(ledger.drained(300_000), 310);
      progress("run %d: %s %.0f transfers/s (%.0f batches/s) p50 %.1f ms p99 %.1f ms errors %s", r + 1, title,
        transfers[r], result.perSecond(), result.percentileMs(50), result.percentileMs(99), result.errorsText());
    }
    Measured measured = new Measured(title, runs, List.of(), List.of(), List.of());
    return String.format(Locale.ROOT, "| %s | %.0f (%.0f-%.0f) | %.0f | %.1f | %.1f | %s |%n", title,
      median(transfers), Arrays.stream(transfers).min().orElse(0), Arrays.stream(transfers).max().orElse(0),
      measured.median(Load.Result::perSecond), measured.median(r -> r.percentileMs(50)),
      measured.median(r -> r.percentileMs(99)), Load.Result.errorsText(runs));
  }

  /**
   * The pushes matched once every transfer's push has arrived, or at the deadline: a push still
   * missing then is counted as never pushed. A transfer whose source wallet has no socket left open
   * (the edge closed them, e.g. as too slow) cannot be pushed, and is not waited for.
   */
  private Future<Sockets.Result> pushed(Sockets sockets, Map<String, Sockets.Sent> transfers, long deadline) {
    Sockets.Result result = sockets.measure(transfers);
    return result.missing() == 0 || System.currentTimeMillis() >= deadline ? Future.succeededFuture(result)
      : vertx.timer(100).compose(waited -> pushed(sockets, transfers, deadline));
  }

  private void socketsTable(List<Population.Account> spread) {
    int count = Math.min(options.sockets(), spread.size());
    int perOwner = (options.sockets() + count - 1) / count;
    if (perOwner > SOCKETS_PER_CALLER) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "%d sockets over %d wallets (one owner each) are %d "
        + "per owner; an edge lets a caller hold %d by default (WALLET_WS_MAX_PER_CALLER): give more --wallets",
        options.sockets(), count, perOwner, SOCKETS_PER_CALLER));
    }
    List<Population.Account> distinct = spread.subList(0, count);
    List<Population.Account> watched = new ArrayList<>();
    while (watched.size() < options.sockets()) {
      watched.addAll(distinct.subList(0, Math.min(count, options.sockets() - watched.size())));
    }
    Sockets sockets = new Sockets(vertx, options.edges().get(0), options.sockets());
    progress("opening %d balance sockets on %s", options.sockets(), options.edges().get(0));
    int held = await(sockets.connect(watched), 600);
    progress("%d sockets held", held);
    double rate = 200;
    // the pushes' own code (the feed, the sockets' writes) runs first here: warmed up as every scenario
    // is, for at most a minute (at this rate the compilers may never fall under their share)
    warmUp("the balance sockets", seconds -> Load.open(vertx, Scenarios.randomShards(http, distinct, null), rate,
      Duration.ofSeconds(seconds)), Math.min(options.warmUpLimitSeconds(), SOCKETS_WARM_UP_LIMIT_SECONDS));
    Map<String, Sockets.Sent> transfers = new ConcurrentHashMap<>();
    CpuSample cpuBefore = cpuSample();
    long started = System.nanoTime();
    Load.Result load = await(Load.open(vertx, Scenarios.randomShards(http, distinct, transfers), rate,
      Duration.ofSeconds(options.seconds())), options.seconds() + 180L);
    double busy = machineShare(cpuBefore, System.nanoTime() - started);
    socketResult = await(pushed(sockets, transfers, System.currentTimeMillis() + PUSH_PATIENCE_MS), 60);
    await(sockets.close(), 120);
    out.append(String.format(Locale.ROOT, "Live balances: %d sockets held on one edge (%d distinct wallets; %d "
        + "upgrades answered 503 and retried), random transfers among them at %.0f/s (%d answered, errors: %s; "
        + "the wallet's processes and the load generator used %.0f %% of the machine's %d cores meanwhile):%n%n",
        held, count, sockets.retried(), rate, load.answered(), load.errorsText(), busy * 100,
        Runtime.getRuntime().availableProcessors()))
      .append("| pushes matched to transfers | never pushed (within 10 s) | its wallet's sockets closed by the edge "
        + "| sockets closed by the edge (by close code) | push p50 ms | p99 ms | p99.9 ms |\n"
        + "|---:|---:|---:|---:|---:|---:|---:|\n")
      .append(String.format(Locale.ROOT, "| %d | %d | %d | %s | %.1f | %.1f | %.1f |%n%n", socketResult.matched(),
        socketResult.missing(), socketResult.unwatched(), closes(socketResult.closedByEdge()),
        socketResult.percentileMs(50), socketResult.percentileMs(99), socketResult.percentileMs(99.9)));
  }

  private static String closes(Map<Integer, Long> byCode) {
    return byCode.isEmpty() ? "0" : byCode.entrySet().stream().sorted(Map.Entry.comparingByKey())
      .map(code -> code.getValue() + " (" + code.getKey() + ")").collect(java.util.stream.Collectors.joining(", "));
  }

  private void targets(double script, double pg, Map<String, Measured> measured) {
    List<Measured> all = new ArrayList<>(measured.values());
    double same = all.get(0).median(Load.Result::perSecond);
    double random = all.get(1).median(Load.Result::perSecond);
    out.append("| target (issue 8) | measured | met |\n|---|---:|:---:|\n");
    target("same-shard transfers ≥ 0.5 × move.lua", same / script, same / script >= 0.5, "%.2f ×");
    target("transfers on random shards ≥ 0.25 × move.lua", random / script, random / script >= 0.25, "%.2f ×");
    target("same-shard transfers ≥ 3 × pgbench TPC-B", same / pg, same / pg >= 3, "%.2f ×");
    target("transfers on random shards ≥ 3 × pgbench TPC-B", random / pg, random / pg >= 3, "%.2f ×");
    openRows.forEach((title, rows) -> rows.stream().filter(row -> row[0] == 0.70)
      .forEach(row -> {
        double p99 = row[1];
        double lag = row[2];
        target(title + ": p99 < 25 ms at 70 % of max", p99, p99 < 25, "%.1f ms");
        target(title + ": ledger lag p99 < 1 s at 70 % of max", lag, lag < 1_000, "%.0f ms");
      }));
    all.stream().filter(m -> m.title().endsWith(ON_STRIPES)).findFirst().ifPresent(striped -> {
      double ratio = striped.median(Load.Result::perSecond) / same;
      target("payments from all shards to one merchant on credit stripes ≥ 0.8 × same-shard transfers (issue 10)",
        ratio, ratio >= 0.8, "%.2f ×");
    });
    double push = socketResult.percentileMs(99);
    target(socketResult.held() + " sockets on one edge, push p99 < 50 ms", push,
      socketResult.held() >= 10_000 && push < 50, "%.1f ms");
    out.append(String.format(Locale.ROOT, "%nThe two pgbench targets lie above the Redis underneath the wallet: in "
      + "this run `move.lua` alone, the script a transfer runs once, on the same Redis while the wallet idled, ran at "
      + "%.2f × pgbench. A wallet that lost nothing on its way to the script would reach that, not 3 ×.%n", script / pg));
  }

  private void target(String what, double value, boolean met, String format) {
    out.append("| ").append(what).append(" | ").append(String.format(Locale.ROOT, format, value)).append(" | ")
      .append(met ? "yes" : "**no**").append(" |\n");
  }

  private static String lag(List<LedgerLag.Delay> lags) {
    if (lags.isEmpty()) {
      return "";
    }
    return String.format(Locale.ROOT, "%.0f / %.0f / %.0f", median(lags.stream().mapToDouble(LedgerLag.Delay::p50Ms)
        .toArray()), median(lags.stream().mapToDouble(LedgerLag.Delay::p99Ms).toArray()),
      median(lags.stream().mapToDouble(LedgerLag.Delay::maxMs).toArray()));
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
  }

  private static void progress(String format, Object... args) {
    Progress.say(format, args);
  }

  private static <T> T await(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer within " + seconds + " s", e);
    }
  }
}
