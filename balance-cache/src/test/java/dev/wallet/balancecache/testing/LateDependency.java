package dev.wallet.balancecache.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real dependency behind a port that first refuses every connection (as when the dependency is
 * not up yet) and, once {@link #comeUp()} is called, forwards each to the dependency: a process
 * pointed at it sees the dependency arrive late, while the shared one keeps serving other tests.
 */
public final class LateDependency implements AutoCloseable {

  private final NetServer server;
  private final NetClient client;
  private final AtomicBoolean up = new AtomicBoolean();
  private final AtomicInteger refused = new AtomicInteger();

  private LateDependency(Vertx vertx, String targetHost, int targetPort) {
    this.client = vertx.createNetClient();
    this.server = vertx.createNetServer().connectHandler(inbound -> {
      if (!up.get()) {
        refused.incrementAndGet();
        inbound.close();
        return;
      }
      inbound.pause();
      client.connect(targetPort, targetHost).onComplete(outbound -> {
        if (outbound.failed()) {
          inbound.close();
          return;
        }
        splice(inbound, outbound.result());
      });
    });
  }

  public static LateDependency of(Vertx vertx, String targetHost, int targetPort) {
    LateDependency proxy = new LateDependency(vertx, targetHost, targetPort);
    Await.result(proxy.server.listen(0, "127.0.0.1"));
    return proxy;
  }

  private static void splice(NetSocket inbound, NetSocket outbound) {
    inbound.pipeTo(outbound);
    outbound.pipeTo(inbound);
    inbound.resume();
  }

  public int port() {
    return server.actualPort();
  }

  /** Connections refused while the dependency was down: evidence that someone kept trying. */
  public int refused() {
    return refused.get();
  }

  public void comeUp() {
    up.set(true);
  }

  @Override
  public void close() {
    Await.result(server.close());
    Await.result(client.close());
  }
}
