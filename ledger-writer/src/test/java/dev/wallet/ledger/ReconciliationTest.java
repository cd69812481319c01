package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static dev.wallet.ledger.testing.LedgerCorruption.asSuperuser;
import static dev.wallet.ledger.testing.LedgerCorruption.corrupt;
import static dev.wallet.ledger.testing.LedgerCorruption.uncorrupt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.impl.RedisBalanceCache;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxRecord.OutboxEntry;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import dev.wallet.ledger.impl.LedgerStore;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ReconciliationTest {

  private LedgerFixture ledger;
  private BalanceCache cache;
  private MoneyCore core;
  private Reconciliation reconciliation;
  private Pool app;
  private LedgerWriter writer;
  private Vertx vertx;
  private final List<Reconciliation> others = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    ledger = new LedgerFixture(vertx);
    cache = ledger.moneyCore();
    core = new MoneyCore(cache);
    writer = ledger.startWriter();
    reconciliation = Reconciliation.create(vertx, new ReconciliationOptions(LedgerFixture.appDatabase(),
      "test-reconciler-" + System.nanoTime(), 60_000), cache);
    app = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.appDatabase())).using(vertx).build();
  }

  @AfterEach
  void stop() {
    // a finding about anything but a wallet halts every money movement in this shared database
    Await.result(MoneyHalts.create(app).releaseAll("test-cleanup", "released after " + getClass().getSimpleName()));
    Await.result(reconciliation.stop());
    others.forEach(other -> Await.result(other.stop()));
    Await.result(app.close());
    ledger.close();
  }

  @Test
  @DisplayName("under steady load the ledger lags Redis by design, and reconciliation compares at the same sequence without a false alarm")
  void noFalseAlarmOnLag() {
    TransferLoad load = new TransferLoad(cache, 16, 100_000);
    Set<String> ours = Set.copyOf(load.wallets().stream().map(WalletId::value).toList());
    load.start(6, System.nanoTime());
    long compared = 0;
    try {
      for (int run = 0; run < 3; run++) {
        ReconciliationReport report = Await.result(reconciliation.runOnce(), 120);
        assertThat(about(report, ours)).as("discrepancies about the wallets under load").isEmpty();
        compared += report.walletsCompared();
      }
    } finally {
      load.stop();
    }
    load.settle();
    ledger.awaitDrained(Duration.ofSeconds(60));
    ReconciliationReport settled = Await.result(reconciliation.runOnce(), 120);

    assertThat(compared).as("wallets compared during the load").isPositive();
    assertThat(about(settled, ours)).isEmpty();
    assertThat(settled.ledgerTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
    for (WalletId wallet : load.wallets()) {
      assertThat(core.wallet(wallet).status()).as("status of " + wallet).isEqualTo(WalletStatus.ACTIVE);
    }
    assertThat(Await.result(LedgerReader.create(app).lastReconciliation())).hasValueSatisfying(published ->
      assertThat(published.finishedAt()).isEqualTo(settled.finishedAt()));
  }

  @Test
  @DisplayName("a Redis balance changed behind the system's back is found at the same sequence, the evidence published, and that wallet frozen")
  void injectedDivergenceFreezesTheWallet() {
    String alice = owner();
    WalletId victim = core.funded(alice, 1_000);
    WalletId bystander = core.openNear(owner(), victim);
    Await.result(core.transfer(victim, bystander, 100, alice));
    ledger.awaitDrained(Duration.ofSeconds(30));

    String victimKey = victim.shard().tag() + ":w:" + victim.value();
    ledger.redis().hincrby(victimKey, "avail", 500);
    ReconciliationReport report;
    try {
      report = Await.result(reconciliation.runOnce(), 120);
    } finally {
      ledger.redis().hincrby(victimKey, "avail", -500);  // the other suites sum every account of the hot tier
    }

    assertThat(about(report, Set.of(victim.value()))).singleElement().satisfies(found -> {
      assertThat(found.kind()).isEqualTo(Kind.WALLET_BALANCE);
      assertThat(found.evidence()).contains("available=1400").contains("available=900").contains("seq 2");
    });
    assertThat(report.ok()).isFalse();
    assertThat(report.frozenWallets()).contains(victim.value()).doesNotContain(bystander.value());
    assertThat(core.wallet(victim).status()).isEqualTo(WalletStatus.FROZEN);
    assertThat(core.wallet(bystander).status()).isEqualTo(WalletStatus.ACTIVE);
    // why it was frozen stays with the freeze, after the next run's report replaced this one's
    Eventually.await("the freeze in the ledger with its finding", Duration.ofSeconds(30), () -> ledger.count(
      "SELECT count(*) FROM account_events WHERE account_id = $1 AND status = 'frozen' AND reason LIKE $2",
      victim.value(), "reconciliation found WALLET_BALANCE: %available=1400%") == 1);
    assertThat(Await.result(LedgerReader.create(app).lastReconciliation())).hasValueSatisfying(published ->
      assertThat(about(published, Set.of(victim.value()))).isNotEmpty());
    assertThat(reconciliation.progress().found()).as("counted for the alerts, past the next run")
      .containsEntry(Kind.WALLET_BALANCE, count(List.of(report), Kind.WALLET_BALANCE));
  }

  private static long count(List<ReconciliationReport> reports, Kind kind) {
    return reports.stream().flatMap(report -> report.discrepancies().stream()).filter(found -> found.kind() == kind)
      .count();
  }

  /**
   * The victim is never still at a run: its Redis sequence is ahead of the ledger's both times. Its balance
   * is changed behind the system's back while the first run reads it, which finds it behind and keeps what
   * it read; the ledger then reaches that sequence but not the next (that outbox entry is held back), and
   * the second run compares the kept reading. Until 2026-12-06 such an account was never compared.
   */
  @Test
  @DisplayName("an account ahead of the ledger at every run is compared at a sequence an earlier run read, once the "
    + "ledger has it, and a balance changed behind the system's back is found")
  void anAccountNeverStillIsCompared() {
    NeverStill victim = new NeverStill();
    try {
      victim.readBehindByAFirstRun();
      victim.ledgerReachesThatReadingOnly();

      ReconciliationReport second = Await.result(reconciliation.runOnce(), 120);

      assertThat(about(second, Set.of(victim.wallet.value()))).singleElement().satisfies(found -> {
        assertThat(found.kind()).isEqualTo(Kind.WALLET_BALANCE);
        assertThat(found.evidence()).contains("at seq 2").contains("available=1400").contains("available=900");
      });
      assertThat(core.wallet(victim.wallet).status()).isEqualTo(WalletStatus.FROZEN);
    } finally {
      victim.restore();
    }
  }

  /**
   * The same, with the victim's master replaced by its replica in between (a manual failover, which
   * gives the shard's master a new lineage). Had the reading shown a write the failover lost, the
   * ledger's posting at its sequence would be another, and comparing them would freeze a wallet for
   * nothing: a reading is compared only while its master's lineage lasts.
   */
  @Test
  @DisplayName("a reading kept from an earlier run is not compared once its shard's master has failed over")
  void aKeptReadingEndsWithItsMastersLineage() {
    NeverStill victim = new NeverStill();
    try {
      victim.readBehindByAFirstRun();
      int master = RedisNodes.masterOf(victim.wallet.shard());
      int replica = RedisNodes.replicasOf(master).get(0);
      RedisNodes.cli(replica, "CLUSTER", "FAILOVER");
      Eventually.await("the replica to take the victim's shard over", Duration.ofSeconds(30),
        () -> RedisNodes.masterOf(victim.wallet.shard()) == replica);
      victim.ledgerReachesThatReadingOnly();

      ReconciliationReport second = Await.result(reconciliation.runOnce(), 120);

      assertThat(about(second, Set.of(victim.wallet.value()))).isEmpty();
      assertThat(core.wallet(victim.wallet).status()).isEqualTo(WalletStatus.ACTIVE);
    } finally {
      victim.restore();
    }
  }

  /** A wallet that is ahead of the ledger at every run (the writer stopped, then an outbox entry held back). */
  private final class NeverStill {
    final String alice = owner();
    final WalletId wallet = core.funded(alice, 1_000);
    final WalletId payee = core.openNear(owner(), wallet);
    final String key = wallet.shard().tag() + ":w:" + wallet.value();
    final String stream = dev.wallet.balancecache.outbox.OutboxStreams.key(wallet.shard());
    boolean changed;
    boolean writerStopped;
    io.lettuce.core.StreamMessage<String, String> held;

    /**
     * Its second posting in Redis only, its balance raised by 500 behind the system's back, and a run
     * then; the change is undone after the run, before any posting could carry it into the ledger.
     */
    void readBehindByAFirstRun() {
      ledger.awaitDrained(Duration.ofSeconds(30));
      Await.result(writer.stop());
      writerStopped = true;
      Await.result(core.transfer(wallet, payee, 100, alice));
      ledger.redis().hincrby(key, "avail", 500);
      changed = true;
      ReconciliationReport first = Await.result(reconciliation.runOnce(), 120);
      ledger.redis().hincrby(key, "avail", -500);
      changed = false;
      assertThat(about(first, Set.of(wallet.value()))).as("behind at the first run").isEmpty();
    }

    /** A third posting, whose outbox entry is held back, and the writer again: the ledger stops at the second. */
    void ledgerReachesThatReadingOnly() {
      Await.result(core.transfer(wallet, payee, 50, alice));
      held = ledger.redis().xrevrange(stream, io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(1))
        .get(0);
      ledger.redis().xdel(stream, held.getId());
      writer = ledger.startWriter();
      writerStopped = false;
      Eventually.await("the ledger to reach the wallet's second posting", Duration.ofSeconds(30),
        () -> ledgerSeq(wallet) == 2);
    }

    /** As it was, for the other suites, which sum every account of the hot tier and compare the tiers. */
    void restore() {
      if (changed) {
        ledger.redis().hincrby(key, "avail", -500);
      }
      if (held != null) {
        ledger.redis().xadd(stream, held.getBody());
      }
      if (writerStopped) {
        writer = ledger.startWriter();
      }
      ledger.awaitDrained(Duration.ofSeconds(30));
    }
  }

  private long ledgerSeq(WalletId wallet) {
    return Await.result(app.preparedQuery("SELECT coalesce(max(seq), 0) AS seq FROM entries WHERE account_id = $1")
      .execute(Tuple.of(wallet.value()))).iterator().next().getLong("seq");
  }

  @Test
  @DisplayName("a wallet the ledger holds and Redis has lost altogether is found as Redis behind the ledger, not left out")
  void aWalletRedisLostIsFound() {
    String alice = owner();
    WalletId lost = core.funded(alice, 1_000);
    ledger.awaitDrained(Duration.ofSeconds(30));

    String lostKey = lost.shard().tag() + ":w:" + lost.value();
    byte[] saved = ledger.redis().dump(lostKey);
    ledger.redis().del(lostKey);
    ReconciliationReport report;
    try {
      report = Await.result(reconciliation.runOnce(), 120);
    } finally {
      ledger.redis().restore(lostKey, 0, saved);  // the other suites sum every account of the hot tier
    }

    assertThat(about(report, Set.of(lost.value()))).singleElement().satisfies(found -> {
      assertThat(found.kind()).isEqualTo(Kind.WALLET_AHEAD_OF_REDIS);
      assertThat(found.evidence()).contains("the ledger has seq 1").contains("Redis is at seq null");
    });
    assertThat(report.ok()).isFalse();
    assertThat(report.frozenWallets()).as("a wallet the hot tier lost cannot be frozen").doesNotContain(lost.value());
  }

  @Test
  @DisplayName("continuous runs each cover a slice of the shards plus every wallet that moved since the last run, and every wallet within a cycle")
  void continuousRunsCoverMovedWalletsAtOnceAndTheRestWithinACycle() {
    // both on the last slice of shards, which the first runs of a cycle do not cover
    String alice = owner();
    while (ShardId.homeOf(alice, cache.shardCount()).number() < 55) {
      alice = owner();
    }
    WalletId mover = core.funded(alice, 1_000);
    WalletId bystander = core.openElsewhere(owner(), mover);
    WalletId still = core.openNear(owner(), mover);
    core.fund(still, 1_000);
    ledger.awaitDrained(Duration.ofSeconds(30));
    Instant started = reconciliation.progress().lastCompleteCycle();
    ReconciliationReport first = Await.result(reconciliation.runNext(), 120);
    assertThat(first.scope()).isEqualTo("shards s0000-s0010 and the wallets that moved");
    assertThat(first.globalChecks()).isFalse();

    Await.result(core.transfer(mover, bystander, 100, alice));
    ledger.awaitDrained(Duration.ofSeconds(30));
    String moverKey = mover.shard().tag() + ":w:" + mover.value();
    String stillKey = still.shard().tag() + ":w:" + still.value();
    ledger.redis().hincrby(moverKey, "avail", 3);
    ledger.redis().hincrby(stillKey, "avail", 7);
    try {
      ReconciliationReport second = Await.result(reconciliation.runNext(), 120);
      assertThat(second.scope()).startsWith("shards s0011-");
      assertThat(reconciliation.progress().lastCompleteCycle()).as("mid-cycle: the reconciler's start")
        .isEqualTo(started).isBefore(first.finishedAt());
      assertThat(about(second, Set.of(mover.value()))).as("the wallet that moved").isNotEmpty();
      assertThat(about(second, Set.of(still.value()))).as("a wallet that did not move, outside the slice").isEmpty();
      List<ReconciliationReport> cycle = new ArrayList<>();
      for (int run = 3; run <= 6; run++) {  // 64 shards, 11 a run: the sixth run covers s0055-s0063
        cycle.add(Await.result(reconciliation.runNext(), 120));
      }
      assertThat(cycle).as("the rest of the cycle").anySatisfy(report ->
        assertThat(about(report, Set.of(still.value()))).isNotEmpty());
      assertThat(cycle.get(cycle.size() - 1).globalChecks()).as("the run that completes the cycle").isTrue();
      assertThat(reconciliation.progress().lastCompleteCycle()).as("once the cycle's last run ended")
        .isEqualTo(cycle.get(cycle.size() - 1).finishedAt());
      List<ReconciliationReport> all = new ArrayList<>(List.of(first, second));
      all.addAll(cycle);
      assertThat(reconciliation.progress().found().get(Kind.WALLET_BALANCE)).as("every run's findings, counted")
        .isGreaterThanOrEqualTo(count(all, Kind.WALLET_BALANCE)).isGreaterThanOrEqualTo(2);
    } finally {
      ledger.redis().hincrby(moverKey, "avail", -3);  // the other suites sum every account of the hot tier
      ledger.redis().hincrby(stillKey, "avail", -7);
    }
    assertThat(core.wallet(mover).status()).isEqualTo(WalletStatus.FROZEN);
    assertThat(core.wallet(still).status()).isEqualTo(WalletStatus.FROZEN);
    assertThat(core.wallet(bystander).status()).isEqualTo(WalletStatus.ACTIVE);
  }

  @Test
  @DisplayName("a run that cannot reach the ledger says so: not ok, with the reason, instead of the last clean run")
  void aFailedRunIsReportedAsFailed(Vertx vertx) {
    Await.result(reconciliation.runOnce(), 120);
    Reconciliation blind = Reconciliation.create(vertx, new ReconciliationOptions(
      LedgerFixture.appDatabase().as(TestEnvironment.pgUser(), "wrong-password"), "test-blind-" + System.nanoTime(),
      60_000), cache);
    try {
      assertThatThrownBy(() -> Await.result(blind.runOnce(), 60)).isNotNull();
      assertThat(blind.last()).hasValueSatisfying(report -> {
        assertThat(report.ok()).isFalse();
        assertThat(report.failure()).contains("password");
        assertThat(report.walletsCompared()).isZero();
        assertThat(blind.progress().lastCompleteCycle()).as("no cycle completed: the reconciler's start")
          .isBefore(report.finishedAt());
      });
      assertThat(blind.progress().failedRuns()).isEqualTo(1);
    } finally {
      Await.result(blind.stop());
    }
  }

  @Test
  @DisplayName("an in-transit account holding a pending transfer is no alarm; an amount added to one behind the system's back is found")
  void inTransitAccountsHoldThePendingTransfers() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openElsewhere(owner(), from);
    TransferId id = TransferId.random(from.shard());
    Transfer transfer = new Transfer(from, to, new Money(250, MoneyCore.USD), alice, MoneyCore.key(alice));
    assertThat(Await.result(((RedisBalanceCache) cache).saga().debit(transfer, id)).code())
      .isEqualTo(OutcomeCode.PENDING);
    ledger.awaitDrained(Duration.ofSeconds(30));
    ReconciliationReport pending = Await.result(reconciliation.runOnce(), 120);
    assertThat(pending.discrepancies()).as("with the transfer pending").noneMatch(d -> d.kind() == Kind.IN_TRANSIT);
    assertThat(pending.inTransitChecked()).as("nothing under way: the check concludes").isTrue();
    assertThat(reconciliation.progress().inTransitLastConcluded()).as("when the check last concluded")
      .isAfterOrEqualTo(pending.startedAt()).isBeforeOrEqualTo(pending.finishedAt());

    String transit = from.shard().tag() + ":a:transit:USD";
    ledger.redis().hincrby(transit, "avail", 40);
    ReconciliationReport report;
    try {
      report = Await.result(reconciliation.runOnce(), 120);
    } finally {
      ledger.redis().hincrby(transit, "avail", -40);
      Eventually.await("the pending transfer driven to its end", Duration.ofSeconds(30),
        () -> Await.result(cache.sweepPendingTransfers()) >= 0 && !Await.result(cache.pendingMovements(from.shard()))
          .contains(id.value()));
    }
    assertThat(report.discrepancies()).filteredOn(d -> d.kind() == Kind.IN_TRANSIT).singleElement()
      .satisfies(found -> assertThat(found.evidence()).contains("USD=40"));
    assertThat(report.inTransitChecked()).isTrue();
    assertThat(report.ok()).isFalse();
    assertThat(restarted().progress().inTransitLastConcluded()).as("a restarted writer's, before a run of its own "
      + "concludes it: the last run's").isEqualTo(report.finishedAt().truncatedTo(ChronoUnit.MICROS));
  }

  /** Another writer's reconciliation, started (its first run, a sixth of the shards, has no global checks). */
  private Reconciliation restarted() {
    Reconciliation restarted = Reconciliation.create(vertx, new ReconciliationOptions(LedgerFixture.appDatabase(),
      "test-reconciler-restarted-" + System.nanoTime(), 60_000), cache);
    Await.result(restarted.start());
    others.add(restarted);
    return restarted;
  }

  @Test
  @DisplayName("the in-transit reading is the same whichever of a currency's transit accounts the ledger knows yet: a destination's, not in the ledger yet, is read too")
  void inTransitReadsEveryShardsAccount() {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openElsewhere(owner(), from);
    assertThat(Await.result(core.transfer(from, to, 250, alice)).code()).as("debited and credited")
      .isEqualTo(OutcomeCode.OK);
    SystemAccount transit = SystemAccount.transit(MoneyCore.USD);
    List<String> everyShard = IntStream.range(0, cache.shardCount()).mapToObj(n -> transit.id(new ShardId(n)))
      .toList();

    Map<String, Long> sourceOnly = settledImbalance(List.of(transit.id(from.shard())));

    assertThat(sourceOnly).as("known to the ledger: the source's transit account alone")
      .isEqualTo(settledImbalance(everyShard));
  }

  /** The in-transit imbalance of a reading that settled (nothing moved while it read); a few tries. */
  private Map<String, Long> settledImbalance(List<String> known) {
    for (int attempt = 0; attempt < 20; attempt++) {
      HotTierAccess.InTransitReading reading = Await.result(cache.hotTier().inTransitImbalance(known));
      if (reading.settled()) {
        return reading.imbalance();
      }
    }
    throw new AssertionError("no reading of the in-transit accounts settled in 20");
  }

  @Test
  @DisplayName("cross-shard transfers under way while the in-transit accounts are read are no alarm")
  void crossShardTransfersUnderWayAreNoAlarm() {
    List<Future<Void>> senders = new ArrayList<>();
    AtomicBoolean sending = new AtomicBoolean(true);
    Set<String> movements = java.util.concurrent.ConcurrentHashMap.newKeySet();
    for (int i = 0; i < 8; i++) {
      String payer = owner();
      WalletId from = core.funded(payer, 1_000_000);
      WalletId to = core.openElsewhere(owner(), from);
      senders.add(Sequential.repeatWhile(() -> sending.get()
        ? core.transfer(from, to, 1, payer).map(done -> {
          if (done.code() != OutcomeCode.OK) {
            throw new IllegalStateException("transfer " + done.code());
          }
          movements.add(done.value().id().value());
          return true;
        })
        : Future.succeededFuture(false)));
    }
    List<ReconciliationReport> reports = new ArrayList<>();
    try {
      for (int run = 0; run < 3; run++) {
        reports.add(Await.result(reconciliation.runOnce(), 120));
      }
    } finally {
      sending.set(false);
    }
    senders.forEach(sender -> Await.result(sender, 30));
    assertThat(senders).as("every transfer completed while the checks ran").allMatch(Future::succeeded);
    assertThat(reports).flatMap(ReconciliationReport::discrepancies).noneMatch(d -> d.kind() == Kind.IN_TRANSIT);
    assertThat(movements).as("transfers made while the checks ran").isNotEmpty();
    assertThat(reports).flatMap(ReconciliationReport::discrepancies)
      .noneMatch(d -> d.kind() == Kind.MOVEMENT_STEPS && movements.contains(d.subject()));
  }

  @Test
  @DisplayName("a hot merchant's payments on its stripes and its sweeps reconcile while under way, and the ledger holds"
    + " every stripe as the merchant's sub-account")
  void creditStripesReconcile(Vertx vertx) {
    String hotShop = owner();
    BalanceCache striped = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions()
      .withStriping(new dev.wallet.balancecache.BalanceCacheOptions.Striping(Set.of(hotShop), 0)));
    Await.result(striped.start());
    try {
      WalletId merchant = core.openMerchant(hotShop, Optional.empty());
      Set<String> ours = new java.util.HashSet<>(Set.of(merchant.value()));
      Await.result(striped.stripesOf(merchant)).forEach(stripe -> ours.add(stripe.value()));
      Map<WalletId, String> payers = new java.util.HashMap<>();
      for (int i = 0; i < 6; i++) {
        String payer = owner();
        payers.put(core.funded(payer, 10_000_000), payer);
      }
      // the ledger is shared by every suite, and others leave made-up disagreeing movements in it
      ReconciliationReport before = Await.result(reconciliation.runOnce(), 120);
      AtomicBoolean paying = new AtomicBoolean(true);
      List<Future<Void>> payments = payers.entrySet().stream().map(payer -> Sequential.repeatWhile(() -> paying.get()
        ? striped.pay(new dev.wallet.balancecache.command.Payment(payer.getKey(), merchant,
            new Money(100, MoneyCore.USD), 1, payer.getValue(), "order", MoneyCore.key(payer.getValue()), List.of()))
          .map(paid -> {
            if (paid.code() != OutcomeCode.OK) {
              throw new IllegalStateException("payment " + paid.code());
            }
            return true;
          })
        : Future.succeededFuture(false))).toList();
      List<ReconciliationReport> reports = new ArrayList<>();
      long swept = 0;
      try {
        for (int run = 0; run < 2; run++) {
          swept += Await.result(striped.sweepStripes(merchant), 60);
          reports.add(Await.result(reconciliation.runOnce(), 120));
        }
      } finally {
        paying.set(false);
      }
      payments.forEach(payment -> Await.result(payment, 30));
      Await.result(striped.sweepStripes(merchant), 60);
      ledger.awaitDrained(Duration.ofSeconds(60));
      reports.add(Await.result(reconciliation.runOnce(), 120));

      assertThat(payments).allMatch(Future::succeeded);
      assertThat(swept).as("moved by sweeps while payments came in").isPositive();
      assertThat(reports).flatMap(report -> about(report, ours)).isEmpty();
      Set<String> known = new java.util.HashSet<>();
      before.discrepancies().forEach(d -> known.add(d.kind() + " " + d.subject() + " " + d.evidence()));
      assertThat(reports).flatMap(ReconciliationReport::discrepancies)
        .filteredOn(d -> d.kind() == Kind.IN_TRANSIT || d.kind() == Kind.MOVEMENT_STEPS)
        .as("no finding about money in transit but those before the payments and sweeps")
        .allMatch(d -> known.contains(d.kind() + " " + d.subject() + " " + d.evidence()));
      assertThat(core.wallet(merchant).status()).isEqualTo(WalletStatus.ACTIVE);
      long subAccounts = Await.result(app.preparedQuery("SELECT count(*) FROM accounts WHERE parent_id = $1")
        .execute(io.vertx.sqlclient.Tuple.of(merchant.value()))).iterator().next().getLong(0);
      assertThat(subAccounts).as("stripes recorded as the merchant's sub-accounts").isEqualTo(cache.shardCount() - 1);
    } finally {
      Await.result(striped.close());
    }
  }

  @Test
  @DisplayName("a cross-shard movement whose steps disagree in the ledger is found at once; one credited without its debit once it"
    + " has waited past the bound; one whose debit comes late, or a credit from another region, is no alarm")
  void movementStepsAgreeInTheLedger(Vertx vertx) {
    Reconciliation quick = withOneSecondStallBound(vertx, "test-steps-");
    String shard = "steps" + System.nanoTime();
    CraftedSteps steps = new CraftedSteps(shard, new LedgerStore(app, InsertMode.UNNEST));
    steps.write("agreeing", PostingType.TRANSFER_DEBIT, 5);
    steps.write("agreeing", PostingType.TRANSFER_CREDIT, -5);
    steps.finish("agreeing", PostingType.TRANSFER_COMPLETED);
    steps.write("short", PostingType.PAYMENT_DEBIT, 5);
    steps.write("short", PostingType.PAYMENT_CREDIT, -4);
    steps.finish("short", PostingType.PAYMENT_COMPLETED);
    steps.write("both", PostingType.TRANSFER_DEBIT, 5);
    steps.write("both", PostingType.TRANSFER_CREDIT, -5);
    steps.write("both", PostingType.TRANSFER_REVERSED, -5);
    steps.write("orphan", PostingType.REFUND_CREDIT, -5);
    steps.write("late", PostingType.TRANSFER_CREDIT, -7);
    steps.creditFromAnotherRegion("abroad", 6);
    AtomicReference<ReconciliationReport> last = new AtomicReference<>();
    try {
      last.set(Await.result(quick.runOnce(), 120));
      assertThat(stepsOf(last.get(), shard)).as("at once: amounts that disagree, and both ends").containsOnlyKeys(
        shard + "-short", shard + "-both");
      assertThat(stepsOf(last.get(), shard).get(shard + "-short")).contains("debit put 5 USD into transit")
        .contains("credit took 4 USD out");
      assertThat(stepsOf(last.get(), shard).get(shard + "-both")).contains("credited").contains("and reversed");

      steps.write("late", PostingType.TRANSFER_DEBIT, 7);
      steps.finish("late", PostingType.TRANSFER_COMPLETED);
      Eventually.await("the credit without a debit reported past the bound", Duration.ofSeconds(60), () -> {
        last.set(Await.result(quick.runNext(), 120));
        return stepsOf(last.get(), shard).containsKey(shard + "-orphan");
      });
    } finally {
      Await.result(quick.stop());
      steps.zeroTransit();
    }
    assertThat(stepsOf(last.get(), shard).get(shard + "-orphan")).contains("its credit took 5 USD out of transit")
      .contains("its debit has not been in the ledger");
    assertThat(stepsOf(last.get(), shard)).as("a credit from another region has its debit in that region's ledger")
      .doesNotContainKeys(shard + "-agreeing", shard + "-late", shard + "-abroad");
    assertThat(last.get().haltsRaised()).as("money in transit unaccounted for halts every movement")
      .contains("MOVEMENT_STEPS " + shard + "-orphan");
  }

  @Test
  @DisplayName("a movement debited into transit and completed whose credit never reaches the ledger is found once it has"
    + " waited past the bound; one whose credit comes within the bound, or the completion of a debit to another region,"
    + " is no alarm")
  void aCompletionWithoutItsCreditIsFound(Vertx vertx) {
    Reconciliation quick = withOneSecondStallBound(vertx, "test-completed-");
    String shard = "completed" + System.nanoTime();
    CraftedSteps steps = new CraftedSteps(shard, new LedgerStore(app, InsertMode.UNNEST));
    steps.write("lost", PostingType.TRANSFER_DEBIT, 5);
    steps.finish("lost", PostingType.TRANSFER_COMPLETED);
    steps.write("behind", PostingType.PAYMENT_DEBIT, 7);
    steps.finish("behind", PostingType.PAYMENT_COMPLETED);
    steps.debitToAnotherRegion("abroad", 6);
    steps.finish("abroad", PostingType.TRANSFER_COMPLETED);
    AtomicReference<ReconciliationReport> last = new AtomicReference<>();
    try {
      last.set(Await.result(quick.runOnce(), 120));
      assertThat(stepsOf(last.get(), shard)).as("within the bound a credit may be committed after its completion")
        .isEmpty();

      steps.write("behind", PostingType.PAYMENT_CREDIT, -7);
      Eventually.await("the completion without its credit reported past the bound", Duration.ofSeconds(30), () -> {
        last.set(Await.result(quick.runNext(), 120));
        return stepsOf(last.get(), shard).containsKey(shard + "-lost");
      });
    } finally {
      Await.result(quick.stop());
      steps.write("lost", PostingType.TRANSFER_CREDIT, -5);
      steps.zeroTransit();
    }
    assertThat(stepsOf(last.get(), shard)).as("a credit within the bound, and a debit to another region, which has the"
      + " credit in its own ledger").containsOnlyKeys(shard + "-lost");
    assertThat(stepsOf(last.get(), shard).get(shard + "-lost")).contains("debited and completed")
      .contains("its credit not in the ledger for").contains("5 USD");
    assertThat(last.get().haltsRaised()).as("money left in transit for good halts every movement")
      .contains("MOVEMENT_STEPS " + shard + "-lost");
  }

  @Test
  @DisplayName("a debited movement that nothing in the hot tier drives to its end any more is found once it has waited past"
    + " the bound; one still pending is no alarm")
  void aStrandedDebitIsFound(Vertx vertx) {
    Reconciliation quick = withOneSecondStallBound(vertx, "test-stranded-");
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openElsewhere(owner(), from);
    TransferId driven = MoneyCore.pendingAfterDebit((RedisBalanceCache) cache, from, to, 100, alice);
    TransferId stranded = MoneyCore.pendingAfterDebit((RedisBalanceCache) cache, from, to, 200, alice);
    ledger.awaitDrained(Duration.ofSeconds(30));
    String pendingSet = from.shard().tag() + ":pending";
    ledger.redis().zrem(pendingSet, stranded.value());
    AtomicReference<ReconciliationReport> last = new AtomicReference<>();
    try {
      Eventually.await("the stranded movement reported past the bound", Duration.ofSeconds(60), () -> {
        last.set(Await.result(quick.runNext(), 120));
        return movementFindings(last.get()).containsKey(stranded.value());
      });
    } finally {
      Await.result(quick.stop());
      ledger.redis().zadd(pendingSet, System.currentTimeMillis(), stranded.value());
      Eventually.await("both movements driven to their end", Duration.ofSeconds(30),
        () -> Await.result(cache.sweepPendingTransfers()) >= 0 && Await.result(cache.pendingMovements(from.shard()))
          .stream().noneMatch(id -> id.equals(driven.value()) || id.equals(stranded.value())));
    }
    assertThat(movementFindings(last.get()).get(stranded.value())).contains("neither credited nor reversed")
      .contains("nothing will finish it");
    assertThat(movementFindings(last.get())).doesNotContainKey(driven.value());
  }

  @Test
  @DisplayName("a writer restarted while a debited movement waits for its end reads it again and finds it stranded "
    + "(the waits are in memory; the restart reads again from before the last run)")
  void aRestartedReconcilerStillFindsAStrandedDebit(Vertx vertx) {
    String alice = owner();
    WalletId from = core.funded(alice, 1_000);
    WalletId to = core.openElsewhere(owner(), from);
    TransferId stranded = MoneyCore.pendingAfterDebit((RedisBalanceCache) cache, from, to, 300, alice);
    ledger.awaitDrained(Duration.ofSeconds(30));
    String pendingSet = from.shard().tag() + ":pending";
    ledger.redis().zrem(pendingSet, stranded.value());
    Reconciliation before = withOneSecondStallBound(vertx, "test-before-restart-");
    Reconciliation after = withOneSecondStallBound(vertx, "test-after-restart-", 300);
    try {
      Await.result(before.runNext(), 120);
      Await.result(before.stop());

      Await.result(after.start());

      Eventually.await("the restarted reconciler to report the stranded movement", Duration.ofSeconds(60),
        () -> after.last().map(report -> movementFindings(report).containsKey(stranded.value())).orElse(false));
    } finally {
      Await.result(after.stop());
      ledger.redis().zadd(pendingSet, System.currentTimeMillis(), stranded.value());
      Eventually.await("the movement driven to its end", Duration.ofSeconds(30),
        () -> Await.result(cache.sweepPendingTransfers()) >= 0 && !Await.result(cache.pendingMovements(from.shard()))
          .contains(stranded.value()));
    }
    assertThat(movementFindings(after.last().orElseThrow()).get(stranded.value())).contains("nothing will finish it");
  }

  /** A reconciliation of its own whose stall bound is a second, so that waits past it fit in a test. */
  private Reconciliation withOneSecondStallBound(Vertx vertx, String namePrefix) {
    return withOneSecondStallBound(vertx, namePrefix, 60_000);
  }

  private Reconciliation withOneSecondStallBound(Vertx vertx, String namePrefix, long intervalMs) {
    return Reconciliation.create(vertx, new ReconciliationOptions(LedgerFixture.appDatabase(),
      namePrefix + System.nanoTime(), intervalMs, 1_000), cache);
  }

  /** The movement-steps findings of a run: evidence by movement. */
  private static Map<String, String> movementFindings(ReconciliationReport report) {
    Map<String, String> found = new java.util.TreeMap<>();
    report.discrepancies().stream().filter(d -> d.kind() == Kind.MOVEMENT_STEPS)
      .forEach(d -> found.put(d.subject(), d.evidence()));
    return found;
  }

  /**
   * The steps of made-up movements, each posting between a shard's in-transit account and one other
   * account. The ledger is append-only and shared by every suite, so each movement is left finished
   * (a rebuild of the hot tier restores the movements the ledger shows under way).
   */
  private static final class CraftedSteps {

    private final String shard;
    private final LedgerStore store;
    private long seq;
    private long transit;

    CraftedSteps(String shard, LedgerStore store) {
      this.shard = shard;
      this.store = store;
    }

    void write(String movement, PostingType step, long intoTransit) {
      seq++;
      transit += intoTransit;
      post(movement, step, List.of(
        new OutboxEntry("transit:USD:" + shard, "available", intoTransit, "USD", transit, seq),
        new OutboxEntry("other:USD:" + shard, "available", -intoTransit, "USD", -transit, seq)), "-0");
    }

    /**
     * Brings the made-up in-transit account back to zero by a posting of no movement (a deposit), so
     * that the ledger's in-transit total, which the in-transit check compares with the hot tier's
     * pending movements, stays what real movements leave in this shared, append-only ledger.
     */
    void zeroTransit() {
      if (transit != 0) {
        write("zeroed", PostingType.DEPOSIT, -transit);
      }
    }

    /**
     * A credit of a transfer another region debited: drawn on the clearing account for that region
     * (docs/architecture.md, "Regions"), not on transit; accounts of its own, each at its first entry.
     */
    void creditFromAnotherRegion(String movement, long amount) {
      post(movement, PostingType.TRANSFER_CREDIT, firstEntries("region.a", "abroad", amount), "-2");
    }

    /**
     * A debit of a transfer to another region: into the clearing account for that region (docs/architecture.md,
     * "Regions"), not into transit; accounts of its own, each at its first entry.
     */
    void debitToAnotherRegion(String movement, long amount) {
      post(movement, PostingType.TRANSFER_DEBIT, firstEntries("sender", "region.b", amount), "-3");
    }

    void finish(String movement, PostingType step) {
      post(movement, step, List.of(), "-1");
    }

    /** {@code amount} from one account of this shard to another, the first entry of each. */
    private List<OutboxEntry> firstEntries(String from, String to, long amount) {
      return List.of(new OutboxEntry(from + ":USD:" + shard, "available", -amount, "USD", -amount, 1),
        new OutboxEntry(to + ":USD:" + shard, "available", amount, "USD", amount, 1));
    }

    /** The step's posting of {@code movement}, at this shard's stream position {@code seq} and {@code suffix}. */
    private void post(String movement, PostingType step, List<OutboxEntry> entries, String suffix) {
      String id = shard + "-" + movement;
      OutboxRecord record = new OutboxRecord(id + "." + step.wire(), step, shard, Instant.now(), Optional.of(id),
        Optional.empty(), entries, List.of(), Optional.empty(), List.of(), Map.of());
      Await.result(store.write(shard, List.of(new Positioned(seq + suffix, record))));
    }
  }

  /** The movement-steps findings about {@code shard}'s made-up movements: evidence by movement. */
  private static Map<String, String> stepsOf(ReconciliationReport report, String shard) {
    Map<String, String> found = movementFindings(report);
    found.keySet().removeIf(movement -> !movement.startsWith(shard + "-"));
    return found;
  }

  @Test
  @DisplayName("a balance_after that does not follow from its bucket's previous one is found, reading only the new entries and their predecessors")
  void brokenBalanceChainIsFound(Vertx vertx) {
    String shard = "chain" + System.nanoTime();
    LedgerStore store = new LedgerStore(app, InsertMode.UNNEST);
    Await.result(store.write(shard, List.of(twoLines(shard, "p1", 1, -1, 1))));
    Await.result(reconciliation.runNext(), 120);
    // the second posting balances (amounts -1, +1) and keeps the ledger's total at zero, but both
    // balances are off by three: -5 and 5 where -2 and 2 follow
    Await.result(store.write(shard, List.of(twoLines(shard, "p2", 2, -5, 5))));
    ReconciliationReport report = Await.result(reconciliation.runNext(), 120);

    assertThat(report.discrepancies()).filteredOn(d -> d.kind() == Kind.BROKEN_SEQUENCE)
      .extracting(Discrepancy::subject).containsExactlyInAnyOrder("a:USD:" + shard, "b:USD:" + shard);
    // (these accounts are in the ledger only, so each run also finds Redis behind them: not this test's subject)
    assertThat(report.discrepancies()).filteredOn(d -> d.kind() == Kind.BROKEN_SEQUENCE)
      .filteredOn(d -> d.subject().equals("b:USD:" + shard)).singleElement()
      .satisfies(found -> assertThat(found.evidence()).contains("balance_after is 5").contains("give 2"));

    // a third posting that follows correctly from the second is no finding: its predecessors were read
    Await.result(store.write(shard, List.of(twoLines(shard, "p3", 3, -6, 6))));
    assertThat(Await.result(reconciliation.runNext(), 120).discrepancies()).filteredOn(d -> d.kind() == Kind.BROKEN_SEQUENCE)
      .noneMatch(d -> d.subject().endsWith(":USD:" + shard));
  }

  @Test
  @DisplayName("every account whose balance chain broke in one run is found, more than a hundred of them")
  void everyBrokenChainOfARunIsFound() {
    String run = "chains" + System.nanoTime();
    LedgerStore store = new LedgerStore(app, InsertMode.UNNEST);
    List<String> shards = java.util.stream.IntStream.range(0, 55).mapToObj(i -> run + "x" + i).toList();
    for (String shard : shards) {
      Await.result(store.write(shard, List.of(twoLines(shard, "p1", 1, -1, 1))));
    }
    Await.result(reconciliation.runNext(), 120);
    for (String shard : shards) {
      Await.result(store.write(shard, List.of(twoLines(shard, "p2", 2, -5, 5))));
    }

    ReconciliationReport report = Await.result(reconciliation.runNext(), 120);

    assertThat(report.discrepancies()).filteredOn(d -> d.kind() == Kind.BROKEN_SEQUENCE)
      .filteredOn(d -> d.subject().contains(run)).hasSize(2 * shards.size());
  }

  @Test
  @DisplayName("a ledger total off and an unbalanced posting halt all money movement until a person releases it with a reason; a run begun before the release does not raise it again")
  void aFindingAboutNoWalletHaltsEverythingUntilReleased(Vertx vertx) {
    Pool superuser = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.superuserDatabase()))
      .using(vertx).build();
    MoneyHalts halts = MoneyHalts.create(app);
    String posting = "corrupt-" + System.nanoTime();
    try {
      corrupt(superuser, posting);
      ReconciliationReport report = Await.result(reconciliation.runOnce(), 120);

      assertThat(report.discrepancies()).extracting(Discrepancy::describe)
        .contains("LEDGER_TOTAL XTS", "UNBALANCED_POSTING " + posting);
      assertThat(report.discrepancies()).filteredOn(d -> d.subject().equals("XTS")).singleElement()
        .satisfies(found -> assertThat(found.scope()).isEqualTo(ReconciliationReport.Scope.EVERYTHING));
      assertThat(report.haltsRaised()).contains("LEDGER_TOTAL XTS", "UNBALANCED_POSTING " + posting);
      assertThat(Await.result(halts.open())).extracting(h -> h.kind() + " " + h.subject())
        .contains("LEDGER_TOTAL XTS", "UNBALANCED_POSTING " + posting);
      assertThat(Await.result(reconciliation.runOnce(), 120).haltsRaised()).as("a finding already halted")
        .doesNotContain("LEDGER_TOTAL XTS");

      Instant beforeRelease = Instant.now();
      assertThatThrownBy(() -> Await.result(halts.releaseAll("ops-test", " "))).as("a release without a reason")
        .hasMessageContaining("why");
      List<MoneyHalt> released = Await.result(halts.releaseAll("ops-test", "test corruption, removed below"));

      assertThat(released).extracting(h -> h.kind() + " " + h.subject())
        .contains("LEDGER_TOTAL XTS", "UNBALANCED_POSTING " + posting);
      assertThat(Await.result(halts.open())).isEmpty();
      assertThat(ledger.count("SELECT count(*) FROM money_halt_releases r JOIN money_halts h ON h.id = r.halt_id"
        + " WHERE h.subject = $1 AND r.released_by = 'ops-test' AND r.reason = 'test corruption, removed below'",
        posting)).as("the audit row").isOne();
      Discrepancy total = report.discrepancies().stream().filter(d -> d.subject().equals("XTS")).findFirst()
        .orElseThrow();
      assertThat(Await.result(halts.raise(total, "test", beforeRelease))).as("by a run begun before the release")
        .isEmpty();
      assertThat(Await.result(halts.raise(total, "test", Instant.now()))).as("by a run begun after it").isPresent();
    } finally {
      uncorrupt(superuser, posting);
      Await.result(superuser.close());
    }
  }

  /** Until 2026-12-07 the postings past the first 100 of a run were neither named nor counted. */
  @Test
  @DisplayName("more than 100 unbalanced postings in one run: the first 100 are named, and one finding counts the rest")
  void unbalancedPostingsPastTheFirstHundredAreCounted(Vertx vertx) {
    Pool superuser = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.superuserDatabase()))
      .using(vertx).build();
    MoneyHalts halts = MoneyHalts.create(app);
    String batch = "corrupt-many-" + System.nanoTime() + "-";
    List<String> postings = java.util.stream.IntStream.range(0, 103).mapToObj(i -> batch + i).toList();
    try {
      postings.forEach(posting -> corrupt(superuser, posting));

      ReconciliationReport report = Await.result(reconciliation.runOnce(), 120);

      List<Discrepancy> unbalanced = report.discrepancies().stream()
        .filter(d -> d.kind() == Kind.UNBALANCED_POSTING).toList();
      assertThat(unbalanced).filteredOn(d -> d.subject().startsWith(batch)).hasSize(100);
      assertThat(unbalanced).filteredOn(d -> d.subject().startsWith("recorded since ")).singleElement()
        .satisfies(rest -> assertThat(rest.evidence()).startsWith("3 more sums"));
    } finally {
      postings.forEach(posting -> uncorrupt(superuser, posting));
      Await.result(halts.releaseAll("ops-test", "test corruption, removed"));
      Await.result(superuser.close());
    }
  }

  @Test
  @DisplayName("a wallet whose outbox entry was lost stays behind in the ledger; past the age bound that is a discrepancy and the wallet is frozen")
  void aLostOutboxEntryBecomesADiscrepancyAfterTheBound(Vertx vertx) {
    Reconciliation quick = withOneSecondStallBound(vertx, "test-stall-");
    String alice = owner();
    WalletId victim = core.funded(alice, 1_000);
    WalletId payee = core.openNear(owner(), victim);
    ledger.awaitDrained(Duration.ofSeconds(30));
    Await.result(writer.stop());
    Await.result(core.transfer(victim, payee, 100, alice));
    String stream = dev.wallet.balancecache.outbox.OutboxStreams.key(victim.shard());
    io.lettuce.core.StreamMessage<String, String> lost = ledger.redis()
      .xrevrange(stream, io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(1)).get(0);
    ledger.redis().xdel(stream, lost.getId());
    writer = ledger.startWriter();
    AtomicReference<ReconciliationReport> last = new AtomicReference<>();
    try {
      // each wallet's stall is timed from the first run that saw it behind, so one may be reported a run later
      Eventually.await("both stalled wallets to be reported", Duration.ofSeconds(60), () -> {
        last.set(Await.result(quick.runOnce(), 120));
        return about(last.get(), Set.of(victim.value(), payee.value())).size() == 2;
      });
    } finally {
      Await.result(quick.stop());
      ledger.redis().xadd(stream, lost.getBody());  // the ledger catches up, for the suites that compare the tiers
      ledger.awaitDrained(Duration.ofSeconds(30));
    }

    assertThat(about(last.get(), Set.of(victim.value(), payee.value()))).hasSize(2).allSatisfy(found -> {
      assertThat(found.kind()).isEqualTo(Kind.LEDGER_STALLED);
      assertThat(found.scope()).isEqualTo(ReconciliationReport.Scope.WALLET);
      assertThat(found.evidence()).contains("while Redis is at seq");
    });
    assertThat(last.get().frozenWallets()).contains(victim.value(), payee.value());
    assertThat(core.wallet(victim).status()).isEqualTo(WalletStatus.FROZEN);
    assertThat(core.wallet(payee).status()).isEqualTo(WalletStatus.FROZEN);
  }

  /** One unit from account a to account b of {@code shard}, at {@code seq}, with the balances given. */
  private static Positioned twoLines(String shard, String name, long seq, long aAfter, long bAfter) {
    OutboxRecord record = new OutboxRecord(shard + "-" + name, PostingType.TRANSFER, shard, Instant.now(),
      Optional.of(name), Optional.empty(), List.of(new OutboxEntry("a:USD:" + shard, "available", -1, "USD", aAfter, seq),
      new OutboxEntry("b:USD:" + shard, "available", 1, "USD", bAfter, seq)), List.of(), Optional.empty(), List.of(),
      Map.of());
    return new Positioned(seq + "-0", record);
  }

  private static List<Discrepancy> about(ReconciliationReport report, Set<String> wallets) {
    return report.discrepancies().stream().filter(d -> wallets.contains(d.subject())).toList();
  }
}
