package dev.wallet.balancecache.impl;

import dev.wallet.balancecache.AtomicBatchSpansShardsException;
import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.BalanceCacheUnavailableException;
import dev.wallet.balancecache.BalanceListener;
import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.OtherRegionException;
import dev.wallet.balancecache.RefusedByRegionException;
import dev.wallet.balancecache.RegionLink;
import dev.wallet.balancecache.RegionUnreachableException;
import dev.wallet.balancecache.RetiredRecords.PaymentRecordFacts;
import dev.wallet.balancecache.RetiredRecords;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.async.Deadline;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.command.Authorize;
import dev.wallet.balancecache.command.Capture;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.OpenWallet;
import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.command.RequestHash;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.CaptureView;
import dev.wallet.balancecache.model.ClearingPosition;
import dev.wallet.balancecache.model.Credited;
import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.PendingBacklog;
import dev.wallet.balancecache.model.RefundId;
import dev.wallet.balancecache.model.RefundView;
import dev.wallet.balancecache.model.SagaCounts;
import dev.wallet.balancecache.model.ShardAvailability;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.SystemNames;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.MovementKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import java.util.ArrayList;
import java.util.Currency;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The money core on a Redis Cluster through the Vert.x Redis client. */
public final class RedisBalanceCache implements BalanceCache {

  private static final Logger LOG = LoggerFactory.getLogger(RedisBalanceCache.class);
  private static final int SWEEP_BATCH = 200;
  /** How far past movements it could not drive one pass of a shard reads. */
  private static final int SWEEP_DEPTH = 5_000;
  /** How many shards of another region giving no answer in one pass take the whole region out of it. */
  private static final int SILENT_SHARDS_OF_A_HUNG_REGION = 2;
  private static final long TOPOLOGY_REFRESH_MS = 2_000;
  private static final long OFF_HOME_LOG_EVERY = 10_000;
  private static final int IDENTITIES_KEPT = 200_000;
  /** How often a hot merchant's refund or payout is asked, topped up in between, before its refusal stands. */
  private static final int TOP_UPS = 5;

  private final Vertx vertx;
  private final BalanceCacheOptions options;
  private final ClusterRouter router;
  private final Scripts scripts = new Scripts();
  private final ScriptRunner runner;
  private final CrossShardSaga saga;
  private final PendingSets pendingSets;
  private final Stripes stripes;
  private final OutboxTail tail;
  private final RedisHotTierAccess hotTier;
  private final ColdPaymentRecords paymentRecords;
  private volatile RetiredRecords ledger = RetiredRecords.NONE;
  private final AtomicLong swept = new AtomicLong();
  private final AtomicLong sweepFailures = new AtomicLong();
  private final AtomicLong offHomeLimitedDebits = new AtomicLong();
  private final WalletIdentities identities = new WalletIdentities(IDENTITIES_KEPT);
  private long sweeperTimer = -1;
  private long stripeSweepTimer = -1;
  private boolean stripesSweeping;
  private volatile boolean closed;
  /** The shards whose pending movements, expired authorizations and owed notices are being driven, each kind apart. */
  private final Set<String> drivingSets = ConcurrentHashMap.newKeySet();
  private final Set<String> expiringShards = ConcurrentHashMap.newKeySet();
  private final Set<String> tellingShards = ConcurrentHashMap.newKeySet();

  public RedisBalanceCache(Vertx vertx, BalanceCacheOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.router = new ClusterRouter(vertx, options.redisEndpoints(), options.maxPoolSize());
    this.runner = new ScriptRunner(vertx, router, options.shards(), options.minReplicaAcks(),
      options.replicationTimeoutMs(), options.operationTimeoutMs());
    this.pendingSets = new PendingSets(options.shards(), options.regions());
    this.saga = new CrossShardSaga(runner, scripts, options.idempotencyRetentionMs(), pendingSets);
    this.stripes = new Stripes(vertx, runner, scripts, saga, options.striping(), options.shards(),
      options.idempotencyRetentionMs(), options.operationTimeoutMs());
    this.tail = new OutboxTail(vertx, runner, options.shards(), options.redisEndpoints());
    this.hotTier = new RedisHotTierAccess(runner, pendingSets);
    this.paymentRecords = new ColdPaymentRecords(vertx, this::ledgerOutbox,
      options.operationTimeoutMs(), () -> ledger);
  }

  @Override
  public HotTierAccess hotTier() {
    return hotTier;
  }

  @Override
  public LedgerOutbox ledgerOutbox(ShardId shard) {
    return new RedisLedgerOutbox(runner, shard);
  }

  @Override
  public Future<Void> start() {
    return router.start(TOPOLOGY_REFRESH_MS)
      .compose(routed -> runner.preload(scripts.all()))
      .compose(loaded -> checkShardCount())
      .onSuccess(started -> startSweeper());
  }

  /**
   * Ids carry their shard, so every process must agree on the shard count for the life of the data,
   * and every process of a cluster on the region that owns it (the first shard of its range).
   */
  private Future<Void> checkShardCount() {
    return pinned(Keys.SHARD_COUNT, Integer.toString(options.shardCount()), "shards")
      .compose(count -> pinned(Keys.FIRST_SHARD, Integer.toString(options.shards().first()), "as its first shard"));
  }

  /** Sets {@code key} to {@code value} unless it holds a value, and fails when that is another one. */
  private Future<Void> pinned(String key, String value, String what) {
    return runner.send(key, Request.cmd(Command.SET).arg(key).arg(value).arg("NX"))
      .compose(set -> runner.send(key, Request.cmd(Command.GET).arg(key)))
      .compose(stored -> value.equals(stored.toString())
        ? Future.succeededFuture()
        : Future.failedFuture(new IllegalArgumentException(
          "this Redis Cluster holds " + stored + " " + what + ", configured " + value)));
  }

  private void startSweeper() {
    if (options.sweepIntervalMs() > 0) {
      sweeperTimer = vertx.setPeriodic(options.sweepIntervalMs(), tick -> sweepUnlessRunning());
    }
    if (options.striping().sweepIntervalMs() > 0) {
      stripeSweepTimer = vertx.setPeriodic(options.striping().sweepIntervalMs(), tick -> sweepStripes());
    }
  }

  Stripes stripes() {
    return stripes;
  }

  @Override
  public Future<List<WalletId>> stripesOf(WalletId wallet) {
    return identity(wallet).compose(found -> found.isEmpty() ? Future.succeededFuture(List.<WalletId>of())
      : hasStripes(found.get()).map(striped -> striped ? stripes.stripesOf(wallet) : List.<WalletId>of()));
  }

  /**
   * A merchant wallet whose stripes hold part of its money: one of an owner this process stripes, or
   * one whose stripes were opened, whatever the configuration says now ({@link Stripes#marked}).
   */
  private Future<Boolean> hasStripes(WalletIdentity wallet) {
    if (stripes.striped(wallet)) {
      return Future.succeededFuture(true);
    }
    return Stripes.mayHaveStripes(wallet) ? stripes.marked(wallet.id()) : Future.succeededFuture(false);
  }

  @Override
  public Future<Long> sweepStripes(WalletId merchant) {
    return identity(merchant).compose(found -> (found.isEmpty() ? Future.succeededFuture(false) : hasStripes(found.get()))
      .compose(striped -> striped ? stripes.gather(found.get())
        : Future.failedFuture(new IllegalArgumentException(merchant + " is not a striped merchant wallet"))));
  }

  /** Each striped merchant this process knows gets what its stripes received since the last pass. */
  private void sweepStripes() {
    if (stripesSweeping) {
      return;
    }
    stripesSweeping = true;
    List<Future<Long>> gathered = stripes.known().stream().map(merchant -> stripes.gather(merchant)
      .onFailure(failure -> warnUnlessClosed("could not sweep all stripes of {} this time: {}", merchant.id(),
        failure))).toList();
    Future.join(gathered).onComplete(done -> stripesSweeping = false);
  }

  /**
   * Each shard's sweep runs on its own: work of a kind still running for a shard is skipped, the
   * others go on. Which shards have anything due is asked first, in one batch per master (a ZCOUNT of
   * each shard's pending movements and authorization expiries, an HLEN of the notices it owes other
   * regions): an idle cluster then costs the sweeper one round trip per master and tick, where asking
   * every shard on its own cost two commands per shard. A master whose batch fails has each of its
   * shards swept as before.
   */
  private void sweepUnlessRunning() {
    long now = System.currentTimeMillis();
    long cutoff = now - options.sweepAgeMs();
    List<ShardId> all = options.shards().all();
    Map<String, Future<Void>> replicatedMasters = new ConcurrentHashMap<>();
    shardsByMaster(all).onSuccess(byMaster -> byMaster.forEach((master, shards) ->
      shardsWithSomethingDue(master, shards, cutoff, now)
        .otherwise(failure -> shards)
        .onSuccess(due -> due.forEach(shard -> sweep(shard, cutoff, replicatedMasters)))));
  }

  private Future<Map<String, List<ShardId>>> shardsByMaster(List<ShardId> shards) {
    List<Future<String>> masters = shards.stream().map(shard -> router.endpoint(shard.tag())).toList();
    return Future.join(masters).otherwise(failure -> null).map(done -> {
      Map<String, List<ShardId>> byMaster = new HashMap<>();
      for (int i = 0; i < shards.size(); i++) {
        String master = masters.get(i).succeeded() ? masters.get(i).result() : "";
        byMaster.computeIfAbsent(master, m -> new ArrayList<>()).add(shards.get(i));
      }
      return byMaster;
    });
  }

  private Future<List<ShardId>> shardsWithSomethingDue(String master, List<ShardId> shards, long cutoff, long now) {
    if (master.isEmpty()) {
      return Future.succeededFuture(shards);
    }
    List<Request> counts = new ArrayList<>();
    shards.forEach(shard -> {
      pendingSets.keysOf(shard)
        .forEach(set -> counts.add(Request.cmd(Command.ZCOUNT).arg(set).arg("-inf").arg(cutoff)));
      counts.add(Request.cmd(Command.ZCOUNT).arg(Keys.holdExpiries(shard)).arg("-inf").arg(now));
      counts.add(Request.cmd(Command.HLEN).arg(Keys.owedNotices(shard)));
    });
    int perShard = counts.size() / shards.size();
    return Deadline.within(vertx, router.batch(shards.get(0).tag(), counts), options.operationTimeoutMs())
      .map(replies -> IntStream.range(0, shards.size())
        .filter(i -> IntStream.range(0, perShard).anyMatch(c -> replies.get(perShard * i + c).toLong() > 0))
        .mapToObj(shards::get).toList());
  }

