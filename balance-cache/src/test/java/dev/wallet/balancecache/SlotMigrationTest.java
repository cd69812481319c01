package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.model.Credited;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.LedgerOutbox;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.RedisNodes;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A shard's hash slot moved between masters as Redis reshards it: the source answers {@code ASK}
 * for keys already moved, and the money core follows to the importing master, which takes a
 * script only when every key the script names is there already (else TRYAGAIN).
 */
@ExtendWith(VertxExtension.class)
class SlotMigrationTest {

  private static final long AMOUNT = 250;

  private BalanceCache cache;
  private MoneyCore core;

  @BeforeEach
  void start(Vertx vertx) {
    RedisNodes.awaitHealthy(Duration.ofSeconds(90));
    cache = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    core = new MoneyCore(cache);
  }

  @AfterEach
  void stop() {
    Await.result(cache.close());
  }

  @Test
  @DisplayName("on a slot half-way to another master, a replayed deposit follows it there (ASK) once that master, set"
    + " to fsync once a second, fsyncs every write; a new deposit is refused until the move is done, then made")
  void depositsOnAMovingSlot() {
    WalletId wallet = core.open(owner());
    Credit first = deposit(wallet);
    Credit second = deposit(wallet);
    String posted = Await.result(cache.credit(first)).value().postingId();
    SlotMove move = SlotMove.of(wallet);
    RedisNodes.setFsync(move.target(), "everysec"); // as a replica promoted since infra-up.sh ran
    try {
      move.start();

      Outcome<Credited> replayed = Await.result(cache.credit(first)); // every key it names is on the target now
      assertThat(replayed.code()).isEqualTo(OutcomeCode.OK);
      assertThat(replayed.replayed()).isTrue();
      assertThat(replayed.value().postingId()).isEqualTo(posted);
      assertThat(RedisNodes.fsyncOf(move.target())).as("the importing master, before it took the replay").isEqualTo("always");
      // a script naming a key that is on neither node yet is refused by Redis (TRYAGAIN) until the move ends
      assertThatThrownBy(() -> Await.result(cache.credit(second))).isInstanceOf(BalanceCacheUnavailableException.class);

      move.finish();
      assertThat(Await.result(cache.credit(second)).code()).isEqualTo(OutcomeCode.OK);
      assertThat(core.available(wallet)).as("read from the slot's new master").isEqualTo(2 * AMOUNT);
    } finally {
      RedisNodes.setFsync(move.target(), "always");
      move.back();
    }
  }

  /**
   * A resharding tool moves a slot's keys in batches in no particular order, so a script can run on
   * the importing master while the shard's own keys (its clock, its account index) are still on the
   * source. A script that wrote them there undeclared created them on the importing master, and the
   * move of the source's copies then failed (BUSYKEY), leaving the slot half-moved.
   */
  @Test
  @DisplayName("while a shard's clock and account index have not moved yet, no script creates them on the importing"
    + " master: the rest of the slot moves after it, and the replay is answered once it has")
  void theShardsOwnKeysMoveLast() {
    WalletId wallet = core.open(owner());
    Credit first = deposit(wallet);
    String posted = Await.result(cache.credit(first)).value().postingId();
    SlotMove move = SlotMove.of(wallet);
    List<String> shardsOwn = List.of(wallet.shard().tag() + ":clock", wallet.shard().tag() + ":accounts");
    try {
      setSlot(move.target(), move.slot(), "importing", move.source());
      setSlot(move.source(), move.slot(), "migrating", move.target());
      migrate(move.source(), move.target(), keysIn(move.source(), move.slot()).stream()
        .filter(key -> !shardsOwn.contains(key)).toList());

      Throwable meanwhile = catchThrowable(() -> Await.result(cache.credit(first)));
      assertThat(meanwhile).as("a script naming keys on both nodes waits (TRYAGAIN)")
        .isInstanceOf(BalanceCacheUnavailableException.class);
      assertThat(keysIn(move.target(), move.slot())).as("the importing master's keys").doesNotContainAnyElementsOf(shardsOwn);

      migrate(move.source(), move.target(), keysIn(move.source(), move.slot()));
      move.finish();
      Outcome<Credited> replayed = Await.result(cache.credit(first));
      assertThat(replayed.replayed()).isTrue();
      assertThat(replayed.value().postingId()).isEqualTo(posted);
      assertThat(core.available(wallet)).isEqualTo(AMOUNT);
    } finally {
      move.back();
    }
  }

