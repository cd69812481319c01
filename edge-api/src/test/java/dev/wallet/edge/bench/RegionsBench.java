package dev.wallet.edge.bench;

import dev.wallet.balancecache.async.Sequential;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Two regions on one machine with a delay between them (scripts/bench-regions.sh starts them; this
 * runs the links and the load, in a separate JVM): whether transfers to the other region slow a
 * region's own traffic, and how long they take to settle. Each region reaches the other through a
 * {@link DelayProxy} in this process, so a message between regions and its answer each wait the
 * delay, as over a link between continents; clients reach their region's edges directly.
 *
 * <p>Each round runs region a's own transfers (1 cent between the two wallets of a pair, one script)
 * in an open loop at {@code --rate} three times, in an order that turns with each round: alone; beside
 * transfers from region a's wallets to region b's at {@code --cross-rate} over a link without delay;
 * and beside the same over the link with the delay. The last two differ only in the delay, so what
 * the delay does to region a's own traffic is their difference; the first says what the transfers to
 * region b cost it on this machine, where both regions share two cores. Latency is counted from when
 * each request was due. A transfer between regions is settled when its source's ledger has its
 * completion: its settle time is that posting's money-core stamp minus its debit's. With {@code --pids}
 * (a file of {@code region/name pid} lines) it reads every process's CPU over each phase's load: what
 * a phase beside transfers to region b used more than one alone, over those transfers, is what a
 * transfer between regions costs, in each region. With {@code --cross=payments} what goes to region
 * b is payments to its merchants (one for every ten of {@code --wallets}) instead of transfers: the
 * same saga, plus what the payer's edge must know of the merchant (docs/architecture.md, "Regions").
 * With {@code --loss=N} the links lose N % of the requests and, apart, N % of the answers (after the
 * work was done), and {@code --jitter-ms} reorders them; the run then ends by checking that region
 * b's receivers hold exactly one cent per transfer region a's ledger completed. Prints a markdown
 * section.
 */
public final class RegionsBench {

  private static final long FUNDING_MINOR = 100_000;

  /** Settings, from the command line ({@code --name=value}). */
  record Options(List<URI> regionA, List<URI> regionB, String secret, int proxyAPort, int proxyBPort, long delayMs,
                 int rate, int crossRate, int seconds, int rounds, int warmUpSeconds, int pairs, int wallets,
                 String pgHost, int pgPort, String pgDatabase, String pgUser, String pgPassword, String pids,
                 boolean payments, int lossPercent, int jitterMs) {

    static Options parse(String[] args) {
      Map<String, String> given = new HashMap<>();
      for (String arg : args) {
        String[] pair = arg.replaceFirst("^--", "").split("=", 2);
        given.put(pair[0], pair.length > 1 ? pair[1] : "true");
      }
      return new Options(uris(given.getOrDefault("region-a", "http://127.0.0.1:8080")),
        uris(given.getOrDefault("region-b", "http://127.0.0.1:8280")),
        given.getOrDefault("secret", "wallet-dev-only-jwt-secret-never-use-in-production"),
        number(given, "proxy-a-port", 8380), number(given, "proxy-b-port", 8381), number(given, "delay-ms", 100),
        number(given, "rate", 100), number(given, "cross-rate", 20), number(given, "seconds", 20),
        number(given, "rounds", 3), number(given, "warmup", 20), number(given, "pairs", 64),
        number(given, "wallets", 200), given.getOrDefault("pg-host", "127.0.0.1"), number(given, "pg-port", 25432),
        given.getOrDefault("pg-database", "wallet"), given.getOrDefault("pg-user", "wallet_app"),
        given.getOrDefault("pg-password", "wallet-dev-app"), given.getOrDefault("pids", ""),
        cross(given.getOrDefault("cross", "transfers")), number(given, "loss", 0), number(given, "jitter-ms", 0));
    }

    /** What goes to region b: transfers to its wallets, or payments to its merchants. */
    private static boolean cross(String kind) {
      if (!kind.equals("transfers") && !kind.equals("payments")) {
        throw new IllegalArgumentException("--cross takes transfers or payments, got " + kind);
      }
      return kind.equals("payments");
    }

    private static List<URI> uris(String list) {
      return Arrays.stream(list.split(",")).map(URI::create).toList();
    }

    private static int number(Map<String, String> given, String name, int fallback) {
      return given.containsKey(name) ? Integer.parseInt(given.get(name)) : fallback;
    }
  }

