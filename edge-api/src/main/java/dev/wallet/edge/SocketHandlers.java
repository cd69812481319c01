package dev.wallet.edge;

import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.util.HashSet;
import java.util.Set;

/**
 * GET /v1/wallets/:id/events: a WebSocket of one wallet's balance changes, for its owner only.
 * Authentication and ownership are checked before the upgrade, so a foreign wallet is a 404 and
 * never a socket. Each verticle knows its own sockets (touched only on its event loop) so that a
 * shutdown can close them with a reason.
 */
final class SocketHandlers {

  private final Ownership ownership;
  private final BalanceFeed feed;
  private final int maxPendingEvents;
  private final MeterRegistry meters;
  private final Set<WalletSocket> open = new HashSet<>();

  SocketHandlers(Ownership ownership, BalanceFeed feed, int maxPendingEvents, MeterRegistry meters) {
    this.ownership = ownership;
    this.feed = feed;
    this.maxPendingEvents = maxPendingEvents;
    this.meters = meters;
  }

  void upgrade(RoutingContext ctx) {
    if (!"websocket".equalsIgnoreCase(ctx.request().getHeader("Upgrade"))) {
      throw ProblemException.invalid("this endpoint is a WebSocket: send Connection: Upgrade and Upgrade: websocket");
    }
    Caller caller = Authenticator.caller(ctx);
    WalletId id = PathIds.wallet(ctx);
    Context verticleContext = Vertx.currentContext();
    HttpServerRequest request = ctx.request();
    request.pause();
    Reply.onContextOf(verticleContext, ownership.ownedWallet(caller, id))
      .compose(wallet -> accept(request).map(socket -> opened(socket, wallet, verticleContext)))
      .onFailure(failure -> {
        request.resume();
        ctx.fail(failure);
      });
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
  void closeAll() {
    new HashSet<>(open).forEach(WalletSocket::closeForShutdown);
  }

  private WalletSocket opened(ServerWebSocket socket, Wallet wallet, Context context) {
    WalletSocket live = new WalletSocket(socket, wallet.id(), context, maxPendingEvents, meters);
    open.add(live);
    socket.closeHandler(closed -> {
      live.markClosed();
      open.remove(live);
      feed.unregister(live);
    });
    socket.handler(ignored -> { });
    feed.register(live);
    live.sendSnapshot(wallet);
    return live;
  }
}
