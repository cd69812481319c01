package dev.wallet.edge.live;

import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.ConnectionCap;
import dev.wallet.edge.http.Ownership;
import dev.wallet.edge.http.PathIds;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemCode;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /v1/wallets/:id/events: a WebSocket of one wallet's balance changes, for its owner only.
 * Authentication and ownership are checked before the upgrade, so a foreign wallet is a 404 and
 * never a socket; a caller already holding its share of sockets gets 429 too_many_sockets. A
 * socket lives no longer than its token (closed 4401 when it expires) and is pinged at half the
 * server's idle timeout, so a wallet that does not move does not lose its socket. Each verticle
 * knows its own sockets (touched only on its event loop) so that a shutdown can close them with a
 * reason.
 */
public final class SocketHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(SocketHandlers.class);

  private final Ownership ownership;
  private final BalanceFeed feed;
  private final SocketsPerCaller perCaller;
  private final ConnectionCap connections;
  private final int maxPendingEvents;
  private final long pingIntervalMs;
  private final MeterRegistry meters;
  private final Set<WalletSocket> open = new HashSet<>();

  public SocketHandlers(Ownership ownership, BalanceFeed feed, SocketsPerCaller perCaller, ConnectionCap connections,
                 int maxPendingEvents, long idleTimeoutMs, MeterRegistry meters) {
    this.ownership = ownership;
    this.feed = feed;
    this.perCaller = perCaller;
    this.connections = connections;
    this.maxPendingEvents = maxPendingEvents;
    this.pingIntervalMs = Math.max(1, idleTimeoutMs / 2);
    this.meters = meters;
  }

  public void upgrade(RoutingContext ctx) {
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      throw ProblemException.invalid("this endpoint is a WebSocket: send Connection: Upgrade and Upgrade: websocket");
    }
    Caller caller = Authenticator.caller(ctx);
    WalletId id = PathIds.wallet(ctx);
    Context verticleContext = Vertx.currentContext();
    HttpServerRequest request = ctx.request();
    Holder holder = new Holder(caller, Authenticator.tokenExpiresAt(ctx), request.connection());
    request.pause();
    Reply.onContextOf(verticleContext, ownership.ownedWallet(caller, id))
      .compose(wallet -> acceptWithinShare(request, caller)
        .map(socket -> opened(socket, wallet, holder, verticleContext)))
      .onFailure(failure -> {
        request.resume();
        ctx.fail(failure);
      });
  }

  /** The handshake, once the caller has a place left; the place is given back if the handshake fails. */
  private Future<ServerWebSocket> acceptWithinShare(HttpServerRequest request, Caller caller) {
    if (!perCaller.tryOpen(caller.id())) {
      return Future.failedFuture(new ProblemException(Problem.of(ProblemCode.TOO_MANY_SOCKETS, "at most "
        + perCaller.max() + " balance sockets per caller may be open on this server; close one first")));
    }
    return accept(request).onFailure(failed -> perCaller.closed(caller.id()));
  }

  /**
   * The request was paused before the ownership check, so that its end is not consumed while the
   * check runs (a handshake needs a request that has not ended); the handshake takes it over.
   */
  private static Future<ServerWebSocket> accept(HttpServerRequest request) {
    Future<ServerWebSocket> socket = request.toWebSocket();
    request.resume();
    return socket;
  }

  /** At shutdown, before the server stops: every socket learns why it closes. */
  public void closeAll() {
    new HashSet<>(open).forEach(WalletSocket::closeForShutdown);
  }

  /** Who holds a socket: the caller, until when its token is valid, and the connection the socket took over. */
  private record Holder(Caller caller, Instant tokenExpiresAt, HttpConnection connection) {
  }

  private WalletSocket opened(ServerWebSocket socket, Wallet wallet, Holder holder, Context context) {
    Vertx vertx = context.owner();
    WalletSocket live = new WalletSocket(socket, wallet.id(), context, maxPendingEvents, meters);
    long expiry = vertx.setTimer(Math.max(1, holder.tokenExpiresAt().toEpochMilli() - System.currentTimeMillis()),
      expired -> live.closeForExpiredToken());
    // a client that answered none of two pings is gone
    Duration silence = Duration.ofMillis(2 * pingIntervalMs);
    long pings = vertx.setPeriodic(pingIntervalMs, ping -> live.ping(silence));
    open.add(live);
    socket.closeHandler(closed -> {
      vertx.cancelTimer(expiry);
      vertx.cancelTimer(pings);
      live.markClosed();
      open.remove(live);
      feed.unregister(live);
      perCaller.closed(holder.caller().id());
      connections.release(holder.connection());
    });
    socket.handler(ignored -> live.heard());
    socket.pongHandler(pong -> live.heard());
    // the snapshot is read once the feed follows the wallet's shard, so nothing falls between the two
    Reply.onContextOf(context, feed.register(live).compose(following -> ownership.ownedWallet(holder.caller(),
        wallet.id())))
      .onSuccess(live::sendSnapshot)
      .onFailure(failure -> {
        LOG.warn("no snapshot for a balance socket of {}: {}", wallet.id(), failure.toString());
        live.closeWithoutSnapshot();
      });
    return live;
  }
}
