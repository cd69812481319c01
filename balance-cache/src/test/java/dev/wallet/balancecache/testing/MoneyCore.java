package dev.wallet.balancecache.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.OpenWallet;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.outbox.PostingType;
import io.vertx.core.Future;
import java.util.Currency;
import java.util.Optional;
import java.util.UUID;

/** Shortcuts for tests that need wallets with money in them. */
public final class MoneyCore {

  public static final Currency USD = Currency.getInstance("USD");

  private final BalanceCache cache;

  public MoneyCore(BalanceCache cache) {
    this.cache = cache;
  }

  public static IdempotencyKey key(String scope) {
    return new IdempotencyKey(scope, UUID.randomUUID().toString());
  }

  public static String owner() {
    return "user-" + UUID.randomUUID();
  }

  public WalletId open(String owner) {
    return open(owner, Optional.empty());
  }

  public WalletId openNear(String owner, WalletId neighbour) {
    return open(owner, Optional.of(neighbour));
  }

  /** A wallet of {@code owner} whose shard differs from {@code other}'s. */
  public WalletId openElsewhere(String owner, WalletId other) {
    return open(owner, awayFrom(owner, other), WalletType.PERSONAL);
  }

  public WalletId openMerchant(String owner, Optional<WalletId> colocateWith) {
    return open(owner, colocateWith, WalletType.MERCHANT);
  }

  /** A merchant wallet of {@code owner} on a shard other than {@code other}'s. */
  public WalletId openMerchantElsewhere(String owner, WalletId other) {
    return open(owner, awayFrom(owner, other), WalletType.MERCHANT);
  }

  /**
   * A merchant wallet of {@code owner} on a shard that another Redis master serves than {@code other}'s:
   * a saga between them runs step by step, never in one script (docs/architecture.md, "The cross-shard saga").
   */
  public WalletId openMerchantOnAnotherMaster(String owner, WalletId other) {
    return open(owner, Optional.of(WalletId.random(onAnotherMaster(other))), WalletType.MERCHANT);
  }

  /** A personal wallet of {@code owner} on a shard that another Redis master serves than {@code other}'s. */
  public WalletId openOnAnotherMaster(String owner, WalletId other) {
    return open(owner, Optional.of(WalletId.random(onAnotherMaster(other))), WalletType.PERSONAL);
  }

  private ShardId onAnotherMaster(WalletId other) {
    int master = RedisNodes.masterOf(other.shard());
    return cache.shards().all().stream().filter(shard -> RedisNodes.masterOf(shard) != master)
      .findFirst().orElseThrow(() -> new IllegalStateException("one master serves every shard"));
  }

  /**
   * Where to put a wallet of {@code owner} so that it is not on {@code other}'s shard: its owner's
   * home (no colocation), unless that is other's shard; then beside a made-up id on the next shard
   * (the money core places by the id's shard alone).
   */
  private Optional<WalletId> awayFrom(String owner, WalletId other) {
    if (!cache.shards().homeOf(owner).equals(other.shard())) {
      return Optional.empty();
    }
    return Optional.of(WalletId.random(cache.shards().at(other.shard().number() - cache.shards().first() + 1)));
  }

  private WalletId open(String owner, Optional<WalletId> colocateWith) {
    return open(owner, colocateWith, WalletType.PERSONAL);
  }

  private WalletId open(String owner, Optional<WalletId> colocateWith, WalletType type) {
    Outcome<Wallet> opened = Await.result(cache.openWallet(
      new OpenWallet(owner, USD, type, colocateWith, key(owner))));
    assertThat(opened.code()).isEqualTo(OutcomeCode.OK);
    return opened.value().id();
  }

  public void fund(WalletId wallet, long minor) {
    Outcome<?> credited = Await.result(cache.credit(new Credit(wallet, new Money(minor, USD),
      SystemAccount.clearing("sandbox", USD), PostingType.DEPOSIT, "d-" + UUID.randomUUID(), key("test-funding"))));
    assertThat(credited.code()).isEqualTo(OutcomeCode.OK);
  }

  public WalletId funded(String owner, long minor) {
    WalletId id = open(owner);
    fund(id, minor);
    return id;
  }

  public Future<Outcome<TransferView>> transfer(WalletId from, WalletId to, long minor, String owner) {
    return cache.transfer(new Transfer(from, to, new Money(minor, USD), owner, key(owner)));
  }

  /**
   * A cross-shard transfer as a crash right after its debit leaves it: step 1 done, pending on the
   * source shard for the sweeper (or a retry) to finish.
   */
  public static TransferId pendingAfterDebit(RedisBalanceCache cache, WalletId from, WalletId to, long minor,
                                             String owner) {
    TransferId id = TransferId.random(from.shard());
    Transfer transfer = new Transfer(from, to, new Money(minor, USD), owner, key(owner));
    Outcome<TransferView> debited = Await.result(cache.saga().debit(transfer, id));
    assertThat(debited.code()).isEqualTo(OutcomeCode.PENDING);
    assertThat(Await.result(cache.pendingMovements(from.shard()))).contains(id.value());
    return id;
  }

  public Wallet wallet(WalletId id) {
    return Await.result(cache.wallet(id)).orElseThrow();
  }

  public long available(WalletId id) {
    return wallet(id).available();
  }
}
