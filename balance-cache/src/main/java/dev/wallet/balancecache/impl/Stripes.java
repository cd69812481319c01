package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.model.SystemNames;
import dev.wallet.balancecache.BalanceCacheOptions.Striping;
import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.balancecache.outbox.MovementKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Credit stripes of hot merchants (docs/architecture.md, "Hot merchants: credit stripes"). A
 * striped merchant wallet has a stripe on every other shard: a wallet of the same owner, currency
 * and status, whose {@code parent} names the merchant wallet and whose id is derived from it, so
 * any process finds it without a lookup. A payment from a payer on another shard lands on the
 * payer's shard's stripe in one script; sweeps (sagas of kind {@code sweep}) move the money
 * between the stripes and the merchant wallet. What the merchant sees is one wallet: its balance
 * is the sum of all of them, read exactly ({@link #total}); a payout short in the merchant wallet
 * gathers the stripes first, and a refund short in its stripe is refilled from the merchant wallet.
 */
final class Stripes {

  private static final Logger LOG = LoggerFactory.getLogger(Stripes.class);
  /**
   * A read of the total that a sweep step spoiled is read again after 1, 2, 4 ... at most
   * {@link #TOTAL_RETRY_MAX_MS} ms, for as long as a request may retry ({@code readBudgetMs}): a pass
   * of sweeps is over in tens of milliseconds on an idle machine, but a busy one stretches it, and
   * a fixed number of attempts (ten, about 250 ms) gave up under load.
   */
  private static final long TOTAL_RETRY_MAX_MS = 64;
  /**
   * A sweep's key is its own and never asked again: a refusal recorded under it (a frozen stripe's,
   * every pass of every edge's gathering while the freeze lasts) would only fill Redis for a day.
   */
  private static final Set<OutcomeCode> NO_REFUSAL_RECORDED = EnumSet.allOf(OutcomeCode.class);
  /** set_status.lua's flag for a copy, which never lifts a stripe's status of its own. */
  private static final String COPY = "copy";
  /**
   * The merchant wallet's field that says its stripes were opened ({@link #ensure}, and a rebuild from
   * the ledger): what it holds, its entries and its payouts follow the stripes by it, whatever the
   * configuration says now.
   */
  static final String OPENED = "stripes";

  private final Vertx vertx;
  private final ScriptRunner runner;
  private final Scripts scripts;
  private final CrossShardSaga saga;
  private final Striping striping;
  private final ShardRange shards;
  private final String retention;
  private final long readBudgetMs;
  /** The striped merchant wallets this process made sure of, each once: their stripes exist and carry their status. */
  private final Map<WalletId, Future<Void>> ensured = new ConcurrentHashMap<>();
  private final Map<WalletId, WalletIdentity> merchants = new ConcurrentHashMap<>();
  /** Merchant wallets found marked ({@link #marked}): the field is never taken away, and striped merchants are few. */
  private final Set<WalletId> markedSeen = ConcurrentHashMap.newKeySet();

  Stripes(Vertx vertx, ScriptRunner runner, Scripts scripts, CrossShardSaga saga, Striping striping, ShardRange shards,
          long retentionMs, long readBudgetMs) {
    this.vertx = vertx;
    this.runner = runner;
    this.scripts = scripts;
    this.saga = saga;
    this.striping = striping;
    this.shards = shards;
    this.retention = Long.toString(retentionMs);
    this.readBudgetMs = readBudgetMs;
  }

  /** The stripe of a merchant wallet on a shard: derived from the merchant's id. */
  static WalletId stripeOf(WalletId merchant, ShardId shard) {
    return WalletId.derived(shard, "stripe|" + merchant.value());
  }

  /** Whether payments to this wallet go through stripes: a merchant wallet (not a stripe) of a configured owner. */
  boolean striped(WalletIdentity wallet) {
    return wallet.type() == WalletType.MERCHANT && !wallet.stripe() && striping.striped(wallet.ownerId());
  }

  /** A merchant wallet, not a stripe: one that has stripes if its owner is, or was, striped somewhere. */
  static boolean mayHaveStripes(WalletIdentity wallet) {
    return wallet.type() == WalletType.MERCHANT && !wallet.stripe();
  }

  /**
   * Whether any of the merchant wallet's stripes was opened. They are opened together
   * ({@link #ensure}), but an opening that failed on some shards (a master down) opens the others;
   * until 2026-12-06 only the first stripe was probed, and a process that does not stripe the owner
   * (reconciliation's) then froze or closed the merchant wallet without its open stripes. Each shard
   * is asked (once per status change of a merchant wallet, which is rare).
   */
  Future<Boolean> opened(WalletId merchant) {
    List<Future<Boolean>> found = stripesOf(merchant).stream().map(Keys::wallet)
      .map(key -> runner.send(key, Request.cmd(Command.EXISTS).arg(key)).map(exists -> exists.toLong() == 1))
      .toList();
    return Future.all(found).map(all -> found.stream().anyMatch(Future::result));
  }

  /**
   * Whether the merchant wallet is one whose stripes were opened, as its own hash says: a merchant whose
   * owner was taken off the striped list still has what its stripes hold. Until 2026-12-06 only the list
   * was asked, and such a merchant's balance, entries and payouts lost sight of that money.
   */
  Future<Boolean> marked(WalletId merchant) {
    if (markedSeen.contains(merchant)) {
      return Future.succeededFuture(true);
    }
    String key = Keys.wallet(merchant);
    return runner.send(key, Request.cmd(Command.HGET).arg(key).arg(OPENED)).map(Objects::nonNull)
      .onSuccess(marked -> {
        if (marked) {
          markedSeen.add(merchant);
        }
      });
  }

  /** Once a replica holds it: a failover that lost it would leave this process, which marks once, thinking it done. */
  private Future<Void> markOpened(WalletId merchant) {
    String key = Keys.wallet(merchant);
    return runner.write(key, Request.cmd(Command.HSET).arg(key).arg(OPENED).arg("1")).mapEmpty();
  }

  /** Every stripe of a merchant wallet: one on each shard but its own. */
  List<WalletId> stripesOf(WalletId merchant) {
    return shards.all().stream().filter(shard -> !shard.equals(merchant.shard()))
      .map(shard -> stripeOf(merchant, shard)).toList();
  }

  /** The merchant wallets whose stripes this process made sure of (it sweeps those). */
  List<WalletIdentity> known() {
    return merchants.values().stream().filter(m -> ensured.get(m.id()).succeeded()).toList();
  }

  // ------------------------------------------------------------------ opening, and the status they copy

  /**
   * The merchant's stripes exist on every other shard and carry its status: made sure of once per
   * process (a failure is tried again by the next caller). Opening is idempotent (each stripe's id
   * and idempotency key are derived), so processes racing each other open each stripe once.
   */
  Future<Void> ensure(WalletIdentity merchant) {
    Future<Void> known = ensured.get(merchant.id());
    if (known != null && !known.failed()) {
      return known;
    }
    Future<Void> opening = Future.all(stripesOf(merchant.id()).stream().map(stripe -> open(merchant, stripe)).toList())
      .compose(opened -> copyStatus(merchant.id()))
      .compose(copied -> markOpened(merchant.id()));
    ensured.put(merchant.id(), opening);
    merchants.put(merchant.id(), merchant);
    return opening.onFailure(failure -> LOG.error("the stripes of merchant wallet {} are not all open: {}",
      merchant.id(), failure.toString()));
  }

  private Future<Void> open(WalletIdentity merchant, WalletId stripe) {
    ShardId shard = stripe.shard();
    IdempotencyKey key = new IdempotencyKey(SystemNames.STRIPES_SCOPE, stripe.value());
    List<String> keys = List.of(Keys.wallet(stripe), Keys.idempotency(shard, key), Keys.outbox(shard));
    List<String> args = List.of(stripe.value(), merchant.ownerId(), merchant.currency().getCurrencyCode(),
      WalletType.MERCHANT.wire(), RedisBalanceCache.requestHash("open_stripe|" + stripe.value()), retention,
      merchant.id().value());
    return runner.run(scripts.openWallet, keys, args).compose(reply -> {
      String code = reply.outcome().getString("code");
      if ("OK".equals(code)) {
        return Future.succeededFuture();
      }
      if (OutcomeCode.WALLET_EXISTS.name().equals(code) || reply.kind() == ScriptReply.Kind.KEY_REUSED) {
        // a hot tier rebuilt from the ledger restores the wallet, and a record of its opening that takes
        // any use of the key for another request (the ledger has no request hash): until 2026-12-06 that
        // failed every payment to the merchant from another shard until the record expired
        return parentSet(merchant, stripe);
      }
      return Future.failedFuture(new IllegalStateException("stripe " + stripe + " of " + merchant.id()
        + " could not be opened: " + code));
    });
  }

  /** A stripe that exists already is its merchant's: a rebuilt one is restored without saying so. */
  private Future<Void> parentSet(WalletIdentity merchant, WalletId stripe) {
    String key = Keys.wallet(stripe);
    return runner.send(key, Request.cmd(Command.HGET).arg(key).arg("owner")).compose(owner -> {
      if (owner == null || !merchant.ownerId().equals(owner.toString())) {
        return Future.failedFuture(new IllegalStateException("stripe " + stripe + " of " + merchant.id()
          + " was opened before, and is not its merchant's owner's: " + owner));
      }
      return runner.send(key, Request.cmd(Command.HSET).arg(key).arg("parent").arg(merchant.id().value())).mapEmpty();
    });
  }

  /**
   * Copies the merchant wallet's status into every stripe, then reads it again and copies once more
   * if it changed meanwhile (a status change racing this copy): a frozen merchant is refused on
   * every shard as soon as its copy lands there.
   */
  Future<Void> copyStatus(WalletId merchant) {
    return copyStatus(merchant, 3);
  }

  private Future<Void> copyStatus(WalletId merchant, int attemptsLeft) {
    return status(merchant).compose(status -> Future.all(stripesOf(merchant).stream()
        .map(stripe -> setStatus(stripe, status, SystemNames.STATUS_COPIED_FROM_MERCHANT + merchant)).toList())
      .compose(copied -> status(merchant))
      .compose(after -> {
        if (after.equals(status)) {
          return Future.succeededFuture();
        }
        return attemptsLeft > 1 ? copyStatus(merchant, attemptsLeft - 1)
          : Future.failedFuture(new IllegalStateException("the status of " + merchant + " kept changing while copied"));
      }));
  }

  /**
   * Closes every stripe of a merchant wallet about to close; answers the first refusal (a stripe
   * still holding money, or sending a sweep), or fails when a stripe could not be asked, after
   * which the merchant wallet stays open and the stripes that did close take its status again
   * (until 2026-12-07 a stripe that could not be asked left the others closed under an open
   * merchant, refusing its payments from their shards). A stripe not opened yet has nothing to
   * close: one opened later copies the closed status.
   */
  Future<Optional<OutcomeCode>> close(WalletIdentity merchant) {
    List<Future<String>> closed = stripesOf(merchant.id()).stream().map(stripe -> runner.run(scripts.setStatus,
        List.of(Keys.wallet(stripe), Keys.outbox(stripe.shard())),
        List.of(WalletStatus.CLOSED.wire(), SystemNames.STATUS_COPIED_FROM_MERCHANT + merchant.id(), COPY))
      .map(reply -> reply.outcome().getString("code"))).toList();
    return Future.join(closed).transform(all -> {
      Optional<OutcomeCode> refused = closed.stream().filter(Future::succeeded).map(Future::result)
        .filter(code -> !"OK".equals(code) && !OutcomeCode.WALLET_NOT_FOUND.name().equals(code))
        .findFirst().map(OutcomeCode::valueOf);
      if (all.succeeded() && refused.isEmpty()) {
        return Future.succeededFuture(refused);
      }
      return copyStatus(merchant.id()).compose(reopened -> all.succeeded() ? Future.succeededFuture(refused)
        : Future.failedFuture(all.cause()));
    });
  }

  private Future<WalletStatus> status(WalletId wallet) {
    String key = Keys.wallet(wallet);
    return runner.send(key, Request.cmd(Command.HGET).arg(key).arg("status")).compose(status -> status == null
      ? Future.failedFuture(new IllegalStateException("no wallet " + wallet))
      : Future.succeededFuture(WalletStatus.fromWire(status.toString())));
  }

  /** A stripe not opened yet has nothing to take: one opened later copies the status when it opens. */
  private Future<Void> setStatus(WalletId stripe, WalletStatus status, String reason) {
    return runner.run(scripts.setStatus, List.of(Keys.wallet(stripe), Keys.outbox(stripe.shard())),
      List.of(status.wire(), reason, COPY)).compose(reply -> "OK".equals(reply.outcome().getString("code"))
        || OutcomeCode.WALLET_NOT_FOUND.name().equals(reply.outcome().getString("code"))
        ? Future.succeededFuture()
        : Future.failedFuture(new IllegalStateException("stripe " + stripe + " did not take status " + status.wire()
          + ": " + reply.outcome().getString("code"))));
  }

  // ------------------------------------------------------------------ the merchant's total

  /**
   * The merchant wallet as its owner sees it: available and held summed over the wallet and its
   * stripes, plus what sweeps carry between them. The shards cannot be read at one instant, so the
   * read goes in three rounds: every account with its sweep counter ({@code swv}) and the sweeps it
   * has sent and not finished; each such sweep's decision at its destination; every counter again.
   * When no counter moved, no sweep took a step between the rounds, so what was read is the state
   * of one instant for every sweep: a sweep listed at its source and not credited at its
   * destination is in transit and counted once; one credited is in its destination's balance.
   * Payments only add or take money of the merchant's and are seen or not, as by any read.
   */
  Future<Wallet> total(Wallet merchant) {
    return total(merchant, 0, System.currentTimeMillis() + readBudgetMs);
  }

  private Future<Wallet> total(Wallet merchant, int attempt, long deadline) {
    List<WalletId> accounts = new ArrayList<>();
    accounts.add(merchant.id());
    accounts.addAll(stripesOf(merchant.id()));
    return Future.all(accounts.stream().map(this::readAccount).toList())
      .map(read -> IntStream.range(0, accounts.size()).mapToObj(read::<AccountRead>resultAt).toList())
      .compose(reads -> inTransit(reads).compose(transit -> sweepCounters(accounts).map(counters -> {
        for (int i = 0; i < reads.size(); i++) {
          if (reads.get(i).sweepCounter() != counters.get(i)) {
            return Optional.<Wallet>empty();
          }
        }
        return Optional.of(summed(merchant, reads, transit));
      })))
      .compose(read -> {
        if (read.isPresent()) {
          return Future.succeededFuture(read.get());
        }
        long pause = Math.min(TOTAL_RETRY_MAX_MS, 1L << Math.min(attempt, 6));
        if (System.currentTimeMillis() + pause >= deadline) {
          return Future.failedFuture(new BalanceCacheUnavailableException("sweeps kept moving the money of "
            + merchant.id() + " for " + readBudgetMs + " ms while its balance was read; read it again", null));
        }
        return vertx.timer(pause).compose(waited -> total(merchant, attempt + 1, deadline));
      });
  }

  /** One account of the merchant: its balances and sweep counter, then (after them) the sweeps it sent. */
  private record AccountRead(long available, long held, long seq, long sweepCounter, Map<String, String> sweepsSent) {
  }

  private Future<AccountRead> readAccount(WalletId account) {
    String key = Keys.wallet(account);
    String sweeps = Keys.sweepsSent(account);
    return runner.send(key, Request.cmd(Command.HMGET).arg(key).arg("avail").arg("held").arg("seq").arg("swv"))
      .compose(fields -> runner.send(sweeps, Request.cmd(Command.HGETALL).arg(sweeps))
        .map(sent -> new AccountRead(number(fields.get(0)), number(fields.get(1)), number(fields.get(2)),
          number(fields.get(3)), RedisBalanceCache.hash(sent))));
  }

  /** What the listed sweeps carry that their destinations have not been credited with. */
  private Future<Long> inTransit(List<AccountRead> reads) {
    List<Future<Long>> sweeps = new ArrayList<>();
    reads.forEach(read -> read.sweepsSent().forEach((movementId, listed) -> {
      String[] amountAndDestination = listed.split(" ");
      long amount = Long.parseLong(amountAndDestination[0]);
      String marker = Keys.creditDecision(new WalletId(amountAndDestination[1]).shard(), movementId);
      sweeps.add(runner.send(marker, Request.cmd(Command.HGET).arg(marker).arg("outcome")).map(decided ->
        decided != null && "OK".equals(new JsonObject(decided.toString()).getString("code")) ? 0L : amount));
    }));
    return Future.all(sweeps).map(all -> sweeps.stream().mapToLong(Future::result).sum());
  }

  private Future<List<Long>> sweepCounters(List<WalletId> accounts) {
    List<Future<Long>> counters = accounts.stream().map(account -> {
      String key = Keys.wallet(account);
      return runner.send(key, Request.cmd(Command.HGET).arg(key).arg("swv")).map(Stripes::number);
    }).toList();
    return Future.all(counters).map(all -> counters.stream().map(Future::result).toList());
  }

  /**
   * The merchant's wallet with the summed balances. Its seq is the sum of its accounts' seqs: it
   * grows with every posting on any of them, so a live feed of the total orders its reads by it.
   */
  private static Wallet summed(Wallet merchant, List<AccountRead> reads, long inTransit) {
    long available = inTransit + reads.stream().mapToLong(AccountRead::available).sum();
    long held = reads.stream().mapToLong(AccountRead::held).sum();
    long seq = reads.stream().mapToLong(AccountRead::seq).sum();
    return new Wallet(merchant.id(), merchant.ownerId(), merchant.currency(), merchant.type(), merchant.status(),
      available, held, seq, merchant.createdAt());
  }

  private static long number(Response value) {
    return value == null ? 0 : Long.parseLong(value.toString());
  }

  // ------------------------------------------------------------------ sweeps

  /**
   * Sweeps every stripe of the merchant that holds money into the merchant wallet, each as a saga,
   * and completes once all of them ended. Answers how much reached the merchant wallet.
   */
  Future<Long> gather(WalletIdentity merchant) {
    return gather(merchant, Set.of());
  }

  /** The same, leaving the stripes {@code kept} where they are. */
  private Future<Long> gather(WalletIdentity merchant, Set<WalletId> kept) {
    List<Future<Long>> sweeps = stripesOf(merchant.id()).stream().filter(stripe -> !kept.contains(stripe))
      .map(stripe -> available(stripe).compose(amount -> sweep(stripe, merchant.id(), new Money(amount,
        merchant.currency()))))
      .toList();
    return Future.join(sweeps).map(all -> sweeps.stream().mapToLong(Future::result).sum());
  }

  /**
   * What the merchant wallet holds available once it holds {@code needed}, gathering its stripes
   * first when it holds less. A stripe that cannot be swept (its master down) fails this only when
   * the others did not bring enough: until 2026-12-06 any one of them failed a payout or a refund
   * that the merchant could pay from the rest (503).
   */
  Future<Long> gatheredUpTo(WalletIdentity merchant, long needed) {
    return gatheredUpTo(merchant, needed, Set.of());
  }

  private Future<Long> gatheredUpTo(WalletIdentity merchant, long needed, Set<WalletId> kept) {
    return available(merchant.id()).compose(own -> own >= needed ? Future.succeededFuture(own)
      : gather(merchant, kept).transform(gathered -> available(merchant.id()).compose(now -> now >= needed
        || gathered.succeeded() ? Future.succeededFuture(now) : Future.failedFuture(gathered.cause()))));
  }

  /**
   * Moves {@code minor} from the merchant wallet to one of its stripes, gathering the others first when
   * short: not that one, whose money the refill is to add to (until 2026-12-06 it was swept away too,
   * and the refund it was for fell short and was asked again, up to its last attempt).
   */
  Future<Long> refill(WalletId stripe, WalletIdentity merchant, long minor) {
    return gatheredUpTo(merchant, minor, Set.of(stripe))
      .compose(own -> sweep(merchant.id(), stripe, new Money(Math.min(minor, own), merchant.currency())));
  }

  /** What a wallet of a striped merchant (its wallet, or a stripe) holds available now. */
  Future<Long> available(WalletId wallet) {
    String key = Keys.wallet(wallet);
    return runner.send(key, Request.cmd(Command.HGET).arg(key).arg("avail")).map(Stripes::number);
  }

  /** One sweep, as a saga: answers what reached the destination (nothing when refused or left pending). */
  private Future<Long> sweep(WalletId from, WalletId to, Money amount) {
    if (amount.minor() <= 0) {
      return Future.succeededFuture(0L);
    }
    String id = TransferId.random(from.shard()).value();
    Movement movement = new Movement(id, MovementKind.SWEEP, from, to, amount, 0, SystemNames.ACTOR,
      new IdempotencyKey(SystemNames.SWEEPS_SCOPE, id), "", "", List.of(),
      RedisBalanceCache.requestHash("sweep|" + id));
    return saga.run(movement, NO_REFUSAL_RECORDED).map(reply -> "OK".equals(reply.outcome().getString("code"))
      && "completed".equals(reply.outcome().getString("status")) ? amount.minor() : 0L);
  }
}
