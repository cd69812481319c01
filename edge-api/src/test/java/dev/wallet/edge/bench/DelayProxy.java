package dev.wallet.edge.bench;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A link between two regions with the delay of a link between continents injected: an HTTP proxy in
 * front of a region's edge that passes each request on {@code delayMs} after it arrived, and its
 * answer back {@code delayMs} after it came, so a round trip through it takes {@code 2 × delayMs}
 * more. Timers, not sleeps: requests in flight overlap, as they do on a real link, and the proxy's
 * own pool is large enough never to be what queues them. It can also lose and reorder messages
 * ({@link #lossy}): a lost request is never passed on and a lost answer never comes back (the
 * connection is closed instead, after the target has done the work), and a jitter added to every
 * leg lets later messages overtake earlier ones.
 */
final class DelayProxy {

  private static final int CONNECTIONS = 256;

  private final Vertx vertx;
  private final URI target;
  private volatile long delayMs;
  private volatile int lossPercent;
  private volatile long jitterMs;
  private final AtomicLong lostRequests = new AtomicLong();
  private final AtomicLong lostAnswers = new AtomicLong();
  private final HttpClientAgent client;
  private HttpServer server;

  private DelayProxy(Vertx vertx, URI target, long delayMs) {
    this.vertx = vertx;
    this.target = target;
    this.delayMs = delayMs;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
      new PoolOptions().setHttp1MaxSize(CONNECTIONS));
  }

  /** A proxy listening on {@code port} for {@code target} (an edge's base URL). */
  static Future<DelayProxy> start(Vertx vertx, int port, URI target, long delayMs) {
    DelayProxy proxy = new DelayProxy(vertx, target, delayMs);
    return vertx.createHttpServer().requestHandler(proxy::relay).listen(port).map(listening -> {
      proxy.server = listening;
      return proxy;
    });
  }

  private void relay(HttpServerRequest request) {
    if (lost()) {
      lostRequests.incrementAndGet();
      request.connection().close();
      return;
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(request.headers()).remove("Host");
    request.body()
      .compose(body -> later().compose(passed -> client.request(new RequestOptions().setMethod(request.method())
          .setHost(target.getHost()).setPort(target.getPort()).setURI(request.uri()).setHeaders(headers))
        .compose(out -> out.send(body))
        .compose(answer -> answer.body().map(answered -> new Answered(answer.statusCode(),
          answer.getHeader("Content-Type"), answered)))))
      .compose(answered -> later().map(answered))
      .onSuccess(answered -> {
        if (lost()) {
          lostAnswers.incrementAndGet();
          request.connection().close();
          return;
        }
        if (answered.contentType() != null) {
          request.response().putHeader("Content-Type", answered.contentType());
        }
        request.response().setStatusCode(answered.status()).end(answered.body());
      })
      .onFailure(failure -> request.response().setStatusCode(502).end(String.valueOf(failure)));
  }

  private record Answered(int status, String contentType, Buffer body) {
  }

  /** From now on, every message and answer waits {@code value} ms (0: none). */
  void delay(long value) {
    delayMs = value;
  }

  /**
   * From now on, {@code percent} of the requests and, independently, of the answers are lost, and
   * every leg waits up to {@code jitter} ms more than the delay, at random.
   */
  void lossy(int percent, long jitter) {
    lossPercent = percent;
    jitterMs = jitter;
  }

  long lostRequests() {
    return lostRequests.get();
  }

  long lostAnswers() {
    return lostAnswers.get();
  }

  private boolean lost() {
    return lossPercent > 0 && ThreadLocalRandom.current().nextInt(100) < lossPercent;
  }

  private Future<Void> later() {
    long wait = delayMs + (jitterMs == 0 ? 0 : ThreadLocalRandom.current().nextLong(jitterMs + 1));
    return wait == 0 ? Future.succeededFuture() : vertx.timer(wait).mapEmpty();
  }

  Future<Void> close() {
    return server.close().compose(closed -> client.close());
  }
}