  /**
   * The writer reads the outboxes of a master's shards in one pipeline a turn; Redis answers ASK for
   * the moving shard's stream, whose key has moved.
   */
  @Test
  @DisplayName("while a shard's slot moves to another master, another shard of the same master, read in the same turn,"
    + " is read; the moving one alone fails")
  void anotherShardOfTheMasterIsReadMeanwhile(Vertx vertx) {
    WalletId moving = core.funded(owner(), AMOUNT);
    SlotMove move = SlotMove.of(moving);
    WalletId staying = fundedOnAnotherShardOf(move.source(), moving);
    try {
      move.start();

      List<Future<LedgerOutbox.Read>> reads = inOneTurn(vertx, List.of(cache.ledgerOutbox(moving.shard()),
        cache.ledgerOutbox(staying.shard())));

      assertThatThrownBy(() -> Await.result(reads.get(0))).hasMessageContaining("ASK");
      assertThat(Await.result(reads.get(1)).entries()).as("the staying shard's deposit").isNotEmpty();
    } finally {
      move.back();
    }
  }

  private WalletId fundedOnAnotherShardOf(int master, WalletId other) {
    for (int attempt = 0; attempt < 100; attempt++) {
      WalletId wallet = core.funded(owner(), AMOUNT);
      if (!wallet.shard().equals(other.shard()) && RedisNodes.masterOf(wallet.shard()) == master) {
        return wallet;
      }
    }
    throw new IllegalStateException("no other shard on the master on " + master + " in 100 owners");
  }

  /** Each outbox's first entries, all asked on one event loop in one turn. */
  private static List<Future<LedgerOutbox.Read>> inOneTurn(Vertx vertx, List<LedgerOutbox> outboxes) {
    Promise<List<Future<LedgerOutbox.Read>>> asked = Promise.promise();
    vertx.getOrCreateContext().runOnContext(turn -> asked.complete(outboxes.stream()
      .map(outbox -> outbox.after(LedgerOutbox.START, 10)).toList()));
    return Await.result(asked.future());
  }

  /** A wallet's slot, the master that serves it, and another master to move it to. */
  private record SlotMove(int slot, int source, int target) {

    static SlotMove of(WalletId wallet) {
      int slot = RedisNodes.slotOf(wallet.shard().tag());
      int source = RedisNodes.masterOfSlot(slot);
      return new SlotMove(slot, source, RedisNodes.masters().stream().filter(port -> port != source).findFirst()
        .orElseThrow());
    }

    void start() {
      startMoving(slot, source, target);
    }

    void finish() {
      finishMoving(slot, source, target);
    }

    void back() {
      moveBack(slot, source, target);
    }
  }

  /** The slot on {@code source} again, however far its move to {@code target} went. */
  private static void moveBack(int slot, int source, int target) {
    if (RedisNodes.masterOfSlot(slot) == source && !keysIn(target, slot).isEmpty()) {
      finishMoving(slot, source, target);
    }
    if (RedisNodes.masterOfSlot(slot) != source) {
      int now = RedisNodes.masterOfSlot(slot);
      startMoving(slot, now, source);
      finishMoving(slot, now, source);
    }
  }

  private static Credit deposit(WalletId wallet) {
    return new Credit(wallet, new Money(AMOUNT, USD), SystemAccount.clearing("sandbox", USD), PostingType.DEPOSIT,
      "d-" + UUID.randomUUID(), MoneyCore.key("slot-migration"));
  }

  /** The slot importing on {@code target}, migrating from {@code source}, with every key of it moved. */
  private static void startMoving(int slot, int source, int target) {
    setSlot(target, slot, "importing", source);
    setSlot(source, slot, "migrating", target);
    for (List<String> keys = keysIn(source, slot); !keys.isEmpty(); keys = keysIn(source, slot)) {
      migrate(source, target, keys);
    }
  }

  private static void migrate(int source, int target, List<String> keys) {
    List<String> migrate = new java.util.ArrayList<>(List.of("migrate", TestEnvironment.redisHost(),
      Integer.toString(target), "", "0", "10000", "keys"));
    migrate.addAll(keys);
    assertThat(RedisNodes.cli(source, migrate.toArray(String[]::new)).trim()).isEqualTo("OK");
  }

  /** The slot assigned to {@code target}, told to both nodes, and seen so by the cluster. */
  private static void finishMoving(int slot, int source, int target) {
    for (int node : List.of(target, source)) {
      setSlot(node, slot, "node", target);
    }
    Eventually.await("every node to see slot " + slot + " on " + target, Duration.ofSeconds(10),
      () -> RedisNodes.masterOfSlot(slot) == target);
  }

  /** CLUSTER SETSLOT on {@code node}: the slot {@code state} (importing, migrating, node) with {@code other}. */
  private static void setSlot(int node, int slot, String state, int other) {
    assertThat(RedisNodes.cli(node, "cluster", "setslot", Integer.toString(slot), state, RedisNodes.idOf(other)).trim())
      .isEqualTo("OK");
  }

  private static List<String> keysIn(int node, int slot) {
    return RedisNodes.cli(node, "cluster", "getkeysinslot", Integer.toString(slot), "500").lines()
      .map(String::trim).filter(key -> !key.isEmpty()).toList();
  }
}
