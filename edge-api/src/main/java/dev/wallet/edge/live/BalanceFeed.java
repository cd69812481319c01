package dev.wallet.edge.live;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceListener;
import dev.wallet.balancecache.model.BalanceEvent;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live balance sockets of this process, by wallet, fed by one subscription to the money
 * core's balance feed (every shard's outbox, whichever instance made the change: that is what
 * carries a change made through instance A to a socket held by instance B). The subscription is
 * taken when the first socket opens. Sockets live on several event loops, so the index is a
 * concurrent map whose per-wallet sets change only inside {@code compute}.
 */
public final class BalanceFeed implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BalanceFeed.class);

  private final BalanceCache cache;
  private final ConcurrentMap<WalletId, Set<WalletSocket>> sockets = new ConcurrentHashMap<>();
  /** A hot merchant's total, read once for all of its sockets here (a total reads every shard). */
  private final ConcurrentMap<WalletId, SharedReads<Wallet>> totals = new ConcurrentHashMap<>();
  private Future<AutoCloseable> subscription;

  public BalanceFeed(BalanceCache cache, MeterRegistry registry) {
    this.cache = cache;
    registry.gauge("wallet_websockets_open", sockets, BalanceFeed::openSockets);
  }

  /** Each socket once: a striped merchant's is also listed under each of its stripes. */
  private static double openSockets(ConcurrentMap<WalletId, Set<WalletSocket>> sockets) {
    return sockets.entrySet().stream()
      .mapToLong(listed -> listed.getValue().stream().filter(socket -> socket.wallet().equals(listed.getKey())).count())
      .sum();
  }

  /**
   * Completes once the feed follows every shard: from then on every change of the socket's wallet
   * reaches it, so a snapshot read after it misses nothing.
   */
  public Future<Void> register(WalletSocket socket) {
    Future<AutoCloseable> following = subscribeOnce();
    return cache.stripesOf(socket.wallet()).compose(stripes -> {
      if (!stripes.isEmpty()) {
        socket.followTotals(totals.computeIfAbsent(socket.wallet(),
          merchant -> new SharedReads<>(() -> cache.wallet(merchant).map(Optional::orElseThrow)))::get, stripes);
      }
      socket.feedIds().forEach(id -> sockets.compute(id, (wallet, open) -> {
        Set<WalletSocket> set = open == null ? ConcurrentHashMap.newKeySet() : open;
        set.add(socket);
        return set;
      }));
      if (socket.isClosed()) {
        unregister(socket);  // closed while its stripes were looked up: its close found nothing to remove
      }
      return following.mapEmpty();
    });
  }

  void unregister(WalletSocket socket) {
    socket.feedIds().forEach(id -> sockets.computeIfPresent(id, (wallet, open) -> {
      open.remove(socket);
      return open.isEmpty() ? null : open;
    }));
    // a read the last socket of a merchant left running completes on its own; the next socket starts anew
    totals.computeIfPresent(socket.wallet(), (merchant, reads) -> sockets.containsKey(merchant) ? reads : null);
  }

  /**
   * What a socket with a wallet on {@code shard} was pushed, or will be, may be wrong
   * ({@link BalanceListener.Why}): a failover of the shard's master may have taken back a balance it
   * was pushed, and the shard's next change may come with that balance's seq, which the socket would
   * pass over as one it has; a feed that began following the shard late, or that missed or could not
   * read some of its changes, never pushes them. Every such socket is closed with 1013, and its
   * client reads the wallet again.
   */
  void readAgain(ShardId shard, BalanceListener.Why why) {
    sockets.forEach((id, listening) -> {
      if (id.shard().equals(shard)) {
        listening.forEach(socket -> socket.closeToReadAgain(why));
      }
    });
  }

  /** Runs on the feed's own event loop: each socket hops to its own. */
  public void publish(BalanceEvent event) {
    Set<WalletSocket> listening = sockets.get(event.wallet());
    if (listening != null) {
      listening.forEach(socket -> socket.offer(event));
    }
  }

  private synchronized Future<AutoCloseable> subscribeOnce() {
    if (subscription == null) {
      subscription = cache.subscribeBalanceChanges(new BalanceListener() {
        @Override
        public void balance(BalanceEvent event) {
          publish(event);
        }

        @Override
        public void readAgain(ShardId shard, Why why) {
          BalanceFeed.this.readAgain(shard, why);
        }
      });
    }
    return subscription;
  }

  @Override
  public synchronized void close() {
    if (subscription != null) {
      subscription.onSuccess(handle -> {
        try {
          handle.close();
        } catch (Exception e) {
          LOG.warn("could not stop listening to the balance feed: {}", e.toString());
        }
      });
    }
  }
}
