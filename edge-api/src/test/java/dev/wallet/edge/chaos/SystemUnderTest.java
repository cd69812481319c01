package dev.wallet.edge.chaos;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The running wallet as the suite sees it from the main thread: whether it is whole (every edge
 * ready with every shard writable, the ledger writer serving its metrics, the Redis Cluster whole),
 * so that each fault starts from a healthy system and leaves one.
 */
final class SystemUnderTest {

  private static final Duration WHOLE_WITHIN = Duration.ofSeconds(180);

  final ChaosHttp http;
  final RedisNodes redis;
  final Processes processes;
  final List<String> edgeNames;
  private final HttpClientAgent plain;
  private final URI writerMetrics;

  SystemUnderTest(ChaosHttp http, HttpClientAgent plain, RedisNodes redis, Processes processes, URI writerMetrics) {
    this.http = http;
    this.plain = plain;
    this.redis = redis;
    this.processes = processes;
    this.writerMetrics = writerMetrics;
    this.edgeNames = java.util.stream.IntStream.range(0, http.edgeCount())
      .mapToObj(i -> "edge-api-" + http.edge(i).getPort()).toList();
  }

  void awaitWhole() {
    Pause.until("the Redis Cluster to be whole (every master with a replica online)", WHOLE_WITHIN, redis::whole);
    for (int edge = 0; edge < http.edgeCount(); edge++) {
      awaitReady(edge);
    }
    Pause.until("the ledger writer's metrics", WHOLE_WITHIN, this::writerAnswers);
  }

  void awaitReady(int edge) {
    Pause.until("the edge " + http.edge(edge) + " to be ready", WHOLE_WITHIN, () -> ready(edge));
  }

  private boolean ready(int edge) {
    ChaosHttp.Answer answer = await(http.get(edge, "/health/ready", null));
    return answer != null && answer.status() == 200 && "ready".equals(answer.json().getString("status"));
  }

  boolean writerAnswers() {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setHost(writerMetrics.getHost())
      .setPort(writerMetrics.getPort()).setURI(writerMetrics.getPath()).setIdleTimeout(2_000);
    Future<Integer> status = plain.request(request).compose(r -> r.send()).map(r -> r.statusCode());
    Integer answered = await(status);
    return answered != null && answered == 200;
  }

  /** The outcome within 5 s, or null for none (a refused connection, a timeout). */
  static <T> T await(Future<T> future) {
    try {
      return future.await(5, TimeUnit.SECONDS);
    } catch (Exception noAnswer) {
      return null;
    }
  }
}