  /**
   * A shard's pending movements, expired authorizations and owed notices, each kind on its own:
   * until 2026-12-07 one guard held them together, so a pass over movements to a region that took
   * seconds to give no answer held the shard's expired authorizations back as long, and a pass that
   * failed let the next start beside the other kinds still running.
   */
  private void sweep(ShardId shard, long cutoff, Map<String, Future<Void>> replicatedMasters) {
    pendingSets.setsOf(shard).forEach(set -> unlessRunning(drivingSets, set.key(),
      () -> sweepSet(set, cutoff, replicatedMasters),
      "sweeper drove {} pending movements of {} to their end"));
    unlessRunning(expiringShards, shard.tag(), () -> releaseExpired(shard),
      "sweeper released {} expired authorizations of {}");
    unlessRunning(tellingShards, shard.tag(), () -> saga.deliverOwedNotices(shard),
      "sweeper told other regions that {} movements of {} are finished");
  }

  private void unlessRunning(Set<String> running, String subject, Supplier<Future<Integer>> work, String done) {
    if (!running.add(subject)) {
      return;
    }
    work.get()
      .onSuccess(count -> {
        if (count > 0) {
          LOG.info(done, count, subject);
        }
      })
      .onFailure(failure -> warnUnlessClosed("sweep of {} failed, will run again: {}", subject, failure))
      .onComplete(end -> running.remove(subject));
  }

  /**
   * A sweep cut off by {@link #close()} is no failure: what it was driving stays listed in Redis
   * and the next sweeper, of this process or another, drives it.
   */
  private void warnUnlessClosed(String message, Object subject, Throwable failure) {
    if (closed) {
      LOG.debug(message, subject, failure.toString());
    } else {
      LOG.warn(message, subject, failure.toString());
    }
  }

  @Override
  public Future<Void> close() {
    closed = true;
    if (sweeperTimer >= 0) {
      vertx.cancelTimer(sweeperTimer);
    }
    if (stripeSweepTimer >= 0) {
      vertx.cancelTimer(stripeSweepTimer);
    }
    tail.stop();
    return runner.close().onComplete(closed -> router.close());
  }

  @Override
  public ShardRange shards() {
    return options.shards();
  }

  @Override
  public Future<ShardAvailability> availability(long timeoutMs) {
    return router.onlineReplicasByMaster(timeoutMs).map(this::availability);
  }

  private ShardAvailability availability(Map<String, Integer> replicasByMaster) {
    List<ShardId> unwritable = new ArrayList<>();
    Map<String, Integer> shardsByMaster = new HashMap<>();
    for (ShardId shard : options.shards().all()) {
      String master = router.knownEndpoint(Keys.outbox(shard));
      if (master != null) {
        shardsByMaster.merge(master, 1, Integer::sum);
      }
      if (master == null || replicasByMaster.getOrDefault(master, -1) < options.minReplicaAcks()) {
        unwritable.add(shard);
      }
    }
    List<ShardAvailability.Master> masters = replicasByMaster.entrySet().stream().sorted(Map.Entry.comparingByKey())
      .map(master -> new ShardAvailability.Master(master.getKey(), master.getValue() >= 0,
        Math.max(master.getValue(), 0), shardsByMaster.getOrDefault(master.getKey(), 0)))
      .toList();
    return new ShardAvailability(options.shardCount(), unwritable, masters);
  }

  @Override
  public Future<AutoCloseable> subscribeBalanceChanges(BalanceListener listener) {
    return tail.subscribe(listener);
  }

  @Override
  public SagaCounts sagaCounts() {
    return saga.counts(swept.get(), sweepFailures.get());
  }

  @Override
  public long offHomeLimitedDebits() {
    return offHomeLimitedDebits.get();
  }

  /** The saga's steps, for tests that stop a transfer between them. */
  public CrossShardSaga saga() {
    return saga;
  }

  // ------------------------------------------------------------------ wallets

  @Override
  public Future<Outcome<Wallet>> openWallet(OpenWallet command) {
    String seed = "open_wallet|" + command.idempotencyKey().digest();
    ShardId shard = command.colocateWith().map(WalletId::shard)
      .orElseGet(() -> options.shards().homeOf(command.ownerId()));
    WalletId id = WalletId.derived(shard, seed);
    List<String> keys = List.of(Keys.wallet(id), Keys.idempotency(shard, command.idempotencyKey()), Keys.outbox(shard));
    List<String> args = List.of(id.value(), command.ownerId(), command.currency().getCurrencyCode(),
      command.type().wire(), command.requestHash(), retention());
    return runner.run(scripts.openWallet, keys, args).map(reply -> Views.outcome(reply, Views::wallet));
  }

  @Override
  public Future<Optional<Wallet>> wallet(WalletId id) {
    return hashAt(Keys.wallet(id)).compose(hash -> {
      Optional<Wallet> wallet = Views.wallet(hash);
      boolean stripedMerchant = wallet.isPresent() && (hash.containsKey(Stripes.OPENED) || stripes.striped(
        new WalletIdentity(id, wallet.get().ownerId(), wallet.get().currency(), wallet.get().type(),
          Optional.ofNullable(hash.get("parent")).map(WalletId::new))));
      return stripedMerchant ? stripes.total(wallet.get()).map(Optional::of) : Future.succeededFuture(wallet);
    });
  }

  @Override
  public Future<Optional<WalletIdentity>> identity(WalletId id) {
    return identities.get(id, this::readIdentity);
  }

  private Future<Optional<WalletIdentity>> readIdentity(WalletId id) {
    String key = Keys.wallet(id);
    return runner.send(key, Request.cmd(Command.HMGET).arg(key).arg("owner").arg("cur").arg("type").arg("parent"))
      .map(fields -> Views.identity(id, fields.get(0), fields.get(1), fields.get(2), fields.get(3)));
  }

  @Override
  public Future<Outcome<WalletStatus>> setStatus(WalletId id, WalletStatus status, String reason) {
    List<String> keys = List.of(Keys.wallet(id), Keys.outbox(id.shard()));
    return stripesClosedFirst(id, status).compose(refused -> refused.isPresent()
      ? Future.succeededFuture(Outcome.<WalletStatus>refused(refused.get()))
      : runner.run(scripts.setStatus, keys, List.of(status.wire(), reason))
        .recover(failure -> status == WalletStatus.CLOSED ? stripesAsTheMerchantIs(id, failure)
          : Future.failedFuture(failure))
        .compose(reply -> copiedToStripes(id, reply))
        .map(reply -> Views.outcome(reply, Views::status))
        .compose(outcome -> asStrictAsItsMerchant(id, outcome)));
  }

  /**
   * A credit stripe changed for itself takes its merchant wallet's status again where that is
   * stricter (a copy never lifts a stripe's own freeze, see set_status.lua), and the answer is the
   * status it has then. Until 2026-12-07 an operator who lifted a stripe's own freeze under a frozen
   * merchant, or reconciliation freezing a stripe of a closed merchant, left a stripe less strict
   * than its merchant: payments to a frozen or closed merchant landed on it, and refunds left it.
   */
  private Future<Outcome<WalletStatus>> asStrictAsItsMerchant(WalletId id, Outcome<WalletStatus> outcome) {
    if (outcome.code() != OutcomeCode.OK) {
      return Future.succeededFuture(outcome);
    }
    return identity(id).compose(found -> found.flatMap(WalletIdentity::parent)
      .map(merchant -> stripes.copyStatus(merchant).compose(copied -> wallet(id))
        .map(now -> now.map(stripe -> new Outcome<>(outcome.code(), stripe.status(), outcome.replayed()))
          .orElse(outcome)))
      .orElse(Future.succeededFuture(outcome)));
  }

  /**
   * The merchant wallet's own close got no answer after its stripes closed: they take whatever
   * status it has (open, unless the close was applied unanswered), and the close fails.
   */
  private Future<ScriptReply> stripesAsTheMerchantIs(WalletId id, Throwable failure) {
    return identity(id).compose(found -> found.isEmpty() ? Future.succeededFuture(false) : withStripes(found.get()))
      .compose(striped -> striped ? stripes.copyStatus(id) : Future.<Void>succeededFuture())
      .transform(copied -> Future.failedFuture(failure));
  }

  /**
   * A striped merchant wallet closes only after every stripe has (each refuses while it holds money
   * or sends a sweep): closing the wallet first could leave money on a stripe that no sweep could
   * bring into a closed wallet. The refusal of a stripe, if any, is the close's.
   */
  private Future<Optional<OutcomeCode>> stripesClosedFirst(WalletId id, WalletStatus status) {
    if (status != WalletStatus.CLOSED) {
      return Future.succeededFuture(Optional.empty());
    }
    return identity(id).compose(found -> found.isEmpty() ? Future.succeededFuture(Optional.empty())
      : withStripes(found.get()).compose(striped -> striped ? stripes.close(found.get())
        : Future.succeededFuture(Optional.empty())));
  }

  /**
   * {@link #hasStripes}, and for a merchant wallet whose hash does not say so, every shard asked: a
   * status change (rare) also reaches stripes opened before the field existed.
   */
  private Future<Boolean> withStripes(WalletIdentity wallet) {
    return hasStripes(wallet).compose(found -> found || !Stripes.mayHaveStripes(wallet) ? Future.succeededFuture(found)
      : stripes.opened(wallet.id()));
  }

  /**
   * A striped merchant's status reaches every stripe before the change is answered. So does a
   * refused change: a close the merchant wallet refused (money on it, or in flight) after its
   * stripes closed first leaves them open again. A process that does not stripe the merchant's owner
   * (the ledger writer's reconciliation, which freezes wallets; an owner no longer configured) copies
   * the status to the stripes that exist: until 2026-12-06 a merchant wallet frozen by reconciliation
   * left every stripe active, and payments from other shards kept landing.
   */
  private Future<ScriptReply> copiedToStripes(WalletId id, ScriptReply reply) {
    return identity(id).compose(found -> {
      if (found.filter(stripes::striped).isPresent()) {
        return stripes.ensure(found.get()).compose(opened -> stripes.copyStatus(id)).map(reply);
      }
      return found.isEmpty() ? Future.succeededFuture(reply) : withStripes(found.get())
        .compose(striped -> striped ? stripes.copyStatus(id) : Future.<Void>succeededFuture()).map(reply);
    });
  }

  // ------------------------------------------------------------------ postings

