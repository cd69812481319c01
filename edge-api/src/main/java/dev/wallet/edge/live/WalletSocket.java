package dev.wallet.edge.live;

import dev.wallet.balancecache.BalanceListener;
import dev.wallet.balancecache.model.BalanceEvent;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One owner's live view of one wallet. Events arrive from the feed on another thread and are
 * written on the socket's own event loop. Memory is bounded twice: at most {@code maxPending}
 * events may wait for that event loop, and none is written once the socket's write queue is full
 * (the client stopped reading). Either way the client is cut off (1008, "too slow") and reads
 * the wallet again when it reconnects, rather than the server buffering without bound.
 */
public final class WalletSocket {

  public static final short TOO_SLOW = 1008;
  public static final short GOING_AWAY = 1001;
  public static final short TRY_AGAIN_LATER = 1013;
  /** An application code (4000-4999), after HTTP's 401: reconnecting with a fresh token is the cure. */
  public static final short TOKEN_EXPIRED = 4401;
  /** A striped merchant's total is pushed at most this often: ten reads of every shard a second, per socket. */
  static final long TOTAL_READ_EVERY_MS = 100;

  private final ServerWebSocket socket;
  private final WalletId wallet;
  private final Context context;
  private final int maxPending;
  private final MeterRegistry meters;
  private final AtomicInteger pending = new AtomicInteger();
  /** Events that came before the snapshot was sent; touched on the socket's event loop only. */
  private List<BalanceEvent> beforeSnapshot = new ArrayList<>();
  private volatile boolean closed;
  private volatile long lastHeardNanos = System.nanoTime();
  /**
   * A striped merchant's socket: the wallet's balance is the sum over its stripes, so each change
   * of any of them re-reads the total rather than forwarding the change (set before the feed
   * registers the socket). Reads are coalesced: one at a time, and one more if changes came
   * meanwhile, started {@link #TOTAL_READ_EVERY_MS} after the one before at the soonest. A total is
   * a read of every shard; read after every payment, one socket on a merchant paid from all shards
   * nearly doubled the Redis commands of each payment (29.9 to 53.4) and cut the payments' rate.
   */
  private volatile Supplier<Future<Wallet>> totals;
  private volatile List<WalletId> feedIds;
  private boolean reading;
  private boolean readScheduled;
  /**
   * By the monotonic clock: with the wall clock, a step back (an NTP correction, a resumed VM) put the
   * next read of a striped merchant's total as far off, and its pushes stopped for as long (until 2026-12-07).
   */
  private long lastReadAtNanos = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(TOTAL_READ_EVERY_MS);
  private boolean changedWhileReading;
  /** The highest seq the client has (snapshot included); touched on the socket's event loop only. */
  private long sentSeq = -1;
  private String lastTransaction;

  public WalletSocket(ServerWebSocket socket, WalletId wallet, Context context, int maxPending, MeterRegistry meters) {
    this.socket = socket;
    this.wallet = wallet;
    this.context = context;
    this.maxPending = maxPending;
    this.meters = meters;
    this.feedIds = List.of(wallet);
  }

  public WalletId wallet() {
    return wallet;
  }

  /** The ids whose changes reach this socket: its wallet, and a striped merchant's stripes. */
  List<WalletId> feedIds() {
    return feedIds;
  }

  /** Makes this a striped merchant's socket: any change of the wallet or its stripes sends the re-read total. */
  void followTotals(Supplier<Future<Wallet>> reread, List<WalletId> stripes) {
    List<WalletId> ids = new ArrayList<>(stripes);
    ids.add(0, wallet);
    this.feedIds = List.copyOf(ids);
    this.totals = reread;
  }

  /** From any thread. */
  void offer(BalanceEvent event) {
    if (closed) {
      return;
    }
    int queued = pending.incrementAndGet();
    if (queued > maxPending) {
      if (queued == maxPending + 1) { // one cut-off queued, not one an event while the loop is stalled
        context.runOnContext(tooSlow -> closeTooSlow());
      }
      return;
    }
    context.runOnContext(write -> {
      pending.decrementAndGet();
      if (totals != null) {
        lastTransaction = event.transactionId();
        if (beforeSnapshot != null) {
          changedWhileReading = true;
        } else {
          refreshTotal();
        }
        return;
      }
      if (beforeSnapshot != null && beforeSnapshot.size() >= maxPending) {
        closeTooSlow();
      } else if (beforeSnapshot != null) {
        beforeSnapshot.add(event);
      } else {
        sendNewer(event);
      }
    });
  }

