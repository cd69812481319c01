package dev.wallet.edge.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.BalanceEvent;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A striped merchant's socket over a real WebSocket, its totals read by the test: the merchant's
 * balance is a read of every shard, which the test completes when it chooses.
 */
@ExtendWith(VertxExtension.class)
class WalletSocketTest {

  private static final WalletId MERCHANT = WalletId.derived(new ShardId(7), "merchant of the socket test");

  private final BlockingQueue<Promise<Wallet>> reads = new LinkedBlockingQueue<>();
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private volatile WalletSocket socket;
  /** The socket's event loop: what was offered before a task run there was handled before it. */
  private volatile Context context;
  private HttpServer server;
  private WebSocketClient client;

  @AfterEach
  void stop() {
    if (client != null) {
      Await.result(client.close());
    }
    if (server != null) {
      Await.result(server.close());
    }
  }

  @Test
  @DisplayName("a striped merchant's total names the last change offered before its read started, not one offered "
    + "while it ran, which the read may not hold")
  void aTotalNamesAChangeItHolds(Vertx vertx) throws Exception {
    open(vertx);

    socket.offer(change("p-1"));
    Promise<Wallet> first = reads.poll(10, TimeUnit.SECONDS);
    assertThat(first).as("the read the first change started").isNotNull();
    socket.offer(change("p-2"));
    Promise<Void> handled = Promise.promise();
    context.runOnContext(after -> handled.complete());
    Await.result(handled.future());
    first.complete(total(1_000, 1));

    Eventually.await("the first total pushed", Duration.ofSeconds(5), () -> received.size() == 2);
    assertThat(received.get(1).getString("transactionId")).isEqualTo("p-1");
    Promise<Wallet> second = reads.poll(10, TimeUnit.SECONDS);
    assertThat(second).as("a read again for the change that came during the first").isNotNull();
    second.complete(total(2_000, 2));
    Eventually.await("the second total pushed", Duration.ofSeconds(5), () -> received.size() == 3);
    assertThat(received.get(2).getString("transactionId")).isEqualTo("p-2");
    assertThat(received.get(2).getLong("available")).isEqualTo(2_000);
  }

  /** A socket whose server side follows totals the test reads, with its snapshot sent. */
  private void open(Vertx vertx) {
    server = Await.result(vertx.createHttpServer().webSocketHandler(upgraded -> {
      WalletSocket opened = new WalletSocket(upgraded, MERCHANT, Vertx.currentContext(), 64, new SimpleMeterRegistry());
      opened.followTotals(() -> {
        Promise<Wallet> read = Promise.promise();
        reads.add(read);
        return read.future();
      }, List.of());
      opened.sendSnapshot(total(0, 0));
      context = Vertx.currentContext();
      socket = opened;
    }).listen(0, "127.0.0.1"));
    client = vertx.createWebSocketClient();
    // the handler set as the socket connects, on its event loop: the snapshot may come before the test thread would
    Await.result(client.connect(server.actualPort(), "127.0.0.1", "/")
      .map(connected -> connected.textMessageHandler(text -> received.add(new JsonObject(text)))));
    Eventually.await("the snapshot", Duration.ofSeconds(5), () -> received.size() == 1);
  }

  private static BalanceEvent change(String transaction) {
    return new BalanceEvent(MERCHANT, 0, 0, 0, transaction, "payment", Instant.now());
  }

  private static Wallet total(long available, long seq) {
    return new Wallet(MERCHANT, "shop", Currency.getInstance("USD"), WalletType.MERCHANT, WalletStatus.ACTIVE,
      available, 0, seq, Instant.EPOCH);
  }
}