  /**
   * The ledger is asked first: a credit it holds already is answered as a replay, whatever the hot
   * tier's record of it says (another amount under the same posting id is another request). Its record
   * expires a day after the ledger has the posting, and a rebuilt one refuses any retry; until
   * 2026-12-06 a credit driven again after that (a deposit left a day in 'crediting' by a halt) was
   * booked twice.
   */
  @Override
  public Future<Outcome<Credited>> credit(Credit command) {
    return bookedBefore(command).compose(booked -> booked.isPresent() ? Future.succeededFuture(booked.get())
      : command.givesBackLimitsOf().map(this::holdCounters).orElse(Future.succeededFuture(List.of()))
        .compose(counters -> credit(command, counters)));
  }

  /**
   * The ledger is asked first, as {@link #credit} asks it (a credit's record in the hot tier expires a
   * day after the ledger has it); then answered.lua records CREDIT_FORGONE under the credit's key,
   * unless the key has an answer already, which it replays.
   */
  @Override
  public Future<Outcome<Credited>> forgoCredit(Credit command) {
    JsonObject forgone = new JsonObject().put("code", OutcomeCode.CREDIT_FORGONE.name())
      .put("reference", command.reference());
    return bookedBefore(command).compose(booked -> booked.isPresent() ? Future.succeededFuture(booked.get())
      : recordedUnlessAnswered(Keys.idempotency(command.wallet().shard(), command.idempotencyKey()),
        command.requestHash(), Optional.empty(), forgone).map(reply -> Views.outcome(reply, Views::credited)));
  }

  /** The credit as the ledger holds it under its posting id, replayed; another amount there is another request. */
  private Future<Optional<Outcome<Credited>>> bookedBefore(Credit command) {
    return ledger.credited(command.wallet(), command.reference()).map(booked -> booked.map(credited ->
      credited.amount().equals(command.amount()) ? new Outcome<>(OutcomeCode.OK, credited, true)
        : Outcome.refused(OutcomeCode.IDEMPOTENCY_KEY_REUSED)));
  }

  /** The limit counters a hold counted: its record names them while it lasts, the ledger after. */
  private Future<List<String>> holdCounters(HoldId hold) {
    return hashAt(Keys.hold(hold)).compose(record -> record.isEmpty() ? ledger.holdCounters(hold)
      : Future.succeededFuture(new JsonArray(record.getOrDefault("lim", "[]")).stream().map(String.class::cast)
        .toList()));
  }

  private Future<Outcome<Credited>> credit(Credit command, List<String> givenBack) {
    ShardId shard = command.wallet().shard();
    List<String> keys = new ArrayList<>(List.of(Keys.wallet(command.wallet()), Keys.systemAccount(shard,
      command.from()), Keys.idempotency(shard, command.idempotencyKey()), Keys.outbox(shard)));
    keys.addAll(givenBack);
    List<String> args = List.of(command.reference(), Long.toString(command.amount().minor()),
      command.amount().currencyCode(), command.requestHash(), command.from().id(shard),
      command.postingType().wire(), command.reference(), retention(), command.alreadyOnItsWay() ? "on_its_way" : "");
    return runner.run(scripts.credit, keys, args).map(reply -> Views.outcome(reply, Views::credited));
  }

  @Override
  public Future<Outcome<TransferView>> transfer(Transfer command) {
    Movement movement = Movement.of(command, TransferId.random(command.from().shard()).value());
    return move(movement).map(reply -> Views.outcome(reply, Views::transfer));
  }

  @Override
  public Future<Optional<TransferView>> transfer(TransferId id) {
    return hashAt(Keys.transfer(id)).map(Views::transfer);
  }

  @Override
  public Future<Outcome<PaymentView>> pay(Payment command) {
    Movement movement = Movement.of(command, PaymentId.random(command.payer().shard()).value());
    return payee(movement).compose(to -> move(movement.to(to))).map(reply -> Views.outcome(reply, Views::payment));
  }

  private Future<WalletId> payee(Movement payment) {
    return landing(payment.to(), payment.source());
  }

  /**
   * Where money paid to {@code merchant} from a payer on {@code payerShard} lands: the merchant
   * wallet, or for a striped merchant on another shard its stripe on the payer's shard (one script
   * instead of the saga). Payments and captures both land here.
   */
  private Future<WalletId> landing(WalletId merchant, ShardId payerShard) {
    // another region's merchant is paid in its wallet: its stripes are that region's to know
    if (merchant.shard().equals(payerShard) || !options.shards().contains(merchant.shard())) {
      return Future.succeededFuture(merchant);
    }
    return identity(merchant).compose(found -> found.filter(stripes::striped)
      .map(striped -> stripes.ensure(striped).map(opened -> Stripes.stripeOf(merchant, payerShard)))
      .orElse(Future.succeededFuture(merchant)));
  }

  /** From its movement record while the hot tier keeps it, then from the ledger (docs/architecture.md, "Payment records"). */
  @Override
  public Future<Optional<PaymentView>> payment(PaymentId id) {
    return hashAt(Keys.movement(id.shard(), id.value())).compose(movement -> {
      if (movement.isEmpty()) {
        return paymentRecords.fromLedger(id.value()).map(found -> found.map(Views::payment));
      }
      ShardId payee = new WalletId(movement.get("to")).shard();
      // another region's merchant keeps the payment record; the movement record here counts what came back
      // a payment through a stripe has its record on the stripe's shard, as any has on its payee's
      boolean reachedMerchant = TransferStatus.COMPLETED.wire().equals(movement.get("state"));
      return options.shards().contains(payee)
        ? (reachedMerchant ? paymentRecord(payee, id.value()) : hashAt(Keys.paymentRecord(payee, id.value())))
          .map(record -> Views.payment(movement, record))
        : Future.succeededFuture(Views.payment(movement, movement));
    });
  }

  @Override
  public Future<Outcome<RefundView>> refund(Refund command) {
    PaymentId paymentId = command.payment();
    return paymentMovement(paymentId).compose(payment -> !MovementKind.PAYMENT.wire().equals(payment.get("kind"))
        || TransferStatus.REVERSED.wire().equals(payment.get("state"))
      ? Future.succeededFuture(Outcome.<RefundView>refused(OutcomeCode.PAYMENT_NOT_FOUND))
      : onItsWay(paymentId, payment).compose(onItsWay -> onItsWay
        ? Future.succeededFuture(Outcome.<RefundView>refused(OutcomeCode.PAYMENT_NOT_FOUND))
        : refund(command, payment)));
  }

  /**
   * A payment reversed never reached its merchant: nothing of it is theirs to refund (until 2026-12-07
   * its refund went to the script, which answered the merchant still frozen as wallet_inactive and
   * recorded that under the key, or waited for the ledger for a record it would never find).
   * A payment still on its way to the merchant: pending at its payer's shard and with no payment record
   * at its payee's yet (its credit not made). Its refund is refused without being recorded, so that the
   * same refund once the payment has arrived is paid (until 2026-12-06 the script recorded
   * PAYMENT_NOT_FOUND, and the retry was answered 404 for the key's retention). One credited and not
   * finished has its record, and is refunded.
   */
  private Future<Boolean> onItsWay(PaymentId paymentId, Map<String, String> payment) {
    if (!TransferStatus.PENDING.wire().equals(payment.get("state"))) {
      return Future.succeededFuture(false);
    }
    ShardId payee = new WalletId(payment.get("to")).shard();
    if (!options.shards().contains(payee)) {
      return Future.succeededFuture(false);
    }
    String record = Keys.paymentRecord(payee, paymentId.value());
    return runner.send(record, Request.cmd(Command.EXISTS).arg(record)).map(found -> found.toLong() == 0);
  }

  private Future<Outcome<RefundView>> refund(Refund command, Map<String, String> payment) {
    WalletId merchant = new WalletId(payment.get("to"));
    Movement refund = new Movement(RefundId.random(merchant.shard()).value(), MovementKind.REFUND, merchant,
      new WalletId(payment.get("from")), command.amount(), 0, command.actor(), command.idempotencyKey(),
      command.payment().value(), "", List.of(), command.requestHash());
    String stripedMerchant = payment.get("to_parent");
    // a payment that landed on the merchant wallet itself (a payer on its shard, another region's, one made
    // before its owner was striped) is refunded from it, gathering its stripes when short (fromWallet)
    Future<ScriptReply> refunded = stripedMerchant == null ? move(refund)
      : toppedUp(() -> refilledFor(refund, new WalletId(stripedMerchant)), unrecorded -> move(refund, unrecorded));
    return refunded.map(reply -> Views.outcome(reply, Views::refund));
  }

  @Override
  public Future<Outcome<RefundView>> refundReceived(Refund command, WalletId merchant) {
    PaymentId paymentId = command.payment();
    if (options.shards().contains(paymentId.shard()) || !options.shards().contains(merchant.shard())) {
      return Future.failedFuture(new IllegalArgumentException("not a payment from another region to a merchant of "
        + "this one: " + paymentId + " to " + merchant));
    }
    return paymentRecord(merchant.shard(), paymentId.value()).compose(payment -> {
      if (!merchant.value().equals(payment.get("merchant"))) {
        return Future.succeededFuture(Outcome.<RefundView>refused(OutcomeCode.PAYMENT_NOT_FOUND));
      }
      Movement refund = new Movement(RefundId.random(merchant.shard()).value(), MovementKind.REFUND, merchant,
        new WalletId(payment.get("payer")), command.amount(), 0, command.actor(), command.idempotencyKey(),
        paymentId.value(), "", List.of(), command.requestHash());
      return move(refund).map(reply -> Views.outcome(reply, Views::refund));
    });
  }

  /**
   * A payment's movement record, or once it has expired, the fields of it a refund needs (kind, from,
   * to, to_parent, state when reversed) from the payment the ledger holds; empty when neither has it.
   */
  private Future<Map<String, String>> paymentMovement(PaymentId id) {
    return hashAt(Keys.movement(id.shard(), id.value())).compose(hot -> !hot.isEmpty() ? Future.succeededFuture(hot)
      : paymentRecords.fromLedger(id.value()).map(found -> found.map(RedisBalanceCache::movementFields)
        .orElse(Map.of())));
  }

  /**
   * The movement record's fields a refund reads, from the payment the ledger holds. A reversed one says
   * so, and its refund is refused as with the hot record (until 2026-12-07 the reversal was left out,
   * and the refund went to the script: wallet_inactive recorded under its key while the merchant stayed
   * frozen, or a wait for the ledger for a payment record it never had).
   */
  private static Map<String, String> movementFields(PaymentRecordFacts p) {
    Map<String, String> fields = new HashMap<>(Map.of("kind", MovementKind.PAYMENT.wire(), "from", p.payer(),
      "to", p.merchant()));
    p.parent().ifPresent(parent -> fields.put("to_parent", parent));
    p.reversal().ifPresent(refusal -> fields.put("state", TransferStatus.REVERSED.wire()));
    return fields;
  }