  /** One phase of a round: region a's own transfers, and those to region b when any were offered. */
  private record Phase(Kind kind, Load.Result own, Load.Result cross, Settled settled, Map<String, Double> cpu) {

    /** CPU milliseconds its load used in {@code region}'s processes ("a" or "b"). */
    double cpuOf(String region) {
      return cpu.entrySet().stream().filter(e -> e.getKey().startsWith(region + "/")).mapToDouble(Map.Entry::getValue)
        .sum();
    }
  }

  /** What runs beside region a's own transfers. */
  private enum Kind {
    ALONE("alone"), NEAR("beside transfers to region b, no delay"), FAR("beside transfers to region b, delayed");

    final String title;

    Kind(String title) {
      this.title = title;
    }
  }

  /** Settle times of the transfers between regions of a phase, in ms; {@code settled} of {@code sent}. */
  private record Settled(long sent, long settled, double p50Ms, double p99Ms, double maxMs) {
  }

  private final Vertx vertx;
  private final Options options;
  private final BenchHttp httpA;
  private final BenchHttp httpB;
  private final Pool ledgerA;
  private final ProcessCpu cpu;
  private List<DelayProxy> links = List.of();
  /** Every movement to region b answered 202, warm-up included. */
  private final List<String> everySent = new ArrayList<>();
  /** What every phase's requests to region b were answered, warm-up included. */
  private final List<Load.Result> crossResults = new ArrayList<>();

  private RegionsBench(Vertx vertx, Options options) {
    this.vertx = vertx;
    this.options = options;
    this.httpA = new BenchHttp(vertx, options.regionA(), options.secret(), 256);
    this.httpB = new BenchHttp(vertx, options.regionB(), options.secret(), 64);
    this.ledgerA = PgBuilder.pool().connectingTo(new PgConnectOptions().setHost(options.pgHost())
      .setPort(options.pgPort()).setDatabase(options.pgDatabase()).setUser(options.pgUser())
      .setPassword(options.pgPassword())).using(vertx).build();
    this.cpu = options.pids().isEmpty() ? null : new ProcessCpu(java.nio.file.Path.of(options.pids()));
  }

