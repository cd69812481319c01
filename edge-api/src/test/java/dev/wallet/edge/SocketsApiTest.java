package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.BalanceEvent;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.edge.live.WalletSocket;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live balances over WebSocket, with two edge instances (A and B, two applications on two ports,
 * each with its own money core client and outbox tail): money moved through A reaches a socket
 * held by B.
 */
@ExtendWith(VertxExtension.class)
class SocketsApiTest {

  private static Vertx vertx;
  private static EdgeFixture a;
  private static EdgeFixture b;

  @BeforeAll
  static void start(Vertx testVertx) {
    vertx = testVertx;
    a = EdgeFixture.start(vertx);
    b = EdgeFixture.start(vertx, Map.of("WALLET_WS_MAX_PENDING_EVENTS", "16"));
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
  }

  @Test
  @DisplayName("a transfer made through instance A reaches the owner's socket on instance B, with the wallet's next seq")
  void crossInstanceDelivery() {
    ApiCaller alice = a.newUser();
    String wallet = alice.openWallet();
    String other = alice.openWalletNear(wallet);
    alice.deposit(wallet, 5_000);
    LiveSocket socket = LiveSocket.open(vertx, b.port(), wallet, alice.token());
    JsonObject snapshot = socket.awaitSnapshot();

    HttpResponse<Buffer> moved = alice.post("/v1/transfers", ApiCaller.transfer(wallet, other, 1_250), newKey());

    assertThat(moved.statusCode()).isEqualTo(201);
    assertThat(snapshot).isEqualTo(new JsonObject().put("type", "snapshot").put("walletId", wallet)
      .put("available", 5_000).put("held", 0).put("seq", 1));
    JsonObject event = socket.awaitBalance(2);
    assertThat(event).isEqualTo(new JsonObject().put("type", "balance").put("walletId", wallet)
      .put("available", 3_750).put("held", 0).put("seq", 2)
      .put("transactionId", moved.bodyAsJsonObject().getString("id")));
    socket.socket.close();
  }

  @Test
  @DisplayName("the first socket of a fresh instance misses no change made right after its snapshot (the feed "
    + "follows every shard before the snapshot is read)")
  void firstSocketOfAnInstanceMissesNothing() {
    ApiCaller alice = a.newUser();
    String wallet = alice.openWallet();
    String other = alice.openWalletNear(wallet);
    alice.deposit(wallet, 5_000);
    EdgeFixture fresh = EdgeFixture.start(vertx);
    try {
      LiveSocket socket = LiveSocket.open(vertx, fresh.port(), wallet, alice.token());
      long snapshotSeq = socket.awaitSnapshot().getLong("seq");

      HttpResponse<Buffer> moved = alice.post("/v1/transfers", ApiCaller.transfer(wallet, other, 1_000), newKey());

      assertThat(moved.statusCode()).isEqualTo(201);
      assertThat(socket.awaitBalance(snapshotSeq + 1).getString("transactionId"))
        .isEqualTo(moved.bodyAsJsonObject().getString("id"));
      socket.socket.close();
    } finally {
      fresh.close();
    }
  }

  @Test
  @DisplayName("every change of the wallet arrives in order: a deposit, a withdrawal's hold and its settlement")
  void everyChangeInOrder() {
    ApiCaller alice = a.newUser();
    String wallet = alice.openWallet();
    LiveSocket socket = LiveSocket.open(vertx, b.port(), wallet, alice.token());

    alice.deposit(wallet, 2_000);
    String withdrawal = alice.post("/v1/withdrawals", ApiCaller.withdrawal(wallet, 500, "acct"), newKey())
      .bodyAsJsonObject().getString("id");
    alice.awaitStatus("/v1/withdrawals/" + withdrawal, "completed");

    assertThat(socket.awaitBalance(1).getLong("available")).isEqualTo(2_000);
    JsonObject held = socket.awaitBalance(2);
    JsonObject settled = socket.awaitBalance(3);
    assertThat(held.getLong("available")).isEqualTo(1_500);
    assertThat(held.getLong("held")).isEqualTo(500);
    assertThat(settled.getLong("available")).isEqualTo(1_500);
    assertThat(settled.getLong("held")).isZero();
    assertThat(socket.messages.stream().filter(m -> "balance".equals(m.getString("type")))
      .map(m -> m.getLong("seq"))).containsExactly(1L, 2L, 3L);
    socket.socket.close();
  }