  /**
   * A payment record (lib.lua, open_payment_record): the hot one, or once it has expired, the
   * ledger's as it stands; empty when neither has it. A refund decides on the record itself, never
   * on this read.
   */
  private Future<Map<String, String>> paymentRecord(ShardId shard, String paymentId) {
    return hashAt(Keys.paymentRecord(shard, paymentId)).compose(hot -> !hot.isEmpty() ? Future.succeededFuture(hot)
      : paymentRecords.fromLedger(shard, paymentId));
  }

  /**
   * Money a hot merchant pays out must be where the script looks (a refund: on the stripe it
   * landed on; a payout: in the merchant wallet), and the stripe sweeper, a refill or another
   * payout may move it between the top-up and the script. So the script is asked not to record a
   * refusal for funds ({@code ask}'s argument), and such a refusal is topped up and asked again
   * under the same key, {@link #TOP_UPS} times at most; the last attempt's answer stands. The script
   * is asked first: a retry is answered from its key's record, and money already where it is looked
   * for is not moved. Until 2026-12-07 the top-up came first, and a retry of a refund or a payout
   * refilled its stripe or gathered the stripes (sweeps of the merchant's money between its own
   * wallets, and a 503 when the merchant wallet's master was away) before it was replayed.
   */
  private Future<ScriptReply> toppedUp(Supplier<Future<Void>> topUp,
                                       Function<Set<OutcomeCode>, Future<ScriptReply>> ask) {
    return toppedUp(topUp, ask, false);
  }

  /** {@code foundShort}: the script was asked already and left its shortfall unrecorded: topped up first. */
  private Future<ScriptReply> toppedUp(Supplier<Future<Void>> topUp,
                                       Function<Set<OutcomeCode>, Future<ScriptReply>> ask, boolean foundShort) {
    return foundShort ? topUp.get().compose(ready -> askedAndToppedUp(topUp, ask, TOP_UPS - 1))
      : askedAndToppedUp(topUp, ask, TOP_UPS);
  }

  private Future<ScriptReply> askedAndToppedUp(Supplier<Future<Void>> topUp,
                                               Function<Set<OutcomeCode>, Future<ScriptReply>> ask, int attempts) {
    Set<OutcomeCode> unrecorded = attempts > 1 ? Set.of(OutcomeCode.INSUFFICIENT_FUNDS) : Set.of();
    // the last attempt's answer stands even unrecorded (a chargeback that held money would cover is
    // never recorded: hold.lua); until 2026-12-07 such an answer started the attempts over without end
    return ask.apply(unrecorded).compose(reply -> reply.kind() == ScriptReply.Kind.UNRECORDED && attempts > 1
      ? topUp.get().compose(ready -> askedAndToppedUp(topUp, ask, attempts - 1))
      : Future.succeededFuture(reply));
  }

  /**
   * A refund of a payment that landed on a stripe is paid from that stripe; one that holds less
   * than the refund first gets the difference from its merchant wallet (which gathers its other
   * stripes when short), so a refund does not fail while the merchant holds enough in total.
   */
  private Future<Void> refilledFor(Movement refund, WalletId stripedMerchant) {
    WalletId stripe = refund.from();
    return stripes.available(stripe).compose(available -> available >= refund.amount().minor()
      ? Future.succeededFuture()
      : identity(stripedMerchant).compose(merchant -> merchant.isEmpty() ? Future.succeededFuture()
        : stripes.refill(stripe, merchant.get(), refund.amount().minor() - available).mapEmpty()));
  }

  /** One script when both wallets share a shard, the saga otherwise; from the wallet as {@link #fromWallet} says. */
  private Future<ScriptReply> move(Movement m) {
    return fromWallet(m.from(), m.actor(), m.amount(), unrecorded -> move(m, unrecorded));
  }

  /**
   * Money leaving {@code source}: a hot merchant's wallet reads, to its owner, as what it holds with
   * its stripes ({@link #wallet}), so one short of {@code amount} gathers them and is asked
   * again ({@link #toppedUp}) rather than refused. Until 2026-12-06 only its payouts and refunds did,
   * and a transfer, payment or authorization from it was refused insufficient_funds (and the refusal
   * replayed for the key's retention) while the balance it read covered it. Only a striped owner or
   * the system moves money out of such a wallet (the script refuses anyone else), so for any other
   * {@code actor} the source is not read: no Redis round trip on an ordinary transfer. Such an actor
   * may still own a wallet with stripes (its owner taken off the striped list): its script leaves a
   * shortfall unrecorded for a source with stripes only (lib.lua's unrecorded_for; any other is
   * recorded in the same run), and such a source then gathers them ({@link #hasStripes}).
   */
  private Future<ScriptReply> fromWallet(WalletId source, String actor, Money amount,
                                         Function<Set<OutcomeCode>, Future<ScriptReply>> ask) {
    if (!mayMoveStripedMoney(actor)) {
      return ask.apply(Set.of(OutcomeCode.INSUFFICIENT_FUNDS)).compose(reply -> reply.kind() != ScriptReply.Kind.UNRECORDED
        ? Future.succeededFuture(reply)
        : gatheringIfStriped(source, amount, ask, true));
    }
    return gatheringIfStriped(source, amount, ask, false);
  }

  /** {@code foundShort}: the script was asked and left the shortfall unrecorded, so the stripes are gathered first. */
  private Future<ScriptReply> gatheringIfStriped(WalletId source, Money amount,
                                                 Function<Set<OutcomeCode>, Future<ScriptReply>> ask, boolean foundShort) {
    return identity(source).compose(found -> found.isEmpty() ? ask.apply(Set.of())
      : hasStripes(found.get()).compose(striped -> !striped ? ask.apply(Set.of())
        : toppedUp(() -> gatheredFor(found.get(), amount), ask, foundShort)));
  }

  /**
   * {@code unrecorded}: refusals answered UNRECORDED, without writing anything (by the one script, or
   * by the saga's debit: until 2026-12-06 a saga's refund recorded a shortfall that a gathering of
   * the stripes would have made good, and was refused for the rest of its key's retention).
   * A refund whose payment record has expired is asked again with the record the ledger holds
   * ({@link ColdPaymentRecords}); once, as a record restored since lives a retention.
   */
  private Future<ScriptReply> move(Movement m, Set<OutcomeCode> unrecorded) {
    if (m.kind() != MovementKind.REFUND) {
      return moveOnce(m, unrecorded);
    }
    return moveOnce(m, unrecorded).compose(reply -> !ColdPaymentRecords.cold(reply) ? Future.succeededFuture(reply)
      : paymentRecords.restoring(m, reply.outcome()).compose(restoring -> moveOnce(restoring, unrecorded)))
      .compose(reply -> !ColdPaymentRecords.cold(reply) ? Future.succeededFuture(reply)
        : Future.failedFuture(new BalanceCacheUnavailableException("the payment record of refund " + m.id()
          + " could not be restored from the ledger in time: retry", null)));
  }

  private Future<ScriptReply> moveOnce(Movement m, Set<OutcomeCode> unrecorded) {
    if (!options.shards().contains(m.to().shard()) && !saga.settlesElsewhere(m.to())) {
      return toOtherRegion(m.to());
    }
    noteIfOffHome(m.from(), m.actor(), m.limits());
    if (m.crossShard()) {
      return saga.run(m, unrecorded);
    }
    ShardId shard = m.source();
    List<String> keys = new ArrayList<>(m.recordKeys());
    keys.add(4, Keys.outbox(shard));
    keys.addAll(m.counterKeys());
    List<String> args = List.of(m.id(), m.kind().wire(), Long.toString(m.amount().minor()), Long.toString(m.fee()),
      m.amount().currencyCode(), m.requestHash(), m.actor(), retention(), m.feeAccount().id(shard),
      m.paymentId(), m.reference(), m.limitsJson(), codes(unrecorded), m.paymentFacts());
    return runner.run(scripts.move, keys, args);
  }

  /**
   * Money for a wallet this region cannot settle with is refused before anything is written: the
   * saga's credit could never reach that wallet's shard, and the debit would wait for ever
   * (docs/architecture.md, "Regions"). Transfers, payments and refunds to a region connected through a
   * {@link RegionLink} settle there, and so do captures of authorizations for its merchants.
   */
  private static <T> Future<T> toOtherRegion(WalletId counterparty) {
    return Future.failedFuture(new OtherRegionException(counterparty.shard()));
  }

  @Override
  public void connectRegions(RegionLink link) {
    saga.connect(link);
  }

  @Override
  public void connectLedger(RetiredRecords ledger) {
    this.ledger = ledger;
  }

  @Override
  public Future<OutcomeCode> creditFromRegion(Settlement settlement, Optional<OutcomeCode> refusal) {
    if (!fromAnotherRegion(settlement)) {
      return notFromAnotherRegion(settlement);
    }
    if (!options.shards().contains(settlement.to().shard())) {
      // no wallet of this region, now or ever: final, and the source region gives the money back
      return Future.succeededFuture(OutcomeCode.WALLET_NOT_FOUND);
    }
    return saga.creditFrom(settlement, refusal);
  }

  @Override
  public Future<Boolean> settlementDecided(Settlement settlement) {
    if (!options.shards().contains(settlement.to().shard())) {
      return Future.succeededFuture(false);
    }
    String marker = Keys.creditDecision(settlement.to().shard(), settlement.movementId());
    return runner.send(marker, Request.cmd(Command.EXISTS).arg(marker)).map(found -> found.toLong() == 1);
  }

  @Override
  public Future<Void> forgetSettled(Settlement settlement) {
    if (!fromAnotherRegion(settlement)) {
      return notFromAnotherRegion(settlement);
    }
    if (!options.shards().contains(settlement.to().shard())) {
      return Future.succeededFuture();
    }
    String marker = Keys.creditDecision(settlement.to().shard(), settlement.movementId());
    return runner.send(marker, Request.cmd(Command.PEXPIRE).arg(marker).arg(options.idempotencyRetentionMs()))
      .mapEmpty();
  }

  /**
   * A transfer, payment or refund whose movement, sender and declared source are all one other region
   * of this deployment; a payment's id is its movement's, a refund's payment is one made here.
   */
  private boolean fromAnotherRegion(Settlement settlement) {
    Regions regions = options.regions();
    Optional<Regions.Region> source = regions.regions().stream()
      .filter(region -> region.name().equals(settlement.sourceRegion())).findFirst();
    Optional<ShardId> movementShard = Keys.shardNamedBy(settlement.movementId());
    return source.isPresent() && !regions.self().equals(source)
      && movementShard.isPresent() && regions.homeOf(movementShard.get()).equals(source)
      && regions.homeOf(settlement.from().shard()).equals(source) && paymentFitsKind(settlement);
  }

