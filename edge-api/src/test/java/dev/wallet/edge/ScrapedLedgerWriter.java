package dev.wallet.edge;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.ledger.LedgerWriter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;

/**
 * A ledger writer in the test's JVM, over the test infrastructure, with its figures served at
 * /metrics in the same text as the writer's process serves them (for a Prometheus to scrape).
 */
final class ScrapedLedgerWriter implements AutoCloseable {

  private final LedgerWriter writer;
  private final HttpServer server;

  private ScrapedLedgerWriter(LedgerWriter writer, HttpServer server) {
    this.writer = writer;
    this.server = server;
  }

  static ScrapedLedgerWriter start(Vertx vertx) {
    LedgerWriter writer = EdgeFixture.startLedgerWriter(vertx, "live");
    HttpServer server = Await.result(vertx.createHttpServer()
      .requestHandler(request -> request.response().putHeader("Content-Type", "text/plain; version=0.0.4")
        .end(writer.metrics().prometheus()))
      .listen(0));
    return new ScrapedLedgerWriter(writer, server);
  }

  int port() {
    return server.actualPort();
  }

  @Override
  public void close() {
    Await.result(server.close());
    Await.result(writer.stop());
  }
}