  public static void main(String[] args) {
    Options options = Options.parse(args);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      System.out.print(new RegionsBench(vertx, options).run());
    } finally {
      await(vertx.close(), 60);
    }
  }

  private String run() {
    List<DelayProxy> links = List.of(
      await(DelayProxy.start(vertx, options.proxyAPort(), options.regionA().get(0), options.delayMs()), 10),
      await(DelayProxy.start(vertx, options.proxyBPort(), options.regionB().get(0), options.delayMs()), 10));
    this.links = links;
    links.forEach(link -> link.lossy(options.lossPercent(), options.jitterMs()));
    try {
      Population inA = new Population(vertx, httpA);
      Population inB = new Population(vertx, httpB);
      progress("making customers: %d pairs and %d wallets in region a, %d wallets in region b", options.pairs(),
        options.wallets(), options.wallets());
      await(inA.treasury((options.pairs() + options.wallets()) * FUNDING_MINOR), 600);
      await(inB.treasury(options.wallets()), 600);
      List<Population.Pair> pairs = await(inA.pairs(options.pairs(), FUNDING_MINOR), 600);
      List<Population.Account> senders = await(inA.spread(options.wallets(), options.wallets(), FUNDING_MINOR), 600);
      List<Population.Account> receivers = options.payments() ? merchants(inB)
        : await(inB.spread(options.wallets(), options.wallets(), 1), 600);
      progress("warming up for %d s", options.warmUpSeconds());
      phase(Kind.FAR, pairs, senders, receivers, options.warmUpSeconds());
      List<Phase> phases = new ArrayList<>();
      Kind[] kinds = Kind.values();
      for (int round = 0; round < options.rounds(); round++) {
        for (int i = 0; i < kinds.length; i++) {
          Phase measured = phase(kinds[(i + round) % kinds.length], pairs, senders, receivers, options.seconds());
          progress("round %d: %s", round + 1, line(measured));
          phases.add(measured);
        }
      }
      return report(phases) + conservation(senders, receivers);
    } finally {
      links.forEach(link -> await(link.close(), 10));
      await(ledgerA.close(), 10);
    }
  }

  private Phase phase(Kind kind, List<Population.Pair> pairs, List<Population.Account> senders,
                      List<Population.Account> receivers, int seconds) {
    links.forEach(link -> link.delay(kind == Kind.NEAR ? 0 : options.delayMs()));
    int crossRate = kind == Kind.ALONE ? 0 : options.crossRate();
    Duration length = Duration.ofSeconds(seconds);
    Set<String> sent = ConcurrentHashMap.newKeySet();
    Map<String, Double> before = cpu == null ? Map.of() : cpu.sample();
    Future<Load.Result> own = Load.open(vertx, Scenarios.sameShard(httpA, pairs), options.rate(), length);
    Future<Load.Result> cross = crossRate == 0 ? Future.succeededFuture()
      : Load.open(vertx, toRegionB(senders, receivers, sent), crossRate, length);
    await(Future.all(own, cross), seconds + 120L);
    Map<String, Double> used = cpu == null ? Map.of() : ProcessCpu.since(before, cpu.sample());
    Settled settled = crossRate == 0 ? null : await(settled(List.copyOf(sent)), 300);
    everySent.addAll(sent);
    if (cross.result() != null) {
      crossResults.add(cross.result());
    }
    return new Phase(kind, own.result(), cross.result(), settled, used);
  }

  /** Region b's merchants, one for every ten wallets: checkouts, each paid by many customers. */
  private List<Population.Account> merchants(Population inB) {
    List<Population.Account> merchants = new ArrayList<>();
    for (int i = 0; i < Math.max(1, options.wallets() / 10); i++) {
      merchants.add(await(inB.merchant("bench-merchant-" + i), 60));
    }
    return merchants;
  }

  /**
   * 1 cent from a random wallet of region a to a random wallet of region b (a transfer) or to a
   * random merchant of region b (a payment); remembers each id answered.
   */
  private Load.Requests toRegionB(List<Population.Account> senders, List<Population.Account> receivers,
                                  Set<String> sent) {
    String keys = UUID.randomUUID().toString();
    return new Load.Requests() {
      @Override
      public Future<BenchHttp.Answer> send(long n) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        Population.Account from = senders.get(random.nextInt(senders.size()));
        Population.Account to = receivers.get(random.nextInt(receivers.size()));
        String body = options.payments()
          ? "{\"fromWalletId\":\"" + from.wallet() + "\",\"merchantWalletId\":\"" + to.wallet() + "\",\"amount\":1,"
            + "\"currency\":\"USD\"}"
          : "{\"fromWalletId\":\"" + from.wallet() + "\",\"toWalletId\":\"" + to.wallet() + "\",\"amount\":1,"
            + "\"currency\":\"USD\"}";
        return httpA.post(options.payments() ? "/v1/payments" : "/v1/transfers", from.token(), keys + n, body)
          .onSuccess(answer -> {
            if (answer.status() == 202) {
              sent.add(answer.json().getString("id"));
            }
          });
      }

      @Override
      public boolean succeeded(int status) {
        return status == 202;
      }
    };
  }

  /**
   * Waits until region a's ledger has the end of every transfer {@code ids} names (or two minutes
   * passed), then reads each one's settle time: its completion's stamp minus its debit's.
   */
  private Future<Settled> settled(List<String> ids) {
    long deadline = System.currentTimeMillis() + 120_000;
    String[] movements = ids.toArray(String[]::new);
    return Sequential.repeatWhile(() -> ends(movements).compose(ended ->
        ended >= ids.size() || System.currentTimeMillis() > deadline ? Future.succeededFuture(false)
          : vertx.timer(500).map(true)))
      .compose(waited -> ledgerA.preparedQuery("""
          SELECT extract(epoch FROM max(created_at) - min(created_at))::float8 * 1000 AS ms
            FROM postings WHERE reference = ANY($1) AND type IN ($2, $3)
           GROUP BY reference HAVING count(*) = 2""").execute(Tuple.of(movements, movement() + "_debit",
          movement() + "_completed")))
      .map(rows -> {
        double[] times = new double[rows.size()];
        int i = 0;
        for (Row row : rows) {
          times[i++] = row.getDouble("ms");
        }
        Arrays.sort(times);
        return times.length == 0 ? new Settled(ids.size(), 0, Double.NaN, Double.NaN, Double.NaN)
          : new Settled(ids.size(), times.length, times[(int) (0.5 * (times.length - 1))],
            times[(int) Math.ceil(0.99 * (times.length - 1))], times[times.length - 1]);
      });
  }

  private Future<Long> ends(String[] movements) {
    return ledgerA.preparedQuery("SELECT count(*) AS n FROM postings WHERE reference = ANY($1) "
        + "AND type IN ($2, $3)").execute(Tuple.of(movements, movement() + "_completed", movement() + "_reversed"))
      .map(rows -> rows.iterator().next().getLong("n"));
  }

  /**
   * With the links losing messages: what they lost, and whether region b's receivers hold exactly
   * what region a's ledger says its senders' transfers completed (each credited once: none lost,
   * none doubled), whatever the load generator heard. Region b's merchants keep a fee, so payments
   * are counted, not summed.
   */
  private String conservation(List<Population.Account> senders, List<Population.Account> receivers) {
    if (options.lossPercent() == 0 && options.jitterMs() == 0) {
      return "";
    }
    long lostRequests = links.stream().mapToLong(DelayProxy::lostRequests).sum();
    long lostAnswers = links.stream().mapToLong(DelayProxy::lostAnswers).sum();
    Row ends = await(ledgerA.preparedQuery("SELECT count(*) FILTER (WHERE type = $2) AS completed, "
        + "count(*) FILTER (WHERE type = $3) AS reversed FROM postings WHERE reference = ANY($1)")
      .execute(Tuple.of(everySent.toArray(String[]::new), movement() + "_completed", movement() + "_reversed")), 60)
      .iterator().next();
    long completed = ends.getLong("completed");
    String out = String.format(Locale.ROOT, "%nThe links lost %d requests and %d answers (%d %% each, up to %d ms of "
        + "jitter a leg); of %d %ss to region b answered 202, %d completed and %d were reversed in region a's ledger; "
        + "requests to region b not answered 202, warm-up included: %s",
      lostRequests, lostAnswers, options.lossPercent(), options.jitterMs(), everySent.size(), movement(), completed,
      ends.getLong("reversed"), Load.Result.errorsText(crossResults));
    if (options.payments()) {
      return out + ".\n";
    }
    long fromSenders = await(completedFromSenders(senders), 180);
    long held = 0;
    for (Population.Account receiver : receivers) {
      held += await(httpB.get("/v1/wallets/" + receiver.wallet(), receiver.token()), 30).require(200).json()
        .getJsonObject("balance").getLong("available");
    }
    long expected = receivers.size() + fromSenders;
    return out + String.format(Locale.ROOT, "; region a's ledger has %d transfers from the senders completed, "
      + "and region b's %d receivers hold %d cents, %s (1 each before, plus one per completed transfer: %d).%n",
      fromSenders, receivers.size(), held, held == expected ? "exactly that" : "NOT that", expected);
  }

  /**
   * The senders' transfers completed in region a's ledger, once every one debited there has ended
   * (or two minutes passed): those the load generator did not hear about included.
   */
  private Future<Long> completedFromSenders(List<Population.Account> senders) {
    Tuple wallets = Tuple.of((Object) senders.stream().map(Population.Account::wallet).toArray(String[]::new));
    long deadline = System.currentTimeMillis() + 120_000;
    long[] completed = new long[1];
    return Sequential.repeatWhile(() -> ledgerA.preparedQuery("""
          WITH debited AS (
            SELECT DISTINCT debit.reference FROM postings debit JOIN entries e ON e.posting_id = debit.id
               AND e.created_at = debit.created_at
             WHERE debit.type = 'transfer_debit' AND e.account_id = ANY($1))
          SELECT (SELECT count(*) FROM debited) AS debited,
                 count(*) FILTER (WHERE p.type = 'transfer_completed') AS completed,
                 count(*) FILTER (WHERE p.type IN ('transfer_completed', 'transfer_reversed')) AS ended
            FROM postings p WHERE p.reference IN (SELECT reference FROM debited)""").execute(wallets)
        .compose(rows -> {
          Row row = rows.iterator().next();
          completed[0] = row.getLong("completed");
          boolean waiting = row.getLong("ended") < row.getLong("debited") && System.currentTimeMillis() < deadline;
          return waiting ? vertx.timer(500).map(true) : Future.succeededFuture(false);
        }))
      .map(done -> completed[0]);
  }

  /** The postings' name of what goes to region b. */
  private String movement() {
    return options.payments() ? "payment" : "transfer";
  }

  private String report(List<Phase> phases) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "Region a's edges %s, region b's %s; each region reaches the other through "
        + "a proxy that delays a message %d ms and its answer %d ms more (a round trip of %d ms); %d rounds of %d s "
        + "per phase, in turning order, after %d s of warm-up; region a's own transfers: %d same-shard pairs "
        + "at %d/s, open loop; %s to region b: from %d wallets of region a to %d %s of region b at %d/s, over "
        + "the link with its delay or without.%n%n",
      options.regionA(), options.regionB(), options.delayMs(), options.delayMs(), 2 * options.delayMs(),
      options.rounds(), options.seconds(), options.warmUpSeconds(), options.pairs(), options.rate(), movement() + "s",
      options.wallets(), options.payments() ? Math.max(1, options.wallets() / 10) : options.wallets(),
      options.payments() ? "merchants" : "wallets", options.crossRate()));
    out.append("| round | region a's own transfers | answered/s | p50 ms | p99 ms | p99.9 ms | errors "
      + "| " + movement() + "s to region b: answered/s | answer p50 / p99 ms | errors | settled | settle p50 / p99 / max ms |\n");
    out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < phases.size(); i++) {
      out.append("| ").append(i / Kind.values().length + 1).append(" | ").append(line(phases.get(i))).append(" |\n");
    }
    out.append("\nMedians of the rounds, region a's own transfers:\n\n| beside | p50 ms | p99 ms | p99.9 ms | "
      + "settle p50 / p99 ms of those to region b |\n|---|---:|---:|---:|---:|\n");
    for (Kind kind : Kind.values()) {
      out.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %s |%n", title(kind),
        median(phases, kind, p -> p.own().percentileMs(50)), median(phases, kind, p -> p.own().percentileMs(99)),
        median(phases, kind, p -> p.own().percentileMs(99.9)), kind == Kind.ALONE ? ""
          : String.format(Locale.ROOT, "%.0f / %.0f", median(phases, kind, p -> p.settled().p50Ms()),
            median(phases, kind, p -> p.settled().p99Ms()))));
    }
    if (cpu != null) {
      out.append(cpuReport(phases));
    }
    return out.toString();
  }

  /**
   * CPU of each region's processes over a phase's load (the load generator and its links not
   * counted), medians of the rounds, and what a transfer to region b added: a phase beside them
   * minus a phase alone, over the transfers offered.
   */
  private String cpuReport(List<Phase> phases) {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nCPU of the wallet's processes over each "
      + "phase's %d s of load, medians of the rounds (ms; the load generator and the links not counted):%n%n"
      + "| beside | region a | region b | both | more than alone, per %s to region b: a / b / both |%n"
      + "|---|---:|---:|---:|---:|%n", options.seconds(), movement()));
    double transfers = (double) options.crossRate() * options.seconds();
    double aloneA = median(phases, Kind.ALONE, p -> p.cpuOf("a"));
    double aloneB = median(phases, Kind.ALONE, p -> p.cpuOf("b"));
    for (Kind kind : Kind.values()) {
      double inA = median(phases, kind, p -> p.cpuOf("a"));
      double inB = median(phases, kind, p -> p.cpuOf("b"));
      out.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %s |%n", title(kind), inA, inB, inA + inB,
        kind == Kind.ALONE ? "" : String.format(Locale.ROOT, "%.2f / %.2f / %.2f", (inA - aloneA) / transfers,
          (inB - aloneB) / transfers, (inA - aloneA + inB - aloneB) / transfers)));
    }
    return out.toString();
  }

  private static double median(List<Phase> phases, Kind kind, ToDoubleFunction<Phase> value) {
    double[] values = phases.stream().filter(p -> p.kind() == kind).mapToDouble(value).sorted().toArray();
    return values.length == 0 ? Double.NaN : values[values.length / 2];
  }

  /** The phase's name, saying what went to region b. */
  private String title(Kind kind) {
    return kind.title.replace("transfers", movement() + "s");
  }

  private String line(Phase p) {
    String own = String.format(Locale.ROOT, "%s | %.0f | %.1f | %.1f | %.1f | %s", title(p.kind()), p.own().perSecond(),
      p.own().percentileMs(50), p.own().percentileMs(99), p.own().percentileMs(99.9), p.own().errorsText());
    if (p.cross() == null) {
      return own + " | | | | |";
    }
    return own + String.format(Locale.ROOT, " | %.0f | %.1f / %.1f | %s | %d of %d | %.0f / %.0f / %.0f",
      p.cross().perSecond(), p.cross().percentileMs(50), p.cross().percentileMs(99), p.cross().errorsText(),
      p.settled().settled(), p.settled().sent(), p.settled().p50Ms(), p.settled().p99Ms(), p.settled().maxMs());
  }

  private static void progress(String format, Object... args) {
    System.err.printf(Locale.ROOT, "[bench-regions] " + format + "%n", args);
  }

  private static <T> T await(Future<T> future, long seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("no answer within " + seconds + " s", e);
    }
  }
}
