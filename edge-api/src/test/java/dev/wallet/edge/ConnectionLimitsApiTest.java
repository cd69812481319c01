package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.edge.live.WalletSocket;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What bounds a connection's life and number: the token's expiry ends a balance socket, a caller
 * holds a limited number of them, an idle connection is closed, and the process holds a limited
 * number of connections.
 */
@ExtendWith(VertxExtension.class)
class ConnectionLimitsApiTest {

  private static final long IDLE_TIMEOUT_MS = 1_000;
  private static final int SOCKETS_PER_CALLER = 2;
  private static final int MAX_CONNECTIONS = 3;
  private static Vertx vertx;
  /** Wallets are opened through this one: its own client's pooled connections never meet a short idle timeout. */
  private static EdgeFixture quick;
  /** Only raw connections and sockets reach this one. */
  private static EdgeFixture idle;
  private static EdgeFixture capped;

  @BeforeAll
  static void start(Vertx testVertx) {
    vertx = testVertx;
    quick = EdgeFixture.start(vertx, Map.of("WALLET_WS_MAX_PER_CALLER", Integer.toString(SOCKETS_PER_CALLER)));
    idle = EdgeFixture.start(vertx, Map.of("WALLET_HTTP_IDLE_TIMEOUT_MS", Long.toString(IDLE_TIMEOUT_MS)));
    capped = EdgeFixture.start(vertx, Map.of("WALLET_HTTP_MAX_CONNECTIONS", Integer.toString(MAX_CONNECTIONS)));
  }

  @AfterAll
  static void stop() {
    quick.close();
    idle.close();
    capped.close();
  }

  @Test
  @DisplayName("a balance socket is closed with 4401 'token expired' when its token expires, not before")
  void socketEndsWithItsToken() {
    ApiCaller alice = quick.newUser();
    String wallet = alice.openWallet();
    long expSeconds = Instant.now().plusSeconds(2).getEpochSecond();
    String shortLived = Tokens.hs256(Tokens.claims(alice.id()).put("exp", expSeconds));

    LiveSocket socket = LiveSocket.open(vertx, quick.port(), wallet, shortLived);

    socket.awaitClose();
    assertThat(socket.closeCode).isEqualTo(WalletSocket.TOKEN_EXPIRED);
    assertThat(socket.closeReason).isEqualTo("token expired: reconnect with a fresh token");
    assertThat(socket.closedAt).isAfterOrEqualTo(Instant.ofEpochSecond(expSeconds));
    assertThat(quick.registry.counter("wallet_websocket_expired_closes_total").count()).isGreaterThanOrEqualTo(1);
  }

  @Test
  @DisplayName("a caller's socket beyond its share is refused 429 too_many_sockets; another caller is not affected, "
    + "and a closed socket frees its place")
  void socketsPerCaller() {
    ApiCaller alice = quick.newUser();
    ApiCaller bob = quick.newUser();
    String wallet = alice.openWallet();
    String bobs = bob.openWallet();
    List<LiveSocket> held = new ArrayList<>();
    for (int i = 0; i < SOCKETS_PER_CALLER; i++) {
      held.add(LiveSocket.open(vertx, quick.port(), wallet, alice.token()));
    }

    UpgradeRejectedException refused = LiveSocket.rejection(vertx, quick.port(), wallet, alice.token(), false);
    LiveSocket others = LiveSocket.open(vertx, quick.port(), bobs, bob.token());

    assertThat(refused.getStatus()).isEqualTo(429);
    JsonObject problem = new JsonObject(refused.getBody());
    assertThat(problem.getString("code")).isEqualTo("too_many_sockets");
    assertThat(problem.getString("detail")).contains("at most " + SOCKETS_PER_CALLER + " balance sockets per caller");
    assertThat(others.awaitSnapshot().getString("walletId")).isEqualTo(bobs);
    Await.result(held.get(0).socket.close());
    AtomicReference<LiveSocket> again = new AtomicReference<>();
    Eventually.await("a place to free up once a socket closed", Duration.ofSeconds(10), () -> {
      again.set(Await.result(LiveSocket.connect(vertx, quick.port(), wallet, alice.token(), false)));
      return true;
    });
    assertThat(again.get().awaitSnapshot().getString("walletId")).isEqualTo(wallet);
    again.get().socket.close();
    held.get(1).socket.close();
    others.socket.close();
  }

  @Test
  @DisplayName("a connection that sends nothing is closed after the idle timeout; a quiet balance socket is pinged "
    + "and stays open")
  void idleConnectionsAreClosed() {
    ApiCaller alice = quick.newUser();
    String wallet = alice.openWallet();
    LiveSocket quiet = LiveSocket.open(vertx, idle.port(), wallet, alice.token());
    Instant connectedAt = Instant.now();
    Connection silent = Connection.open(vertx, idle.port());

    Eventually.await("the server to close the idle connection", Duration.ofSeconds(10), silent::closed);

    assertThat(Duration.between(connectedAt, silent.closedAt.get())).isGreaterThanOrEqualTo(Duration.ofMillis(
      IDLE_TIMEOUT_MS - 100));
    Eventually.await("three idle timeouts to pass", Duration.ofSeconds(10),
      () -> Duration.between(connectedAt, Instant.now()).toMillis() > 3 * IDLE_TIMEOUT_MS);
    assertThat(quiet.isOpen()).as("a socket with no events, pinged by the server").isTrue();
    quiet.socket.close();
  }