  /**
   * The wallet as it is when the socket opens, so a client knows the sequence it starts from
   * (type "snapshot"; events with a seq at or below it are already in it).
   */
  void sendSnapshot(Wallet current) {
    send(new JsonObject().put("type", "snapshot").put("walletId", current.id().value())
      .put("available", current.available()).put("held", current.held()).put("seq", current.seq()));
    List<BalanceEvent> early = beforeSnapshot;
    beforeSnapshot = null;
    sentSeq = current.seq();
    if (totals == null) {
      early.forEach(this::sendNewer);
    } else if (changedWhileReading) {
      refreshTotal();
    }
  }

  /**
   * An event the client does not have yet. The feed sees a change a moment after it is written, so
   * a change just before the snapshot was read comes after the snapshot too: sent again, its
   * balance would go back to before the change after it.
   */
  private void sendNewer(BalanceEvent event) {
    if (event.seq() > sentSeq) {
      sentSeq = event.seq();
      send(balance(event));
    }
  }

  /** On the socket's event loop. */
  private void refreshTotal() {
    if (closed) {
      return;
    }
    if (reading || readScheduled) {
      changedWhileReading = true;
      return;
    }
    long wait = TOTAL_READ_EVERY_MS - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastReadAtNanos);
    if (wait > 0) {
      readScheduled = true;
      // set on this event loop, so it fires here
      context.owner().setTimer(wait, due -> {
        readScheduled = false;
        refreshTotal();
      });
      return;
    }
    reading = true;
    lastReadAtNanos = System.nanoTime();
    changedWhileReading = false;
    // changes offered later may be missing from this read: the push names the last one it holds
    String transaction = lastTransaction;
    totals.get().onComplete(read -> context.runOnContext(done -> {
      reading = false;
      if (read.failed()) {
        closeWithoutSnapshot();
        return;
      }
      Wallet total = read.result();
      if (total.seq() > sentSeq) {
        sentSeq = total.seq();
        send(balance(wallet, total.available(), total.held(), total.seq(), transaction));
      }
      if (changedWhileReading) {
        refreshTotal();
      }
    }));
  }

  /** The wallet could not be read for the snapshot: the client reconnects and reads it again. */
  public void closeWithoutSnapshot() {
    closeWith(TRY_AGAIN_LATER, "the wallet could not be read; reconnect");
  }

  void closeForShutdown() {
    closeWith(GOING_AWAY, "server shutting down");
  }

  /** From any thread: see {@link BalanceFeed#readAgain}. */
  void closeToReadAgain(BalanceListener.Why why) {
    context.runOnContext(close -> {
      if (closeWith(TRY_AGAIN_LATER, why.text() + ": reconnect and read the wallet")) {
        meters.counter("wallet_websocket_read_again_closes_total", "why", why.wire()).increment();
      }
    });
  }

  /** A socket outlives no token: once it expires, nothing more is pushed under it. */
  void closeForExpiredToken() {
    if (closeWith(TOKEN_EXPIRED, "token expired: reconnect with a fresh token")) {
      meters.counter("wallet_websocket_expired_closes_total").increment();
    }
  }

  /** The client answered a ping, or sent something: it is still there. From the socket's event loop. */
  void heard() {
    lastHeardNanos = System.nanoTime();
  }

  /**
   * Traffic on the socket (every socket is pinged), so the server's idle timeout closes only
   * connections that are really idle; unless the client has answered nothing for {@code silence}. The pings are writes, which the
   * idle timeout counts as traffic: a client that vanished without closing (a phone that changed
   * networks) kept its socket, its caller's place and a connection for as long as TCP took to give up
   * (about 15 minutes), until 2026-12-06.
   */
  void ping(Duration silence) {
    if (closed) {
      return;
    }
    if (System.nanoTime() - lastHeardNanos > silence.toNanos()) {
      if (closeWith(GOING_AWAY, "no answer to pings: reconnect")) {
        meters.counter("wallet_websocket_silent_closes_total").increment();
      }
      return;
    }
    socket.writePing(Buffer.buffer());
  }

  private boolean closeWith(short code, String reason) {
    if (closed) {
      return false;
    }
    closed = true;
    socket.close(code, reason);
    return true;
  }

  boolean isClosed() {
    return closed;
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
  public static JsonObject balance(BalanceEvent event) {
    return balance(event.wallet(), event.available(), event.held(), event.seq(), event.transactionId());
  }

  private static JsonObject balance(WalletId wallet, long available, long held, long seq, String transactionId) {
    return new JsonObject().put("type", "balance").put("walletId", wallet.value())
      .put("available", available).put("held", held).put("seq", seq).put("transactionId", transactionId);
  }
}
