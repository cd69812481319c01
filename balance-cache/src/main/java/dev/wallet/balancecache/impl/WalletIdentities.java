package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import io.vertx.core.Future;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Wallet identities read once and then served from memory. An identity never changes after the
 * wallet is opened (open_wallet.lua is the only script that writes owner, currency and type, and a
 * rebuild restores the same ones), so a remembered one cannot go stale; a wallet not found is not
 * remembered, since it may be opened a moment later. Bounded: past the capacity, an arbitrary
 * tenth is forgotten and read again when next asked for.
 */
final class WalletIdentities {

  private final int capacity;
  private final Map<WalletId, WalletIdentity> known = new ConcurrentHashMap<>();

  WalletIdentities(int capacity) {
    this.capacity = capacity;
  }

  Future<Optional<WalletIdentity>> get(WalletId id, Function<WalletId, Future<Optional<WalletIdentity>>> read) {
    WalletIdentity remembered = known.get(id);
    if (remembered != null) {
      return Future.succeededFuture(Optional.of(remembered));
    }
    return read.apply(id).onSuccess(found -> found.ifPresent(this::remember));
  }

  private void remember(WalletIdentity identity) {
    if (known.size() >= capacity) {
      forgetSome();
    }
    known.put(identity.id(), identity);
  }

  private void forgetSome() {
    Iterator<WalletId> ids = known.keySet().iterator();
    for (int left = Math.max(1, capacity / 10); left > 0 && ids.hasNext(); left--) {
      ids.next();
      ids.remove();
    }
  }

  int size() {
    return known.size();
  }
}