  @Test
  @DisplayName("a balance socket whose client answers no ping (it vanished without closing its connection) is "
    + "closed, though the server's own pings keep the connection from ever being idle")
  void silentClientIsClosed() {
    ApiCaller alice = quick.newUser();
    String wallet = alice.openWallet();
    Connection vanished = Connection.open(vertx, idle.port());

    vanished.socket.write(Buffer.buffer("GET /v1/wallets/" + wallet + "/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      + "Authorization: Bearer " + alice.token() + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
    Eventually.await("the upgrade", Duration.ofSeconds(10),
      () -> vanished.received.get().startsWith("HTTP/1.1 101"));

    // it takes what comes and answers nothing, pings included; the server waits up to 10 s for a close handshake
    Eventually.await("the server to close the silent socket's connection", Duration.ofSeconds(30),
      () -> vanished.closedAt.get() != null);
    assertThat(idle.registry.counter("wallet_websocket_silent_closes_total").count()).isEqualTo(1);
  }

  @Test
  @DisplayName("every answer tells the client to let an unused connection go at half the idle timeout, well before "
    + "the edge closes it; no hint below 2 s")
  void keepAliveHint() {
    Connection usual = Connection.open(vertx, quick.port());
    Connection shortLived = Connection.open(vertx, idle.port());

    assertThat(usual.askLive()).isTrue();
    assertThat(shortLived.askLive()).isTrue();

    // quick runs with the default idle timeout of 60 s
    assertThat(usual.awaitHeaders()).contains("\r\nKeep-Alive: timeout=30\r\n");
    assertThat(shortLived.awaitHeaders()).doesNotContainIgnoringCase("keep-alive:");
    usual.close();
    shortLived.close();
  }

  @Test
  @DisplayName("beyond the connection cap a new connection is closed at once; those within it are served, and a "
    + "closed one, WebSocket or HTTP, frees a place")
  void connectionCap() {
    ApiCaller alice = quick.newUser();
    String wallet = alice.openWallet();
    LiveSocket socket = LiveSocket.open(vertx, capped.port(), wallet, alice.token());
    List<Connection> within = new ArrayList<>();
    for (int i = 1; i < MAX_CONNECTIONS; i++) {
      within.add(Connection.open(vertx, capped.port()));
    }
    within.forEach(connection -> assertThat(connection.askLive()).as("served within the cap").isTrue());

    Connection beyond = Connection.open(vertx, capped.port());

    Eventually.await("the connection beyond the cap to be closed", Duration.ofSeconds(10), beyond::closed);
    assertThat(beyond.received.get()).isEmpty();
    assertThat(capped.registry.counter("wallet_http_connections_refused_total").count()).isGreaterThanOrEqualTo(1);
    Await.result(socket.socket.close());
    awaitAdmitted(within, "a place to free up once the WebSocket closed");
    within.remove(0).close();
    awaitAdmitted(within, "a place to free up once an HTTP connection closed");
    within.forEach(Connection::close);
  }

  /**
   * Opens connections until one is served. A connection refused at the cap is normally closed at
   * once; one that was neither served nor seen closed within its wait (seen twice under heavy load,
   * not explained yet) counts as not admitted. Every connection not served is closed here: one the
   * edge did admit but did not answer in time would otherwise keep its place to the end of the test.
   */
  private static void awaitAdmitted(List<Connection> held, String what) {
    Eventually.await(what, Duration.ofSeconds(30), () -> {
      Connection next = Connection.open(vertx, capped.port());
      boolean served;
      try {
        served = next.askLive();
      } catch (AssertionError unanswered) {
        served = false;
      }
      if (served) {
        held.add(next);
      } else {
        next.close();
      }
      return served;
    });
  }

  /** A raw TCP connection to an edge: what it received, and when the server closed it. */
  private static final class Connection {

    final NetSocket socket;
    final AtomicReference<String> received = new AtomicReference<>("");
    final AtomicReference<Instant> closedAt = new AtomicReference<>();
    final AtomicBoolean closedHere = new AtomicBoolean();

    private Connection(NetSocket socket) {
      this.socket = socket;
      socket.handler(bytes -> received.updateAndGet(text -> text + bytes.toString()));
      socket.closeHandler(closed -> closedAt.set(Instant.now()));
    }

    static Connection open(Vertx vertx, int port) {
      NetClient client = vertx.createNetClient();
      return new Connection(Await.result(client.connect(port, "127.0.0.1")));
    }

    /**
     * Closed by the server. A close that arrived before the close handler was set never calls it,
     * so a connection that has not seen one is also asked with a write (an empty line, which an
     * HTTP/1.1 server skips before a request): a closed connection refuses it.
     */
    boolean closed() {
      // a write neither done nor refused within seconds is a connection gone too (once, under load, it never completed)
      if (closedAt.get() == null && Await.result(socket.write(Buffer.buffer("\r\n")).timeout(5, TimeUnit.SECONDS)
          .transform(written -> Future.succeededFuture(written.failed())))) {
        closedAt.compareAndSet(null, Instant.now());
      }
      return closedAt.get() != null;
    }

    /** GET /health/live over this connection (kept alive); true once it answered 200, false if it was closed. */
    boolean askLive() {
      received.set("");
      socket.write(Buffer.buffer("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
      try {
        Eventually.await("an answer or a close", Duration.ofSeconds(10),
          () -> closed() || received.get().startsWith("HTTP/1.1 200"));
      } catch (AssertionError e) {
        throw new AssertionError("neither 200 nor a close; received: " + received.get(), e);
      }
      return !closed();
    }

    /** The head of the answer received last, once all of it arrived. */
    String awaitHeaders() {
      Eventually.await("the answer's headers", Duration.ofSeconds(10), () -> received.get().contains("\r\n\r\n"));
      String answer = received.get();
      return answer.substring(0, answer.indexOf("\r\n\r\n") + 2);
    }

    void close() {
      if (closedHere.compareAndSet(false, true)) {
        socket.close();
      }
    }
  }
}
