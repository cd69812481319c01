package dev.wallet.edge;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Requests per second and latency of the edge over HTTP, against a running edge (scripts/bench-edge.sh
 * starts one): same-shard transfers (POST /v1/transfers, a fresh Idempotency-Key each, 1 cent
 * between two wallets of one caller), an authenticated read (GET /v1/wallets/{id}), and the
 * baseline GET /health/live (no token, no I/O), each with the same number of requests in flight
 * on keep-alive connections, after one discarded run of each (JIT, pools), then several runs each,
 * interleaved so that noise hits all alike. Prints
 * a markdown table: medians (with the range), the ratio to the baseline, p50 and p99.
 *
 * <p>Args: base URL, seconds per run, runs, requests in flight, JWT secret.
 */
public final class EdgeBenchmark {

  private final WebClient http;
  private final String secret;
  private final int inFlight;

  private EdgeBenchmark(Vertx vertx, URI base, String secret, int inFlight) {
    this.secret = secret;
    this.inFlight = inFlight;
    this.http = WebClient.create(vertx, new WebClientOptions().setDefaultHost(base.getHost())
      .setDefaultPort(base.getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(inFlight));
  }

  public static void main(String[] args) {
    URI base = URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:8180");
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    int inFlight = args.length > 3 ? Integer.parseInt(args[3]) : 32;
    String secret = args.length > 4 ? args[4] : EdgeConfig.DEV_JWT_SECRET;
    Vertx vertx = Vertx.vertx();
    try {
      new EdgeBenchmark(vertx, base, secret, inFlight).run(Duration.ofSeconds(seconds), runs);
    } finally {
      Await.result(vertx.close());
    }
  }

  /** One request in flight: its caller and two wallets of one shard, the first funded. */
  private record Slot(String token, String from, String to) {
  }

  private record Run(double perSecond, double p50Ms, double p99Ms, long errors) {
  }

  private enum Scenario {
    BASELINE("baseline: GET /health/live"),
    READ("GET /v1/wallets/{id} (JWT, one Redis read)"),
    TRANSFER("POST /v1/transfers, same shard");

    final String title;

    Scenario(String title) {
      this.title = title;
    }
  }

  private void run(Duration duration, int runs) {
    List<Slot> slots = new ArrayList<>();
    for (int i = 0; i < inFlight; i++) {
      slots.add(slot());
    }
    System.err.printf("[bench] %d callers ready; %d runs of %d s per scenario, %d requests in flight%n", inFlight,
      runs, duration.toSeconds(), inFlight);
    for (Scenario scenario : Scenario.values()) {
      measure(scenario, slots, duration);
    }
    System.err.println("[bench] warmed up (one discarded run of each scenario: the JIT, the pools)");
    List<List<Run>> results = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (int r = 0; r < runs; r++) {
      for (Scenario scenario : Scenario.values()) {
        Run run = measure(scenario, slots, duration);
        results.get(scenario.ordinal()).add(run);
        System.err.printf(Locale.ROOT, "[bench] run %d %-45s %8.0f/s p50 %6.2f ms p99 %7.2f ms errors %d%n", r + 1,
          scenario.title, run.perSecond(), run.p50Ms(), run.p99Ms(), run.errors());
      }
    }
    double base = median(results.get(0), Run::perSecond);
    StringBuilder table = new StringBuilder("| scenario | per second | ratio to baseline | p50 ms | p99 ms | errors |\n")
      .append("|---|---:|---:|---:|---:|---:|\n");
    for (Scenario scenario : Scenario.values()) {
      table.append(row(scenario.title, results.get(scenario.ordinal()), base));
    }
    System.out.print(table);
  }

  /** Closed loop: each slot sends its next request as soon as the previous one is answered. */
  private Run measure(Scenario scenario, List<Slot> slots, Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    List<long[]> latencies = new ArrayList<>();
    AtomicLong errors = new AtomicLong();
    List<Future<Void>> loops = new ArrayList<>();
    long start = System.nanoTime();
    for (Slot slot : slots) {
      long[] samples = new long[1 << 16];
      latencies.add(samples);
      Promise<Void> done = Promise.promise();
      loop(scenario, slot, deadline, samples, new int[] {0}, errors, done);
      loops.add(done.future());
    }
    Await.result(Future.all(loops), duration.toSeconds() + 60);
    double seconds = (System.nanoTime() - start) / 1e9;
    long[] all = latencies.stream().flatMapToLong(samples -> Arrays.stream(samples).filter(n -> n > 0)).sorted()
      .toArray();
    return new Run(all.length / seconds, percentile(all, 0.50), percentile(all, 0.99), errors.get());
  }

  private void loop(Scenario scenario, Slot slot, long deadline, long[] samples, int[] count, AtomicLong errors,
                    Promise<Void> done) {
    if (System.nanoTime() >= deadline || count[0] >= samples.length) {
      done.complete();
      return;
    }
    long sent = System.nanoTime();
    send(scenario, slot, count[0]).onComplete(answered -> {
      samples[count[0]++] = System.nanoTime() - sent;
      if (answered.failed() || answered.result().statusCode() >= 300) {
        errors.incrementAndGet();
      }
      loop(scenario, slot, deadline, samples, count, errors, done);
    });
  }

  /** Transfers alternate direction, so that neither wallet runs dry. */
  private Future<HttpResponse<Buffer>> send(Scenario scenario, Slot slot, int n) {
    return switch (scenario) {
      case BASELINE -> http.get("/health/live").send();
      case READ -> http.get("/v1/wallets/" + slot.from()).bearerTokenAuthentication(slot.token()).send();
      case TRANSFER -> http.post("/v1/transfers").bearerTokenAuthentication(slot.token())
        .putHeader("Idempotency-Key", UUID.randomUUID().toString())
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("fromWalletId", n % 2 == 0 ? slot.from() : slot.to())
          .put("toWalletId", n % 2 == 0 ? slot.to() : slot.from()).put("amount", 1).put("currency", "USD").toBuffer());
    };
  }