  private boolean paymentFitsKind(Settlement s) {
    return switch (s.kind()) {
      case TRANSFER -> s.fee() == 0 && s.paymentId().isEmpty();
      case PAYMENT -> s.paymentId().equals(s.movementId());
      case REFUND -> s.fee() == 0 && Keys.shardNamedBy(s.paymentId()).filter(options.shards()::contains).isPresent();
      default -> false;
    };
  }

  private static <T> Future<T> notFromAnotherRegion(Settlement settlement) {
    return Future.failedFuture(new IllegalArgumentException("not a transfer, payment or refund from another region of "
      + "this deployment: " + settlement));
  }

  @Override
  public Future<Boolean> answeredBefore(ShardId shard, IdempotencyKey key, String requestHash) {
    return runner.run(scripts.answered, List.of(Keys.idempotency(shard, key)), List.of(requestHash))
      .map(reply -> reply.kind() == ScriptReply.Kind.REPLAY || reply.kind() == ScriptReply.Kind.IN_FLIGHT
        || reply.kind() == ScriptReply.Kind.KEY_REUSED);
  }

  @Override
  public Future<ClearingPosition> clearingPosition() {
    Map<String, Map<String, Long>> totals = new TreeMap<>();
    Map<String, Long> sequences = new TreeMap<>();
    Map<String, Long> pending = new TreeMap<>();
    return Sequential.forEach(options.shards().all(), shard -> clearingOf(shard, totals, sequences)
        .compose(read -> pendingElsewhere(shard, pending)))
      .map(read -> new ClearingPosition(totals, sequences, pending));
  }

  /** Adds a shard's clearing accounts (ids region.<peer>:<CUR>:sNNNN) to the sums by region. */
  private Future<Void> clearingOf(ShardId shard, Map<String, Map<String, Long>> totals, Map<String, Long> sequences) {
    String listed = Keys.regionAccounts(shard.tag());
    return runner.send(listed, Request.cmd(Command.SMEMBERS).arg(listed)).compose(ids -> Sequential.forEach(
      ids.stream().map(Response::toString).toList(), id -> {
        String key = Keys.accountKey(id);
        return runner.send(key, Request.cmd(Command.HMGET).arg(key).arg("avail").arg("seq")).map(fields -> {
          String[] parts = id.substring(SystemAccount.REGION.length() + 1).split(":");
          totals.computeIfAbsent(parts[0], peer -> new TreeMap<>())
            .merge(parts[1], fields.get(0) == null ? 0L : fields.get(0).toLong(), Long::sum);
          sequences.merge(parts[0], fields.get(1) == null ? 0L : fields.get(1).toLong(), Long::sum);
          return null;
        });
      }));
  }

  /**
   * Counts a shard's pending movements to other regions, by region: every one, a page at a time
   * (the pending set of a region whose link is down grows, and the check reads it often). Each
   * record is read, and this region's set too, for movements listed before each region had a set
   * of its own ({@link PendingSets}).
   */
  private Future<Void> pendingElsewhere(ShardId shard, Map<String, Long> pending) {
    return Sequential.forEach(pendingSets.keysOf(shard), set -> pendingPages(set, page -> {
      List<Future<Response>> records = page.stream().map(id -> Keys.movement(shard, id))
        .map(record -> runner.send(record, Request.cmd(Command.HMGET).arg(record).arg("state").arg("to"))).toList();
      return Future.all(records).<Void>map(read -> {
        records.stream().map(Future::result).filter(fields -> fields.get(0) != null
            && "pending".equals(fields.get(0).toString()))
          .map(fields -> new WalletId(fields.get(1).toString()).shard())
          .forEach(destination -> pendingSets.otherRegionOf(destination)
            .ifPresent(region -> pending.merge(region.name(), 1L, Long::sum)));
        return null;
      });
    }));
  }

  /**
   * A pending set in pages of about {@link #SWEEP_BATCH}, each handled before the next is
   * read, every member present throughout handed over exactly once (ZSCAN's guarantee, its repeats
   * dropped). Until 2026-12-06 the pages were taken by rank, and movements finishing meanwhile moved
   * the later ones down past the next page's start: the check between regions could read a movement
   * to a peer as not pending, conclude, and report a disagreement that was money in flight.
   */
  private Future<Void> pendingPages(String key, Function<List<String>, Future<Void>> each) {
    String[] cursor = {"0"};
    Set<String> seen = new HashSet<>();
    return Sequential.repeatWhile(() -> runner.send(key, Request.cmd(Command.ZSCAN).arg(key).arg(cursor[0])
        .arg("COUNT").arg(SWEEP_BATCH))
      .compose(scanned -> {
        List<String> page = new ArrayList<>();
        Response members = scanned.get(1);
        for (int i = 0; i < members.size(); i += 2) {
          String id = members.get(i).toString();
          if (seen.add(id)) {
            page.add(id);
          }
        }
        cursor[0] = scanned.get(0).toString();
        return (page.isEmpty() ? Future.<Void>succeededFuture() : each.apply(page)).map(done -> !"0".equals(cursor[0]));
      }));
  }

  /** Outcome codes as a script's comma-separated argument. */
  static String codes(Set<OutcomeCode> codes) {
    return codes.stream().map(OutcomeCode::name).sorted().collect(Collectors.joining(","));
  }

  @Override
  public Future<List<Outcome<TransferView>>> transferAll(List<Transfer> commands) {
    List<Movement> movements = commands.stream()
      .map(command -> Movement.of(command, TransferId.random(command.from().shard()).value())).toList();
    return moveAll(movements).map(replies -> replies.stream().map(reply -> Views.outcome(reply, Views::transfer)).toList());
  }

  /** Each payment lands where a single one would: a hot merchant on another shard is paid on its stripe there. */
  @Override
  public Future<List<Outcome<PaymentView>>> payAll(List<Payment> commands) {
    List<Future<Movement>> landed = commands.stream()
      .map(command -> Movement.of(command, PaymentId.random(command.payer().shard()).value()))
      .map(movement -> payee(movement).map(movement::to)).toList();
    return Future.all(landed).compose(all -> moveAll(all.list()))
      .map(replies -> replies.stream().map(reply -> Views.outcome(reply, Views::payment)).toList());
  }

  /** Only the system or a striped owner moves money out of a striped merchant's wallet: the script refuses anyone else. */
  private boolean mayMoveStripedMoney(String actor) {
    return SystemNames.ACTOR.equals(actor) || options.striping().striped(actor);
  }

  /**
   * move_batch.lua: every movement applied, or none; each item's reply as move.lua would give it. A
   * wallet with stripes paying in it gathers them first when short of what it pays in all, as
   * {@link #fromWallet} does for one movement: at once for a striped owner or the system; for any
   * other actor (an owner taken off the striped list) once the batch was refused for funds, which
   * wrote nothing (until 2026-12-07 such an owner's batch was refused while its balance covered it).
   * Once: a sweep moving money away meanwhile may still refuse the batch.
   */
  private Future<List<ScriptReply>> moveAll(List<Movement> movements) {
    ShardId shard = oneShard(movements);
    if (mayMoveStripedMoney(movements.get(0).actor())) {
      return gatheredForAll(movements).compose(gathered -> moveAllNow(shard, movements));
    }
    return moveAllNow(shard, movements).compose(replies -> {
      Set<WalletId> shortOfFunds = IntStream.range(0, movements.size())
        .filter(i -> replies.get(i).kind() == ScriptReply.Kind.NEW
          && OutcomeCode.INSUFFICIENT_FUNDS.name().equals(replies.get(i).outcome().getString("code")))
        .mapToObj(i -> movements.get(i).from()).collect(Collectors.toSet());
      return shortOfFunds.isEmpty() ? Future.succeededFuture(replies)
        : gatheredForAll(movements.stream().filter(m -> shortOfFunds.contains(m.from())).toList())
          .compose(gathered -> gathered ? moveAllNow(shard, movements) : Future.succeededFuture(replies));
    });
  }

  /** The stripes of every paying wallet that has them gathered up to what it pays in all; whether any had them. */
  private Future<Boolean> gatheredForAll(List<Movement> movements) {
    Map<WalletId, Long> paidBy = movements.stream()
      .collect(Collectors.groupingBy(Movement::from, LinkedHashMap::new, Collectors.summingLong(m -> m.amount().minor())));
    return Future.all(paidBy.entrySet().stream().map(paid -> identity(paid.getKey()).compose(found -> found.isEmpty()
        ? Future.succeededFuture(false)
        : hasStripes(found.get()).compose(striped -> !striped ? Future.succeededFuture(false)
          : stripes.gatheredUpTo(found.get(), paid.getValue()).map(true)))).toList())
      .map(all -> all.<Boolean>list().contains(true));
  }

  private Future<List<ScriptReply>> moveAllNow(ShardId shard, List<Movement> movements) {
    List<String> keys = new ArrayList<>(List.of(Keys.outbox(shard)));
    JsonArray items = new JsonArray();
    for (Movement m : movements) {
      noteIfOffHome(m.from(), m.actor(), m.limits());
      keys.addAll(m.recordKeys());
      keys.addAll(m.counterKeys());
      items.add(m.batchItem(m.requestHash()));
    }
    return runner.run(scripts.moveBatch, keys, List.of(movements.get(0).actor(), items.encode()))
      .map(RedisBalanceCache::batchReplies);
  }

  /**
   * The shard of every wallet of an atomic batch, of one actor: several shards are refused
   * ({@link AtomicBatchSpansShardsException}), several actors are the caller's bug.
   */
  private static ShardId oneShard(List<Movement> movements) {
    if (movements.isEmpty()) {
      throw new IllegalArgumentException("an atomic batch needs at least one movement");
    }
    String actor = movements.get(0).actor();
    if (movements.stream().anyMatch(m -> !m.actor().equals(actor))) {
      throw new IllegalArgumentException("an atomic batch moves money of one actor");
    }
    List<String> shards = movements.stream().flatMap(m -> Stream.of(m.from().shard(), m.to().shard()))
      .map(ShardId::tag).distinct().sorted().toList();
    if (shards.size() > 1) {
      throw new AtomicBatchSpansShardsException(shards);
    }
    return movements.get(0).source();
  }

