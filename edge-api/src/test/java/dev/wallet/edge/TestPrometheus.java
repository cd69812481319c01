package dev.wallet.edge;

import dev.wallet.balancecache.testing.Eventually;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian's {@code prometheus} package, as scripts/run.sh --with-prometheus runs
 * it) scraping the test's edges and ledger writer every second, for the console's Live page. Its
 * port is chosen first, so that the edges can be started knowing its URL, and it is started once
 * their ports are known. Its data and log live in target/prometheus-*, deleted on close.
 */
final class TestPrometheus implements AutoCloseable {

  private static final String BINARY = System.getenv().getOrDefault("WALLET_PROMETHEUS_BIN", "prometheus");

  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final int port = EdgeFixture.freePort();
  private final Path dir = Path.of("target", "prometheus-" + UUID.randomUUID());
  private Process process;

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Scrapes each edge's /metrics (job wallet-edge) and each writer's (job wallet-ledger-writer); returns once ready. */
  TestPrometheus start(List<Integer> edgePorts, List<Integer> writerPorts) {
    try {
      Files.createDirectories(dir.resolve("data"));
      Files.writeString(dir.resolve("prometheus.yml"), configuration(edgePorts, writerPorts));
      process = new ProcessBuilder(BINARY, "--config.file=" + dir.resolve("prometheus.yml"),
        "--storage.tsdb.path=" + dir.resolve("data"), "--storage.tsdb.retention.time=1h",
        "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start " + BINARY + " (Debian's prometheus package)", e);
    }
    Eventually.await("Prometheus ready on " + url() + " (log: " + dir.resolve("prometheus.log") + ")",
      Duration.ofSeconds(60), this::ready);
    return this;
  }

  private boolean ready() {
    if (!process.isAlive()) {
      throw new IllegalStateException("Prometheus stopped; see " + dir.resolve("prometheus.log"));
    }
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/-/ready")).timeout(Duration.ofSeconds(2)).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException notYet) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String configuration(List<Integer> edgePorts, List<Integer> writerPorts) {
    return """
      global:
        scrape_interval: 1s
        evaluation_interval: 1s
      scrape_configs:
        - job_name: wallet-edge
          static_configs:
            - targets: [%s]
        - job_name: wallet-ledger-writer
          static_configs:
            - targets: [%s]
      """.formatted(targets(edgePorts), targets(writerPorts));
  }

  private static String targets(List<Integer> ports) {
    return ports.stream().map(port -> "'127.0.0.1:" + port + "'").collect(Collectors.joining(", "));
  }

  @Override
  public void close() {
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.exists(dir) ? Files.walk(dir) : Stream.empty()) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
