package dev.wallet.balancecache.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletType;
import io.vertx.core.Future;
import java.util.Currency;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class WalletIdentitiesTest {

  private final Map<WalletId, WalletIdentity> stored = new HashMap<>();
  private final AtomicInteger reads = new AtomicInteger();
  private final Function<WalletId, Future<Optional<WalletIdentity>>> reader = id -> {
    reads.incrementAndGet();
    return Future.succeededFuture(Optional.ofNullable(stored.get(id)));
  };

  @Test
  @DisplayName("an identity is read once, then served from memory")
  void readOnce() {
    WalletIdentities identities = new WalletIdentities(100);
    WalletIdentity alice = open("alice");

    assertThat(identities.get(alice.id(), reader).result()).contains(alice);
    assertThat(identities.get(alice.id(), reader).result()).contains(alice);
    assertThat(reads).hasValue(1);
  }

  @Test
  @DisplayName("a wallet not found is asked for again: it may be opened a moment later")
  void absenceIsNotRemembered() {
    WalletIdentities identities = new WalletIdentities(100);
    WalletId later = WalletId.random(new ShardId(1));

    assertThat(identities.get(later, reader).result()).isEmpty();
    WalletIdentity opened = new WalletIdentity(later, "bob", Currency.getInstance("EUR"), WalletType.PERSONAL);
    stored.put(later, opened);
    assertThat(identities.get(later, reader).result()).contains(opened);
    assertThat(reads).hasValue(2);
  }

  @Test
  @DisplayName("memory stays within its capacity, and a forgotten identity is read again")
  void bounded() {
    WalletIdentities identities = new WalletIdentities(50);
    for (int i = 0; i < 1_000; i++) {
      WalletIdentity one = open("owner-" + i);
      assertThat(identities.get(one.id(), reader).result()).contains(one);
      assertThat(identities.size()).isLessThanOrEqualTo(50);
    }
    assertThat(reads).hasValue(1_000);
  }

  private WalletIdentity open(String owner) {
    WalletId id = WalletId.random(new ShardId(0));
    WalletIdentity identity = new WalletIdentity(id, owner, Currency.getInstance("USD"), WalletType.PERSONAL);
    stored.put(id, identity);
    return identity;
  }
}