  private static List<ScriptReply> batchReplies(ScriptReply batch) {
    JsonArray items = batch.outcome().getJsonArray("items");
    List<ScriptReply> replies = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      replies.add(ScriptReply.parse(item.getString("k"), item.getString("o")));
    }
    return replies;
  }

  /**
   * The hold's id is its key's, and the ledger is asked first, as for a credit: a hold it holds
   * placed already is answered as a replay (another amount or reference under the key is another request). Its
   * key's record expires a day after the ledger has the hold, and a rebuilt one refuses any retry;
   * until 2026-12-06 a withdrawal or a chargeback driven again after that held the money twice (a
   * chargeback then settled both holds) or failed with the money held.
   */
  @Override
  public Future<Outcome<HoldView>> placeHold(PlaceHold command) {
    HoldId id = HoldId.derived(command.wallet().shard(), command.wallet().value() + "|"
      + command.idempotencyKey().digest());
    return ledger.holdPlaced(command.wallet(), id).compose(placed -> placed.isPresent()
      ? Future.succeededFuture(placed.get().amount().equals(command.amount())
        && placed.get().reference().equals(command.reference())
        ? new Outcome<>(OutcomeCode.OK, placed.get(), true) : Outcome.refused(OutcomeCode.IDEMPOTENCY_KEY_REUSED))
      : place(command, id));
  }

  private Future<Outcome<HoldView>> place(PlaceHold command, HoldId id) {
    return fromWallet(command.wallet(), command.actor(), command.amount(), unrecorded -> hold(id, command.wallet(), command.amount(),
      command.actor(), command.reference(), command.idempotencyKey(), command.limits(), command.requestHash(), "", 0,
      unrecorded))
      .map(reply -> Views.outcome(reply, Views::hold));
  }

  /**
   * A payout from a striped merchant wallet that holds less than it asks for gathers the merchant's
   * stripes first, so it does not fail while the merchant holds enough in total.
   */
  private Future<Void> gatheredFor(WalletIdentity merchant, Money amount) {
    return stripes.gatheredUpTo(merchant, amount.minor()).mapEmpty();
  }

  @Override
  public Future<Outcome<AuthorizationView>> authorize(Authorize command) {
    if (!options.shards().contains(command.merchant().shard()) && !saga.settlesElsewhere(command.merchant())) {
      return toOtherRegion(command.merchant());
    }
    HoldId id = HoldId.random(command.payer().shard());
    return fromWallet(command.payer(), command.actor(), command.amount(), unrecorded -> hold(id, command.payer(), command.amount(),
      command.actor(), command.orderRef(), command.idempotencyKey(), command.limits(), command.requestHash(),
      command.merchant().value(), command.lifetimeMs(), unrecorded))
      .map(reply -> Views.outcome(reply, Views::authorization));
  }

  /**
   * hold.lua: a withdrawal's hold, or an authorization when it names a merchant (and so a lifetime);
   * {@code unrecorded}: refusals answered UNRECORDED, without writing anything.
   */
  private Future<ScriptReply> hold(HoldId id, WalletId wallet, Money amount, String actor, String reference,
                                   IdempotencyKey key, List<LimitCheck> limits, String requestHash,
                                   String merchant, long lifetimeMs, Set<OutcomeCode> unrecorded) {
    ShardId shard = wallet.shard();
    noteIfOffHome(wallet, actor, limits);
    List<String> keys = new ArrayList<>(List.of(Keys.wallet(wallet), Keys.hold(id),
      Keys.idempotency(shard, key), Keys.outbox(shard), Keys.holdExpiries(shard)));
    limits.forEach(l -> keys.add(Keys.limitCounter(shard, actor, l.counter())));
    List<String> args = List.of(id.value(), Long.toString(amount.minor()), amount.currencyCode(),
      requestHash, actor, reference, retention(), Movement.limitsJson(limits), merchant,
      Long.toString(lifetimeMs), codes(unrecorded));
    return runner.run(scripts.hold, keys, args);
  }

  @Override
  public Future<Optional<AuthorizationView>> authorization(HoldId id) {
    return hashAt(Keys.hold(id)).compose(hold -> hold.isEmpty() ? endedAuthorization(id)
      : Future.succeededFuture(Views.authorization(hold)));
  }

  /**
   * An authorization with no record: never placed, or ended and its record expired once the ledger
   * had the posting that ended it (capture.lua, finish_hold.lua). One the ledger holds still open
   * was lost by the hot tier, which nothing here may paper over.
   */
  private Future<Optional<AuthorizationView>> endedAuthorization(HoldId id) {
    return ledger.authorization(id).map(found -> {
      if (found.isPresent() && found.get().status() == AuthorizationView.Status.ACTIVE) {
        throw new IllegalStateException("authorization " + id.value() + " is open in the ledger but not in the "
          + "hot tier: the hot tier lost it (rebuild it from the ledger)");
      }
      return found;
    });
  }

  @Override
  public Future<Outcome<CaptureView>> capture(Capture command) {
    HoldId authId = command.authorization();
    return hashAt(Keys.hold(authId)).compose(auth -> {
      if (auth.isEmpty()) {
        return withoutRecord(command);
      }
      if (!auth.containsKey("to")) {
        return Future.succeededFuture(Outcome.<CaptureView>refused(OutcomeCode.AUTHORIZATION_NOT_FOUND));
      }
      ShardId shard = authId.shard();
      return landing(new WalletId(auth.get("to")), shard)
        .compose(payee -> capture(command, auth, payee));
    });
  }

  /**
   * A capture of an authorization without a record, found so before capture.lua or by it (the
   * record expired in between): its key's record answers first, as in the script, then how the
   * ledger says the authorization ended (409, recorded under the key as capture.lua records it), or
   * 404 for one it never had (not recorded, as in the script).
   */
  private Future<Outcome<CaptureView>> withoutRecord(Capture command) {
    HoldId authId = command.authorization();
    String key = Keys.idempotency(authId.shard(), command.idempotencyKey());
    return answeredBefore(key, command.requestHash(), Optional.of(MovementKind.PAYMENT))
      .compose(answered -> answered.isPresent()
        ? Future.succeededFuture(Views.outcome(answered.get(), Views::capture))
        : endedAuthorization(authId).compose(ended -> ended.isEmpty()
          ? Future.succeededFuture(Outcome.<CaptureView>refused(OutcomeCode.AUTHORIZATION_NOT_FOUND))
          : recordedUnlessAnswered(key, command.requestHash(), Optional.of(MovementKind.PAYMENT),
            new JsonObject().put("code", OutcomeCode.AUTHORIZATION_NOT_ACTIVE.name()))
            .map(reply -> Views.outcome(reply, Views::capture))));
  }

  /**
   * {@code answer}, which the money core gave without a script of its own, recorded under the
   * request's key for a retention (answered.lua), as a script's answer would be; or what was recorded
   * there first. Until 2026-12-07 nothing was: a void or a capture of an authorization whose record
   * had expired left its key free, and the key acted on another authorization next.
   */
  private Future<ScriptReply> recordedUnlessAnswered(String idempotencyKey, String requestHash,
                                                     Optional<MovementKind> movement, JsonObject answer) {
    return runner.run(scripts.answered, List.of(idempotencyKey), List.of(requestHash, answer.encode(), retention(),
      movement.map(MovementKind::wire).orElse("")));
  }

  /** capture.lua, paying {@code payee}: the merchant wallet, or its stripe on the payer's shard. */
  private Future<Outcome<CaptureView>> capture(Capture command, Map<String, String> auth, WalletId payee) {
    HoldId authId = command.authorization();
    ShardId shard = authId.shard();
    boolean sameShard = payee.shard().equals(shard);
    Currency currency = Currencies.parse(auth.get("cur"));
    // in-transit, or for another region's merchant the clearing account for its region, as a saga's debit
    SystemAccount transit = saga.between(payee, currency);
    SystemAccount fees = SystemAccount.fees(currency);
    PaymentId paymentId = PaymentId.random(shard);
    List<String> keys = new ArrayList<>(List.of(Keys.wallet(new WalletId(auth.get("wallet"))), Keys.hold(authId),
      Keys.idempotency(shard, command.idempotencyKey()), Keys.movement(shard, paymentId.value()),
      Keys.outbox(shard), Keys.holdExpiries(shard), pendingSets.setFor(shard, payee.shard()),
      Keys.systemAccount(shard, transit),
      sameShard ? Keys.wallet(payee) : Keys.hold(authId), Keys.systemAccount(shard, fees),
      Keys.paymentRecord(shard, paymentId.value())));
    new JsonArray(auth.getOrDefault("lim", "[]")).forEach(counter -> keys.add((String) counter));
    List<String> args = List.of(paymentId.value(), authId.value(), Long.toString(command.amountMinor()),
      Long.toString(command.feeMinor()), command.requestHash(), command.actor(),
      command.keepOpen() ? "1" : "0", retention(), sameShard ? "1" : "0", transit.id(shard), fees.id(shard),
      command.whole() ? Integer.toString(command.feeBps()) : "");
    return runner.run(scripts.capture, keys, args).compose(reply -> driveIfPending(reply, shard, paymentId))
      .compose(reply -> answered(reply, Views::capture, () -> withoutRecord(command)));
  }

  /**
   * A capture into the saga is carried on as a cross-shard payment is (at once within the region,
   * beside the answer for another region's merchant); the sweeper finishes it if this fails.
   */
  private Future<ScriptReply> driveIfPending(ScriptReply captured, ShardId shard, PaymentId paymentId) {
    return saga.carriedOn(captured, () -> hashAt(Keys.movement(shard, paymentId.value())).map(PendingMovement::of));
  }

  @Override
  public Future<Outcome<AuthorizationView>> voidAuthorization(HoldId id, IdempotencyKey key) {
    String recorded = Keys.idempotency(id.shard(), key);
    return releaseAuthorization(id, "void", recorded, requestHash("void|" + id.value()));
  }

  /**
   * {@code requestHash} empty: no idempotency record (the sweeper's release at expiry). One that has
   * ended answers its end, a replay, as finish_hold.lua does while the record lasts.
   */
  private Future<Outcome<AuthorizationView>> releaseAuthorization(HoldId id, String releasedBy,
                                                                  String idempotencyKey, String requestHash) {
    Supplier<Future<Outcome<AuthorizationView>>> withoutRecord = () -> answeredBefore(idempotencyKey, requestHash,
      Optional.empty())
      .compose(answered -> answered.isPresent()
        ? Future.succeededFuture(Views.outcome(answered.get(), Views::authorization))
        : endedAuthorization(id).compose(ended -> ended.isEmpty()
          ? Future.succeededFuture(Outcome.<AuthorizationView>refused(OutcomeCode.AUTHORIZATION_NOT_FOUND))
          : endedAnswer(ended.get(), idempotencyKey, requestHash)));
    return hashAt(Keys.hold(id)).compose(hold -> {
      if (hold.isEmpty()) {
        return withoutRecord.get();
      }
      if (!hold.containsKey("to")) {
        return Future.succeededFuture(Outcome.<AuthorizationView>refused(OutcomeCode.AUTHORIZATION_NOT_FOUND));
      }
      return finishHold(id, hold, "released", Keys.holdExpiries(id.shard()), "", releasedBy, idempotencyKey,
        requestHash).compose(reply -> answered(reply, Views::authorization, withoutRecord));
    });
  }

  /**
   * A void's (or the sweeper's) answer about an authorization the ledger says has ended: its end,
   * replayed, and for a void recorded under its key unless something was recorded there first.
   */
  private Future<Outcome<AuthorizationView>> endedAnswer(AuthorizationView ended, String idempotencyKey,
                                                         String requestHash) {
    Outcome<AuthorizationView> replayed = new Outcome<>(OutcomeCode.OK, ended, true);
    if (requestHash.isEmpty()) {
      return Future.succeededFuture(replayed);
    }
    return recordedUnlessAnswered(idempotencyKey, requestHash, Optional.empty(), Views.outcomeOf(ended))
      .map(reply -> reply.kind() == ScriptReply.Kind.NEW ? replayed : Views.outcome(reply, Views::authorization));
  }

  /**
   * A script's answer; or, when the script met no record of the hold or authorization it ends (the
   * record expired after the caller read it: kind UNRECORDED, nothing written), the answer of the
   * caller's path for a record it found missing.
   */
  private static <V> Future<Outcome<V>> answered(ScriptReply reply, Function<JsonObject, V> view,
                                                 Supplier<Future<Outcome<V>>> withoutRecord) {
    return reply.kind() == ScriptReply.Kind.UNRECORDED ? withoutRecord.get()
      : Future.succeededFuture(Views.outcome(reply, view));
  }

  /**
   * What a script asks first (lib.lua's idem_seen), asked where the script does not run because the
   * authorization's record has expired: the key's record, kept a retention after its own request, may
   * outlive it. Empty without a record (or without a key: the sweeper's release at expiry).
   */
  private Future<Optional<ScriptReply>> answeredBefore(String idempotencyKey, String requestHash,
                                                       Optional<MovementKind> movement) {
    if (requestHash.isEmpty()) {
      return Future.succeededFuture(Optional.empty());
    }
    return hashAt(idempotencyKey).map(recorded -> Optional.ofNullable(recorded.get("rh")).map(hash -> {
      boolean pending = "pending".equals(recorded.get("state"));
      boolean named = RequestHash.names(requestHash, hash)
        || (recorded.containsKey("rhn") && RequestHash.names(requestHash, recorded.get("rhn")));
      if (!named && !restoredUnderWay(recorded, movement)) {
        return new ScriptReply(ScriptReply.Kind.KEY_REUSED, new JsonObject());
      }
      return new ScriptReply(pending ? ScriptReply.Kind.IN_FLIGHT : ScriptReply.Kind.REPLAY,
        new JsonObject(recorded.get("outcome")));
    }));
  }

  /** lib.lua's restored_under_way: a movement of the request's kind that a rebuild restored as pending. */
  private static boolean restoredUnderWay(Map<String, String> recorded, Optional<MovementKind> movement) {
    return RedisHotTierAccess.RESTORED_REQUEST_HASH.equals(recorded.get("rh")) && "pending".equals(recorded.get("state"))
      && movement.map(kind -> kind.wire().equals(new JsonObject(recorded.get("outcome")).getString("kind")))
        .orElse(false);
  }

  @Override
  public Future<Outcome<HoldView>> settleHold(HoldId id, SystemAccount payoutAccount) {
    return endHold(id, "settled", Keys.systemAccount(id.shard(), payoutAccount), payoutAccount.id(id.shard()));
  }

  @Override
  public Future<Outcome<HoldView>> releaseHold(HoldId id) {
    return endHold(id, "released", Keys.holdExpiries(id.shard()), "");
  }

  /** {@code accountKey}: the payout account to settle; the shard's expiry set to release. */
  private Future<Outcome<HoldView>> endHold(HoldId id, String ending, String accountKey, String accountId) {
    return hashAt(Keys.hold(id)).compose(hold -> hold.isEmpty()
      ? endedBefore(id)
      : finishHold(id, hold, ending, accountKey, accountId, "", Keys.hold(id), "")
        .compose(reply -> answered(reply, Views::hold, () -> endedBefore(id))));
  }

  /**
   * A hold with no record: never placed, or ended and its record expired once the ledger had its
   * ending (finish_hold.lua), which is then answered as the hot record would have, a replay.
   */
  private Future<Outcome<HoldView>> endedBefore(HoldId id) {
    return ledger.holdEnding(id).map(ended -> ended.map(view -> new Outcome<>(OutcomeCode.OK, view, true))
      .orElseGet(() -> Outcome.refused(OutcomeCode.HOLD_NOT_FOUND)));
  }

  private Future<ScriptReply> finishHold(HoldId id, Map<String, String> hold, String ending, String accountKey,
                                         String accountId, String releasedBy, String idempotencyKey,
                                         String requestHash) {
    List<String> keys = new ArrayList<>(List.of(Keys.wallet(new WalletId(hold.get("wallet"))), Keys.hold(id),
      Keys.outbox(id.shard()), accountKey, idempotencyKey));
    new JsonArray(hold.getOrDefault("lim", "[]")).forEach(counter -> keys.add((String) counter));
    return runner.run(scripts.finishHold, keys, List.of(id.value(), ending, accountId, releasedBy, requestHash,
      retention()));
  }

  // ------------------------------------------------------------------ expired authorizations

  @Override
  public Future<Integer> releaseExpiredAuthorizations() {
    List<Future<Integer>> shards = options.shards().all().stream().map(this::releaseExpired).toList();
    return Future.all(shards).map(all -> shards.stream().mapToInt(Future::result).sum());
  }

  /**
   * One page of a shard's authorizations past their expiry, released one after the other. One
   * that fails is logged and counted as a sweep failure, and the others are released all the same;
   * it is tried again on the next pass.
   */
  private Future<Integer> releaseExpired(ShardId shard) {
    String key = Keys.holdExpiries(shard);
    Request due = Request.cmd(Command.ZRANGEBYSCORE).arg(key).arg("-inf").arg(System.currentTimeMillis())
      .arg("LIMIT").arg(0).arg(SWEEP_BATCH);
    AtomicLong released = new AtomicLong();
    return runner.send(key, due)
      .compose(ids -> Sequential.forEach(ids.stream().map(Response::toString).toList(),
        id -> releaseAuthorization(new HoldId(id), "expiry", Keys.hold(new HoldId(id)), "").<Void>map(outcome -> {
          if (outcome.code() == OutcomeCode.OK && !outcome.replayed()) {
            released.incrementAndGet();
          }
          return null;
        }).recover(failure -> {
          sweepFailures.incrementAndGet();
          LOG.warn("could not release expired authorization {} yet: {}", id, failure.toString());
          return Future.succeededFuture();
        })))
      .map(done -> (int) released.get());
  }

  // ------------------------------------------------------------------ the sweeper

  @Override
  public Future<Integer> sweepPendingTransfers() {
    long cutoff = System.currentTimeMillis() - options.sweepAgeMs();
    Map<String, Future<Void>> replicatedMasters = new ConcurrentHashMap<>();
    List<Future<Integer>> sets = options.shards().all().stream().flatMap(shard -> pendingSets.setsOf(shard).stream())
      .map(set -> sweepSet(set, cutoff, replicatedMasters)).toList();
    return Future.all(sets).map(all -> sets.stream().mapToInt(Future::result).sum());
  }

  @Override
  public Future<List<String>> pendingMovements(ShardId shard) {
    List<String> all = new ArrayList<>();
    return Sequential.forEach(pendingSets.keysOf(shard), set -> pendingPages(set, page -> {
      all.addAll(page);
      return Future.succeededFuture();
    })).map(read -> all);
  }

  /**
   * One batch per master (a ZCARD and the oldest member of each of its shards' pending sets), as the
   * sweeper asks what is due: reading every shard on its own cost two commands per shard per read.
   */
  @Override
  public Future<List<PendingBacklog>> pendingBacklogs() {
    List<ShardId> all = options.shards().all();
    return shardsByMaster(all).compose(byMaster -> {
      List<Future<List<PendingBacklog>>> reads = byMaster.entrySet().stream()
        .filter(master -> !master.getKey().isEmpty())
        .map(master -> backlogsOn(master.getValue()).otherwise(failure -> {
          LOG.debug("could not read the pending backlog of {} shards on {}: {}", master.getValue().size(),
            master.getKey(), failure.toString());
          return List.of();
        }))
        .toList();
      return Future.join(reads).transform(done -> Future.succeededFuture(
        reads.stream().flatMap(read -> read.result().stream()).toList()));
    });
  }

  /** The backlogs of shards that share one master, in one round trip: each shard's pending sets together. */
  private Future<List<PendingBacklog>> backlogsOn(List<ShardId> shards) {
    List<Request> reads = new ArrayList<>();
    shards.forEach(shard -> {
      reads.add(Request.cmd(Command.GET).arg(Keys.shardClock(shard)));
      pendingSets.keysOf(shard).forEach(key -> {
        reads.add(Request.cmd(Command.ZCARD).arg(key));
        reads.add(Request.cmd(Command.ZRANGE).arg(key).arg(0).arg(0).arg("WITHSCORES"));
      });
    });
    int perShard = reads.size() / shards.size();
    reads.add(Request.cmd(Command.TIME));
    return Deadline.within(vertx, router.batch(shards.get(0).tag(), reads), options.operationTimeoutMs())
      .map(replies -> {
        long masterMs = epochMs(replies.get(reads.size() - 1));
        return IntStream.range(0, shards.size()).mapToObj(i -> backlog(shards.get(i),
          replies.subList(perShard * i, perShard * (i + 1)), masterMs)).toList();
      });
  }

  /**
   * A shard's backlog from its clock and each of its sets' ZCARD and oldest member, as {@link #backlogsOn}
   * reads them, in the order of {@link PendingSets#setsOf}.
   */
  private PendingBacklog backlog(ShardId shard, List<Response> replies, long masterMs) {
    List<PendingSets.PendingSet> sets = pendingSets.setsOf(shard);
    PendingBacklog.Waiting inRegion = PendingBacklog.Waiting.NONE;
    Map<String, PendingBacklog.Waiting> toRegions = new HashMap<>();
    for (int i = 0; i < sets.size(); i++) {
      long count = replies.get(1 + 2 * i).toLong();
      PendingBacklog.Waiting waiting = count == 0 ? PendingBacklog.Waiting.NONE
        : new PendingBacklog.Waiting(count, oldestScore(replies.get(2 + 2 * i)));
      Optional<String> region = sets.get(i).region();
      if (region.isPresent()) {
        toRegions.put(region.get(), waiting);
      } else {
        inRegion = waiting;
      }
    }
    return new PendingBacklog(shard, inRegion, toRegions, Math.max(0, longOrZero(replies.get(0)) - masterMs));
  }

  /** A TIME reply, [seconds, microseconds], in epoch ms. */
  private static long epochMs(Response time) {
    return time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000;
  }

  private static long longOrZero(Response value) {
    return value == null ? 0 : value.toLong();
  }

  /** The score of a one-member ZRANGE WITHSCORES: [member, score] (RESP2) or [[member, score]] (RESP3). */
  private static long oldestScore(Response range) {
    if (range == null || range.size() == 0) {
      return 0;
    }
    Response pair = range.get(0).type() == ResponseType.MULTI ? range.get(0) : range;
    // an epoch-ms score is an integer below 2^53: exact as a double, whichever form RESP gives it
    return (long) Double.parseDouble(pair.get(1).toString());
  }

  private Future<List<String>> pendingSince(String key, String maxScore, int offset) {
    Request range = Request.cmd(Command.ZRANGEBYSCORE).arg(key).arg("-inf").arg(maxScore).arg("LIMIT").arg(offset)
      .arg(SWEEP_BATCH);
    return runner.send(key, range)
      .map(ids -> ids.stream().map(Response::toString).toList());
  }

  /**
   * Drives the movements of one of a shard's pending sets, oldest first. A destination shard that
   * fails once is skipped for the rest of the pass, unless the failure is the movement's own
   * ({@link #refusedItself}: the destination answers, and until 2026-12-07 one movement that failed
   * every time held every later movement to its shard pending for good), or it is the
   * {@link CrossShardSaga#REFUSED_IN_A_ROW}th receiver in a row whose movement so failed there;
   * and so is every shard of another region once two
   * of its shards gave no answer at all ({@link RegionUnreachableException}: until 2026-12-06 a region
   * that hung cost the pass a timeout for each of its shards, one after another; two, because one
   * slow shard there, answered past the timeout, must not keep the pass from that region's other
   * shards); the rest of that region's own set is then left unread. The pass reads on past a page
   * where something was skipped, so that movements to a dead shard do not stand in front of those to
   * live ones (in this region's set, movements to another region an older edge listed there).
   */
  private Future<Integer> sweepSet(PendingSets.PendingSet set, long cutoff, Map<String, Future<Void>> replicatedMasters) {
    SweepPass pass = new SweepPass(set, Long.toString(cutoff), replicatedMasters);
    return sweepPage(pass, 0).map(done -> pass.driven);
  }

  private Future<Void> sweepPage(SweepPass pass, int offset) {
    if (pass.silent(pass.set.region())) {
      return Future.succeededFuture();
    }
    return pendingSince(pass.set.key(), pass.cutoff, offset)
      .compose(ids -> ids.isEmpty() ? Future.succeededFuture(ids) : debitsReplicated(pass).map(ids))
      .compose(ids -> {
        int drivenBefore = pass.driven;
        int skippedBefore = pass.skipped;
        return Sequential.forEach(ids, id -> drivePending(pass, id)).compose(done -> {
          int stillPending = ids.size() - (pass.driven - drivenBefore);
          boolean readOn = ids.size() == SWEEP_BATCH && pass.skipped > skippedBefore
            && offset + stillPending < SWEEP_DEPTH;
          return readOn ? sweepPage(pass, offset + stillPending) : Future.succeededFuture();
        });
      });
  }

  /**
   * Every debit the pass may drive held by the swept shard's replicas: a write, then WAIT, which covers
   * every earlier write to its master, and the debits swept were made before the pass began (older
   * than its cutoff). A debit whose WAIT failed is pending on the master alone, and a failover to a
   * replica that never had it takes it back (the client's retry under its key then debits again):
   * until 2026-12-07 the sweeper credited the destination, on another master, from such a debit, and
   * one debit could be credited twice. Asked only for a set with something to drive, and once a sweep
   * for each master: a master whose replicas are away holds a pooled connection in WAIT for the
   * replication timeout, and one for each of its shards would take most of the pool. "Before the pass
   * began" compares this process's clock (the cutoff) with the shard's (the scores): it holds while
   * they differ by less than the sweep's age (5 s).
   */
  private Future<Void> debitsReplicated(SweepPass pass) {
    String marker = Keys.replicationMarker(pass.set.shard());
    String master = runner.masterOf(marker);
    return master == null ? runner.replicated(marker)
      : pass.replicatedMasters.computeIfAbsent(master, asked -> runner.replicated(marker));
  }

  /** Pending movements refused themselves, each logged as an error once. */
  private final ReportedOnce movementsRefused = new ReportedOnce();

  /** What one sweep of one pending set learned: how many it drove, and which destinations failed. */
  private static final class SweepPass {
    final PendingSets.PendingSet set;
    final String cutoff;
    final Set<ShardId> failedDestinations = new HashSet<>();
    /** Of each other region, how many of its shards gave no answer in this pass. */
    final Map<String, Integer> silentShards = new HashMap<>();
    /** Of each destination, the receivers of the movements refused themselves in a row in this pass. */
    final Map<ShardId, Set<WalletId>> refusedInARow = new HashMap<>();
    /** Of each master, whether its replicas hold what this sweep drives ({@link #debitsReplicated}): shared by its passes. */
    final Map<String, Future<Void>> replicatedMasters;
    int driven;
    int skipped;

    SweepPass(PendingSets.PendingSet set, String cutoff, Map<String, Future<Void>> replicatedMasters) {
      this.set = set;
      this.cutoff = cutoff;
      this.replicatedMasters = replicatedMasters;
    }

    boolean silent(Optional<String> region) {
      return region.filter(name -> silentShards.getOrDefault(name, 0) >= SILENT_SHARDS_OF_A_HUNG_REGION).isPresent();
    }
  }

  /** The record is read on the swept shard itself: if that fails the pass stops (the shard is down). */
  private Future<Void> drivePending(SweepPass pass, String id) {
    if (pass.silent(pass.set.region())) {
      pass.skipped++;
      return Future.succeededFuture();
    }
    return hashAt(Keys.movement(pass.set.shard(), id)).compose(record -> {
      if (!"pending".equals(record.get("state"))) {
        return Future.succeededFuture();
      }
      PendingMovement movement = PendingMovement.of(record);
      ShardId destination = movement.to().shard();
      Optional<String> otherRegion = pendingSets.otherRegionOf(destination).map(Regions.Region::name);
      if (pass.failedDestinations.contains(destination) || pass.silent(otherRegion)) {
        pass.skipped++;
        return Future.succeededFuture();
      }
      return saga.drive(movement).<Void>map(driven -> {
        pass.driven++;
        pass.refusedInARow.remove(destination);
        swept.incrementAndGet();
        return null;
      }).recover(failure -> {
        sweepFailures.incrementAndGet();
        pass.skipped++;
        if (refusedItself(failure) && !CrossShardSaga.refusesAll(pass.refusedInARow, destination, movement.to())) {
          passOver(id, movement, failure);
        } else {
          skipDestination(pass, id, movement, otherRegion, failure);
        }
        return Future.succeededFuture();
      });
    });
  }

  /**
   * The movement's own failure, which asking again repeats while its destination answers others: Redis
   * refused a script of it (it raised), or the other region refused its delivery.
   */
  private static boolean refusedItself(Throwable failure) {
    return ScriptRunner.RefusedByRedisException.among(failure) || RefusedByRegionException.among(failure);
  }

  /** Logged once per movement and process: the sweep failures count every pass. */
  private void passOver(String id, PendingMovement movement, Throwable failure) {
    if (movementsRefused.first(id)) {
      LOG.error("could not drive pending movement {} to {}: it is refused itself, as it will be when asked again; it "
        + "stays pending, and the movements after it are driven all the same: {}", id, movement.to(), failure.toString());
    }
  }

  private void skipDestination(SweepPass pass, String id, PendingMovement movement, Optional<String> otherRegion,
                               Throwable failure) {
    ShardId destination = movement.to().shard();
    pass.failedDestinations.add(destination);
    otherRegion.filter(region -> gaveNoAnswer(failure))
      .ifPresent(region -> pass.silentShards.merge(region, 1, Integer::sum));
    LOG.warn("could not drive pending movement {} to {} yet; skipping {} for this pass: {}", id, movement.to(),
      destination, failure.toString());
  }

  private static boolean gaveNoAnswer(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof RegionUnreachableException) {
        return true;
      }
    }
    return false;
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Limits are exact per owner only for wallets on the owner's home shard, where its counters are.
   * A wallet opened before owners had homes, or colocated with another owner's wallet, counts in a
   * window of its own shard; this makes such debits visible (metric, and a log line now and then).
   */
  private void noteIfOffHome(WalletId source, String actor, List<LimitCheck> limits) {
    if (limits.isEmpty() || source.shard().equals(options.shards().homeOf(actor))) {
      return;
    }
    long seen = offHomeLimitedDebits.incrementAndGet();
    if (seen == 1 || seen % OFF_HOME_LOG_EVERY == 0) {
      LOG.warn("limits counted off the owner's home shard ({} such debits so far), e.g. wallet {} of owner {}: "
        + "its limits are per shard, not per owner (see docs/architecture.md, limits)", seen, source, actor);
    }
  }

  private String retention() {
    return Long.toString(options.idempotencyRetentionMs());
  }

  static String requestHash(String text) {
    return RequestHash.of(text);
  }

  private Future<Map<String, String>> hashAt(String key) {
    return runner.send(key, Request.cmd(Command.HGETALL).arg(key)).map(RedisBalanceCache::hash);
  }

  static Map<String, String> hash(Response response) {
    Map<String, String> map = new HashMap<>();
    if (response == null) {
      return map;
    }
    if (response.isMap()) {
      response.getKeys().forEach(key -> map.put(key, response.get(key).toString()));
    } else {
      for (int i = 0; i + 1 < response.size(); i += 2) {
        map.put(response.get(i).toString(), response.get(i + 1).toString());
      }
    }
    return map;
  }
}