  /** A caller with two wallets on one shard, the first funded through the sandbox gateway. */
  private Slot slot() {
    String token = token("bench-" + UUID.randomUUID());
    String from = open(token, new JsonObject().put("currency", "USD").put("type", "personal"));
    String to = open(token, new JsonObject().put("currency", "USD").put("type", "personal").put("colocateWith", from));
    HttpResponse<Buffer> deposited = Await.result(http.post("/v1/deposits").bearerTokenAuthentication(token)
      .putHeader("Idempotency-Key", UUID.randomUUID().toString())
      .sendJsonObject(new JsonObject().put("walletId", from).put("amount", 1_000_000).put("currency", "USD")
        .put("source", new JsonObject().put("type", "sandbox"))));
    require(deposited, 202);
    String path = "/v1/deposits/" + deposited.bodyAsJsonObject().getString("id");
    Eventually.await("the funding deposit", Duration.ofSeconds(60), () -> "completed".equals(
      Await.result(http.get(path).bearerTokenAuthentication(token).send()).bodyAsJsonObject().getString("status")));
    return new Slot(token, from, to);
  }

  private String open(String token, JsonObject body) {
    HttpResponse<Buffer> opened = Await.result(http.post("/v1/wallets").bearerTokenAuthentication(token)
      .sendJsonObject(body));
    require(opened, 201);
    return opened.bodyAsJsonObject().getString("id");
  }

  private static void require(HttpResponse<Buffer> response, int status) {
    if (response.statusCode() != status) {
      throw new IllegalStateException("expected " + status + ", got " + response.statusCode() + ": "
        + response.bodyAsString());
    }
  }

  /** An HS256 token like scripts/dev-token.sh mints. */
  private String token(String subject) {
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    long now = Instant.now().getEpochSecond();
    String input = url.encodeToString(new JsonObject().put("alg", "HS256").put("typ", "JWT").encode()
      .getBytes(StandardCharsets.UTF_8)) + "." + url.encodeToString(new JsonObject().put("iss", "wallet")
      .put("aud", "wallet-api").put("sub", subject).put("roles", new JsonArray().add("user")).put("iat", now)
      .put("exp", now + 3_600).encode().getBytes(StandardCharsets.UTF_8));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return input + "." + url.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double percentile(long[] sortedNanos, double q) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    return sortedNanos[Math.min(sortedNanos.length - 1, (int) Math.ceil(q * sortedNanos.length) - 1)] / 1e6;
  }

  private static String row(String name, List<Run> runs, double base) {
    double perSecond = median(runs, Run::perSecond);
    return String.format(Locale.ROOT, "| %s | %.0f (%.0f-%.0f) | %.2f | %.2f | %.2f | %d |%n", name, perSecond,
      runs.stream().mapToDouble(Run::perSecond).min().orElse(0), runs.stream().mapToDouble(Run::perSecond).max()
        .orElse(0), perSecond / base, median(runs, Run::p50Ms), median(runs, Run::p99Ms),
      runs.stream().mapToLong(Run::errors).sum());
  }

  private static double median(List<Run> runs, ToDoubleFunction<Run> value) {
    double[] values = runs.stream().mapToDouble(value).sorted().toArray();
    return values[values.length / 2];
  }
}