  @Test
  @DisplayName("a browser may give the token as access_token; only the owner's socket opens, anyone else gets 404 and no socket")
  void ownership() {
    ApiCaller alice = a.newUser();
    ApiCaller mallory = a.newUser();
    String wallet = alice.openWallet();

    LiveSocket viaQuery = Await.result(LiveSocket.connect(vertx, b.port(), wallet, alice.token(), true));

    assertThat(viaQuery.awaitSnapshot().getString("walletId")).isEqualTo(wallet);
    assertThat(LiveSocket.refusal(vertx, b.port(), wallet, mallory.token(), false)).isEqualTo(404);
    assertThat(LiveSocket.refusal(vertx, b.port(), wallet, mallory.token(), true)).isEqualTo(404);
    assertThat(LiveSocket.refusal(vertx, b.port(), wallet, null, false)).isEqualTo(401);
    assertThat(LiveSocket.refusal(vertx, b.port(), wallet, Tokens.hs256(Tokens.claims(alice.id())
      .put("exp", Instant.now().minusSeconds(10).getEpochSecond())), true)).isEqualTo(401);
    assertThat(LiveSocket.refusal(vertx, b.port(), "w0001_" + "0".repeat(24), alice.token(), false)).isEqualTo(404);
    viaQuery.socket.close();
  }

  @Test
  @DisplayName("a plain GET on the events path, not an upgrade, is a 400 problem")
  void notAnUpgrade() {
    ApiCaller alice = a.newUser();
    String wallet = alice.openWallet();

    WalletsApiTest.assertProblem(alice.get("/v1/wallets/" + wallet + "/events"), 400, "invalid_request");
  }

  @Test
  @DisplayName("a change the snapshot already has, which the feed brings after it (seen a moment after it was "
    + "written), is not pushed again: the balance never goes back")
  void noChangeTheSnapshotHasIsPushed() {
    ApiCaller alice = a.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 1_000);
    alice.deposit(wallet, 2_000);
    LiveSocket socket = LiveSocket.open(vertx, b.port(), wallet, alice.token());
    long snapshotSeq = socket.awaitSnapshot().getLong("seq");

    for (long seq = 1; seq <= snapshotSeq + 1; seq++) {
      b.app.feed().publish(new BalanceEvent(new WalletId(wallet), 100 * seq, 0, seq, "t-late-" + seq, "transfer",
        Instant.now()));
    }

    assertThat(socket.awaitBalance(snapshotSeq + 1).getLong("available")).isEqualTo(100 * (snapshotSeq + 1));
    assertThat(socket.messages.stream().filter(m -> "balance".equals(m.getString("type")))
      .map(m -> m.getLong("seq"))).containsExactly(snapshotSeq + 1);
    socket.socket.close();
  }

  @Test
  @DisplayName("a client that does not read is cut off with 1008 'too slow' once its queue is full, instead of growing memory")
  void slowClientIsCutOff() {
    ApiCaller alice = b.newUser();
    String wallet = alice.openWallet();
    LiveSocket slow = LiveSocket.open(vertx, b.port(), wallet, alice.token());
    slow.socket.pause();

    for (int seq = 1; seq <= 20_000; seq++) {
      b.app.feed().publish(new BalanceEvent(new WalletId(wallet), seq, 0, seq, "t-flood-" + seq, "transfer",
        Instant.now()));
    }

    Eventually.await("the server to cut the slow socket off", Duration.ofSeconds(15),
      () -> b.registry.counter("wallet_websocket_slow_closes_total").count() >= 1);
    slow.socket.resume();
    slow.awaitClose();
    assertThat(slow.closeCode).isEqualTo(WalletSocket.TOO_SLOW);
    assertThat(slow.closeReason).startsWith("too slow");
  }

  @Test
  @DisplayName("at shutdown every socket is closed with 1001 and a reason")
  void shutdownClosesWithAReason() {
    EdgeFixture c = EdgeFixture.start(vertx);
    ApiCaller alice = c.newUser();
    String wallet = alice.openWallet();
    LiveSocket socket = LiveSocket.open(vertx, c.port(), wallet, alice.token());

    c.close();

    socket.awaitClose();
    assertThat(socket.closeCode).isEqualTo(WalletSocket.GOING_AWAY);
    assertThat(socket.closeReason).isEqualTo("server shutting down");
  }
}
