package dev.wallet.edge.bench;

import dev.wallet.balancecache.async.Sequential;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Live balances at scale: one balance socket per wallet, all on one edge, then transfers among
 * those wallets. A push's latency runs from the transfer's timestamp in the money core (its
 * {@code createdAt}) to the moment the socket of its source wallet receives the event naming it.
 */
final class Sockets {

  /** A transfer the load sent: its source wallet, whose sockets should see it, and when the money core made it. */
  record Sent(String wallet, Instant createdAt) {
  }

  /**
   * Sockets held, pushes matched to transfers, pushes never seen although a socket of the source
   * wallet was still open, transfers whose source wallet had no socket left (the edge closed them
   * all), the close codes of the sockets the edge closed, and the pushes' latency in microseconds.
   */
  record Result(int held, long matched, long missing, long unwatched, Map<Integer, Long> closedByEdge,
                Histogram latency) {

    double percentileMs(double percentile) {
      return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1_000.0;
    }
  }

  private static final int CONNECTING_AT_ONCE = 64;

  private static final int ATTEMPTS = 10;

  private final Vertx vertx;
  private final WebSocketClient client;
  private final AtomicLong retried = new AtomicLong();
  private final URI edge;
  private final List<WebSocket> open = new ArrayList<>();
  /** Sockets still open, by wallet. */
  private final Map<String, AtomicInteger> openByWallet = new ConcurrentHashMap<>();
  /** Sockets the edge closed (not this load generator), by close code. */
  private final Map<Integer, Long> closedByEdge = new ConcurrentHashMap<>();
  private volatile boolean closing;
  private final Map<String, Long> firstPushMicros = new ConcurrentHashMap<>();

  Sockets(Vertx vertx, URI edge, int count) {
    this.vertx = vertx;
    this.edge = edge;
    this.client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(count + 16)
      .setConnectTimeout(30_000));
  }

  /** Opens a socket to each account's wallet, {@link #CONNECTING_AT_ONCE} at a time. */
  Future<Integer> connect(List<Population.Account> accounts) {
    AtomicInteger next = new AtomicInteger();
    List<Future<Void>> connectors = new ArrayList<>();
    for (int c = 0; c < CONNECTING_AT_ONCE; c++) {
      connectors.add(Sequential.repeatWhile(() -> {
        int index = next.getAndIncrement();
        return index >= accounts.size() ? Future.succeededFuture(false) : connect(accounts.get(index)).map(true);
      }));
    }
    return Future.all(connectors).map(done -> open.size());
  }

  /**
   * A 503 (a dependency did not answer in time, e.g. while the machine is saturated) is retried
   * after its Retry-After second, as a mobile client does, up to {@link #ATTEMPTS} times.
   */
  private Future<Void> connect(Population.Account account) {
    return connect(account, 1);
  }

  private Future<Void> connect(Population.Account account, int attempt) {
    return connectOnce(account).recover(failure -> {
      if (attempt >= ATTEMPTS || !(failure instanceof UpgradeRejectedException rejected) || rejected.getStatus() != 503) {
        return Future.failedFuture(failure);
      }
      retried.incrementAndGet();
      return vertx.timer(1_000).compose(t -> connect(account, attempt + 1));
    });
  }

  /** Upgrades refused with 503 and retried. */
  long retried() {
    return retried.get();
  }

  private Future<Void> connectOnce(Population.Account account) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(edge.getHost()).setPort(edge.getPort())
      .setURI("/v1/wallets/" + account.wallet() + "/events").addHeader("Authorization", "Bearer " + account.token());
    return client.connect(options).map(socket -> {
      socket.textMessageHandler(this::received);
      openByWallet.computeIfAbsent(account.wallet(), wallet -> new AtomicInteger()).incrementAndGet();
      socket.closeHandler(closed -> {
        openByWallet.get(account.wallet()).decrementAndGet();
        if (!closing) {
          closedByEdge.merge(socket.closeStatusCode() == null ? -1 : (int) socket.closeStatusCode(), 1L, Long::sum);
        }
      });
      synchronized (open) {
        open.add(socket);
      }
      return null;
    });
  }

  private void received(String text) {
    JsonObject event = new JsonObject(text);
    if ("balance".equals(event.getString("type"))) {
      firstPushMicros.putIfAbsent(event.getString("transactionId"), nowMicros());
    }
  }

  /** Matches each transfer (by id) with its first push. */
  Result measure(Map<String, Sent> transfers) {
    Histogram latency = new Histogram(60_000_000L, 3);
    long missing = 0;
    long unwatched = 0;
    for (Map.Entry<String, Sent> transfer : transfers.entrySet()) {
      Long pushed = firstPushMicros.get(transfer.getKey());
      Instant createdAt = transfer.getValue().createdAt();
      if (pushed != null) {
        long created = createdAt.getEpochSecond() * 1_000_000 + createdAt.getNano() / 1_000;
        latency.recordValue(Math.max(0, Math.min(pushed - created, 60_000_000L)));
      } else if (openByWallet.getOrDefault(transfer.getValue().wallet(), new AtomicInteger()).get() > 0) {
        missing++;
      } else {
        unwatched++;
      }
    }
    return new Result(open.size(), latency.getTotalCount(), missing, unwatched, Map.copyOf(closedByEdge), latency);
  }

  Future<Void> close() {
    closing = true;
    List<Future<Void>> closes = new ArrayList<>();
    synchronized (open) {
      open.forEach(socket -> closes.add(socket.close()));
    }
    return Future.join(closes).transform(done -> client.close());
  }

  private static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }
}
