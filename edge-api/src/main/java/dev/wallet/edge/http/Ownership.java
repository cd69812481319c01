package dev.wallet.edge.http;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import io.vertx.core.Future;
import java.util.Optional;

/**
 * Object-level access: a caller reaches only the wallets it owns, and a wallet it does not own
 * answers exactly like a wallet that does not exist (404, no data). Owners never change, so a
 * check here cannot go stale before the money core acts. A hot merchant's credit stripe is its
 * merchant wallet's, not a wallet its owner reaches by its own id (read, fed, deposited to, or
 * placed beside: a wallet opened next to one would sit off its owner's home shard, with limit
 * windows of its own); the money core refuses it as the source of a client's movement too.
 */
public final class Ownership {

  private final BalanceCache cache;

  public Ownership(BalanceCache cache) {
    this.cache = cache;
  }

  /** The wallet, when the caller owns it; a failed future with a 404 problem otherwise. */
  public Future<Wallet> ownedWallet(Caller caller, WalletId id) {
    return owns(caller, id).compose(owned -> owned ? cache.wallet(id) : Future.succeededFuture(Optional.<Wallet>empty()))
      .map(found -> found.orElseThrow(() -> new ProblemException(Problem.notFound())));
  }

  public Future<Void> requireOwned(Caller caller, Optional<WalletId> id) {
    return id.isEmpty() ? Future.succeededFuture() : owns(caller, id.get()).map(owned -> {
      if (!owned) {
        throw new ProblemException(Problem.notFound());
      }
      return null;
    });
  }

  public Future<Boolean> ownsEither(Caller caller, WalletId first, WalletId second) {
    return owns(caller, first).compose(ownsFirst -> ownsFirst ? Future.succeededFuture(true) : owns(caller, second));
  }

  /**
   * The source of a movement {@code actor} asks for is its own, or a failed future with a 404 problem:
   * checked before a refusal is answered (the receiver's limits would tell about the receiver) and
   * before another region is asked about a merchant, so that naming a wallet one does not own learns
   * nothing and costs nothing elsewhere. The money core checks it in the script that moves the money,
   * so a movement that passes its checks reads nothing more for it here.
   */
  public Future<Void> requireSourceOf(String actor, WalletId source) {
    return ownedBy(actor, source).map(owned -> {
      if (!owned) {
        throw new ProblemException(Problem.notFound());
      }
      return null;
    });
  }

  /** Another region's wallet cannot be read here, so owning it cannot be shown here either. */
  public Future<Boolean> owns(Caller caller, WalletId id) {
    return ownedBy(caller.id(), id);
  }

  private Future<Boolean> ownedBy(String ownerId, WalletId id) {
    if (!cache.shards().contains(id.shard())) {
      return Future.succeededFuture(false);
    }
    return cache.identity(id).map(found -> found.filter(wallet -> !wallet.stripe())
      .map(wallet -> wallet.ownerId().equals(ownerId)).orElse(false));
  }
}
