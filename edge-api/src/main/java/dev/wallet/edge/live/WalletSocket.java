package dev.wallet.edge;

import dev.wallet.balancecache.model.BalanceEvent;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One owner's live view of one wallet. Events arrive from the feed on another thread and are
 * written on the socket's own event loop. Memory is bounded twice: at most {@code maxPending}
 * events may wait for that event loop, and none is written once the socket's write queue is full
 * (the client stopped reading). Either way the client is cut off (1008, "too slow") and reads
 * the wallet again when it reconnects, rather than the server buffering without bound.
 */
final class WalletSocket {

  static final short TOO_SLOW = 1008;
  static final short GOING_AWAY = 1001;
  /** An application code (4000-4999), after HTTP's 401: reconnecting with a fresh token is the cure. */
  static final short TOKEN_EXPIRED = 4401;

  private final ServerWebSocket socket;
  private final WalletId wallet;
  private final Context context;
  private final int maxPending;
  private final MeterRegistry meters;
  private final AtomicInteger pending = new AtomicInteger();
  private volatile boolean closed;

  WalletSocket(ServerWebSocket socket, WalletId wallet, Context context, int maxPending, MeterRegistry meters) {
    this.socket = socket;
    this.wallet = wallet;
    this.context = context;
    this.maxPending = maxPending;
    this.meters = meters;
  }

  WalletId wallet() {
    return wallet;
  }

  /** From any thread. */
  void offer(BalanceEvent event) {
    if (closed) {
      return;
    }
    if (pending.incrementAndGet() > maxPending) {
      context.runOnContext(tooSlow -> closeTooSlow());
      return;
    }
    context.runOnContext(write -> {
      pending.decrementAndGet();
      send(balance(event));
    });
  }

  /**
   * The wallet as it is when the socket opens, so a client knows the sequence it starts from
   * (type "snapshot"; events with a seq at or below it are already in it).
   */
  void sendSnapshot(Wallet current) {
    send(new JsonObject().put("type", "snapshot").put("walletId", current.id().value())
      .put("available", current.available()).put("held", current.held()).put("seq", current.seq()));
  }

  void closeForShutdown() {
    closeWith(GOING_AWAY, "server shutting down");
  }

  /** A socket outlives no token: once it expires, nothing more is pushed under it. */
  void closeForExpiredToken() {
    if (closeWith(TOKEN_EXPIRED, "token expired: reconnect with a fresh token")) {
      meters.counter("wallet_websocket_expired_closes_total").increment();
    }
  }

  /** Traffic on a quiet socket, so the server's idle timeout closes only connections that are really idle. */
  void ping() {
    if (!closed) {
      socket.writePing(Buffer.buffer());
    }
  }

  private boolean closeWith(short code, String reason) {
    if (closed) {
      return false;
    }
    closed = true;
    socket.close(code, reason);
    return true;
  }

  void markClosed() {
    closed = true;
  }

  private void send(JsonObject message) {
    if (closed) {
      return;
    }
    if (socket.writeQueueFull()) {
      closeTooSlow();
      return;
    }
    socket.writeTextMessage(message.encode());
    meters.counter("wallet_websocket_events_total").increment();
  }

  private void closeTooSlow() {
    if (closeWith(TOO_SLOW, "too slow: balance events were not read in time; reconnect and read the wallet")) {
      meters.counter("wallet_websocket_slow_closes_total").increment();
    }
  }

  /** The contract's event: {"type":"balance","walletId","available","held","seq","transactionId"}. */
  static JsonObject balance(BalanceEvent event) {
    return new JsonObject().put("type", "balance").put("walletId", event.wallet().value())
      .put("available", event.available()).put("held", event.held()).put("seq", event.seq())
      .put("transactionId", event.transactionId());
  }
}
