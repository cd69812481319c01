package dev.wallet.edge.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code max} connections (HTTP and WebSocket) open on this process, whichever event loop
 * accepted them. One more is closed as soon as it is accepted: a balancer sees a refused
 * connection and tries another edge, and this one keeps its memory and file descriptors for the
 * connections it serves.
 */
public final class ConnectionCap {

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final Set<HttpConnection> admitted = ConcurrentHashMap.newKeySet();
  private final Counter refused;

  public ConnectionCap(int max, MeterRegistry registry) {
    this.max = max;
    this.refused = registry.counter("wallet_http_connections_refused_total");
    registry.gauge("wallet_http_connections_open", open);
  }

  /** The server's connection handler. */
  public void admit(HttpConnection connection) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      refused.increment();
      closeAtOnce(connection);
      return;
    }
    admitted.add(connection);
    connection.closeHandler(closed -> release(connection));
  }

  /**
   * The public close of an HTTP/1.1 connection is a graceful shutdown, which does not reliably end a
   * connection the server has only just set up; closing its channel does.
   */
  private static void closeAtOnce(HttpConnection connection) {
    if (connection instanceof ConnectionBase base) {
      base.channel().close();
    } else {
      connection.close();
    }
  }

  /**
   * Gives the connection's place back, once. A WebSocket calls it when it closes: after the
   * upgrade, the HTTP connection's own close handler no longer runs.
   */
  public void release(HttpConnection connection) {
    if (admitted.remove(connection)) {
      open.decrementAndGet();
    }
  }
}
