package dev.wallet.edge;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A test client of the balance socket: every message it received, and how it was closed. It holds
 * its own WebSocket client: Vert.x closes a client that is no longer reachable when the garbage
 * collector finds it, and with it the client's connections, so a client held by nobody could close
 * a socket mid-handshake or mid-test (this was the "Connection closed" handshake failures of stops 16
 * and 29).
 */
final class LiveSocket {

  private final WebSocketClient client;
  final WebSocket socket;
  final List<JsonObject> messages = new CopyOnWriteArrayList<>();
  volatile Short closeCode;
  volatile String closeReason;
  volatile Instant closedAt;

  private LiveSocket(WebSocketClient client, WebSocket socket) {
    this.client = client;
    this.socket = socket;
    socket.textMessageHandler(text -> messages.add(new JsonObject(text)));
    socket.closeHandler(closed -> {
      closedAt = Instant.now();
      closeReason = socket.closeReason();
      closeCode = socket.closeStatusCode();
      client.close();
    });
  }

  /** Connects with the token in the Authorization header (or in access_token when {@code inQuery}). */
  static Future<LiveSocket> connect(Vertx vertx, int port, String wallet, String token, boolean inQuery) {
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
      .setURI("/v1/wallets/" + wallet + "/events" + (inQuery ? "?access_token=" + token : ""));
    if (!inQuery && token != null) {
      options.addHeader("Authorization", "Bearer " + token);
    }
    return client.connect(options)
      .map(connected -> new LiveSocket(client, connected))
      .onFailure(refused -> client.close());
  }

  /** A socket with its snapshot. */
  static LiveSocket open(Vertx vertx, int port, String wallet, String token) {
    LiveSocket live = Await.result(connect(vertx, port, wallet, token, false));
    live.awaitSnapshot();
    return live;
  }

  /** The HTTP status that refused the upgrade. */
  static int refusal(Vertx vertx, int port, String wallet, String token, boolean inQuery) {
    return rejection(vertx, port, wallet, token, inQuery).getStatus();
  }

  /** The refused upgrade: its status and its problem body. */
  static UpgradeRejectedException rejection(Vertx vertx, int port, String wallet, String token, boolean inQuery) {
    Throwable failure = Await.result(connect(vertx, port, wallet, token, inQuery)
      .transform(connected -> Future.succeededFuture(connected.cause())));
    if (!(failure instanceof UpgradeRejectedException rejected)) {
      throw new AssertionError("the upgrade was not refused: " + failure);
    }
    return rejected;
  }

  boolean isOpen() {
    return closeCode == null && !socket.isClosed();
  }

  JsonObject awaitSnapshot() {
    return awaitMessage("the snapshot", message -> "snapshot".equals(message.getString("type")));
  }

  JsonObject awaitBalance(long seq) {
    return awaitMessage("the balance event of seq " + seq, message -> "balance".equals(message.getString("type"))
      && message.getLong("seq") == seq);
  }

  void awaitClose() {
    Eventually.await("the socket to close", Duration.ofSeconds(15), () -> closeCode != null);
  }

  JsonObject awaitMessage(String what, java.util.function.Predicate<JsonObject> wanted) {
    try {
      Eventually.await(what, Duration.ofSeconds(15), () -> messages.stream().anyMatch(wanted));
    } catch (AssertionError missing) {
      throw new AssertionError(missing.getMessage() + "; the socket " + (isOpen() ? "is open"
        : "closed at " + closedAt + " with " + closeCode + " '" + closeReason + "'") + ", received " + messages, missing);
    }
    return messages.stream().filter(wanted).findFirst().orElseThrow();
  }

  Optional<JsonObject> last() {
    return messages.isEmpty() ? Optional.empty() : Optional.of(messages.get(messages.size() - 1));
  }
}
