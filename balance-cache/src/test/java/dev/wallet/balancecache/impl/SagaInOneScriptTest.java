package dev.wallet.balancecache.impl;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import dev.wallet.balancecache.testing.RedisNodes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * A movement between two shards that one master serves runs the saga's three steps in one script
 * (saga_local.lua); between masters, and whenever that master turns out not to serve the
 * destination, the steps run one by one. Both leave the same postings.
 */
class SagaInOneScriptTest extends MoneyCoreTest {

  @Test
  @DisplayName("a transfer between two shards of one master is one script on it, and leaves the saga's postings")
  void oneScriptOnOneMaster() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = openOnAnotherShard(from, sameMaster(from));
    int master = masterOf(from);

    long scriptsBefore = scriptCalls(master);
    Outcome<TransferView> outcome = Await.result(core.transfer(from, to, 120, alice));
    long scripts = scriptCalls(master) - scriptsBefore;

    assertThat(outcome.code()).isEqualTo(OutcomeCode.OK);
    assertThat(outcome.value().status()).isEqualTo(TransferStatus.COMPLETED);
    assertThat(scripts).as("scripts run on the master of both shards").isEqualTo(1);
    assertThat(core.available(from)).isEqualTo(380);
    assertThat(core.available(to)).isEqualTo(120);
    assertThat(Await.result(cache.pendingMovements(from.shard()))).doesNotContain(outcome.value().id().value());
    assertThat(postingsOf(outcome.value(), from, to)).containsExactly("transfer_debit on the source",
      "transfer_credit on the destination", "transfer_completed on the source");
  }

  /**
   * The destination shard's clock is set a second ahead, as a master whose clock ran ahead leaves it
   * (ShardClockTest): its entries must not be stamped before the ones it already has, nor the
   * destination's clock be left behind the entries this script gave it.
   */
  @Test
  @DisplayName("a saga in one script stamps its postings no earlier than either shard's clock, and leaves both clocks at "
    + "its time")
  void oneScriptKeepsBothShardsClocks() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = openOnAnotherShard(from, sameMaster(from));
    long ahead = Instant.now().plusSeconds(1).toEpochMilli();
    assertThat(RedisNodes.cli(masterOf(to), "SET", clockOf(to), Long.toString(ahead)).trim()).isEqualTo("OK");

    Outcome<TransferView> outcome = Await.result(core.transfer(from, to, 120, alice));

    assertThat(outcome.code()).isEqualTo(OutcomeCode.OK);
    long stamped = outcome.value().createdAt().toEpochMilli();
    assertThat(stamped).as("no earlier than the destination's clock").isGreaterThanOrEqualTo(ahead);
    assertThat(clock(from)).as("the source's clock").isGreaterThanOrEqualTo(stamped);
    assertThat(clock(to)).as("the destination's clock").isGreaterThanOrEqualTo(stamped);
    Eventually.await("this machine's clock to catch up with the shards'", Duration.ofSeconds(30),
      () -> clock(to) < Instant.now().toEpochMilli() && clock(from) < Instant.now().toEpochMilli());
  }

  private static String clockOf(WalletId wallet) {
    return wallet.shard().tag() + ":clock";
  }

  private static long clock(WalletId wallet) {
    return Long.parseLong(RedisNodes.cli(masterOf(wallet), "GET", clockOf(wallet)).trim());
  }

  @Test
  @DisplayName("a movement debited between two shards of one master (a capture's, or one the sweeper finds) is driven "
    + "in one script: credit and finish, with the saga's postings")
  void debitedMovementDrivenInOneScript() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = openOnAnotherShard(from, sameMaster(from));
    TransferId id = MoneyCore.pendingAfterDebit(cache, from, to, 120, alice);
    int master = masterOf(from);

    long scriptsBefore = scriptCalls(master);
    ScriptReply driven = Await.result(cache.saga().drive(PendingMovement.of(recordOf(from, id))));
    long scripts = scriptCalls(master) - scriptsBefore;

    assertThat(driven.kind()).isEqualTo(ScriptReply.Kind.NEW);
    assertThat(driven.outcome().getString("status")).isEqualTo("completed");
    assertThat(scripts).as("scripts run on the master of both shards").isEqualTo(1);
    assertThat(core.available(from)).isEqualTo(380);
    assertThat(core.available(to)).isEqualTo(120);
    assertThat(Await.result(cache.pendingMovements(from.shard()))).doesNotContain(id.value());
    TransferView transfer = Await.result(cache.transfer(id)).orElseThrow();
    assertThat(transfer.status()).isEqualTo(TransferStatus.COMPLETED);
    assertThat(postingsOf(transfer, from, to)).containsExactly("transfer_debit on the source",
      "transfer_credit on the destination", "transfer_completed on the source");
    assertThat(Await.result(cache.saga().drive(PendingMovement.of(recordOf(from, id)))).kind())
      .as("driven again: the finish replays").isEqualTo(ScriptReply.Kind.REPLAY);
  }

  @Test
  @DisplayName("between two masters the steps run one by one, with the same postings")
  void stepByStepBetweenMasters() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = openOnAnotherShard(from, sameMaster(from).negate());

    long scriptsBefore = scriptCalls(masterOf(from));
    Outcome<TransferView> outcome = Await.result(core.transfer(from, to, 120, alice));

    assertThat(outcome.value().status()).isEqualTo(TransferStatus.COMPLETED);
    assertThat(scriptCalls(masterOf(from)) - scriptsBefore).as("debit and finish on the source's master").isEqualTo(2);
    assertThat(postingsOf(outcome.value(), from, to)).containsExactly("transfer_debit on the source",
      "transfer_credit on the destination", "transfer_completed on the source");
  }

  @Test
  @DisplayName("a destination that refuses in the one script reverses the debit in it: the source has its money back")
  void reversedInOneScript() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = openOnAnotherShard(from, sameMaster(from));
    Await.result(cache.setStatus(to, WalletStatus.FROZEN, "test"));

    Outcome<TransferView> outcome = Await.result(core.transfer(from, to, 120, alice));

    assertThat(outcome.code()).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    assertThat(outcome.value().status()).isEqualTo(TransferStatus.REVERSED);
    assertThat(core.available(from)).isEqualTo(500);
    assertThat(core.wallet(to).available()).isZero();
    assertThat(postingsOf(outcome.value(), from, to)).containsExactly("transfer_debit on the source",
      "transfer_reversed on the source");
    assertThat(Await.result(core.transfer(from, to, 120, alice)).code()).as("a new request, refused again")
      .isEqualTo(OutcomeCode.WALLET_INACTIVE);
  }

  @Test
  @DisplayName("a master that does not serve the destination after all writes nothing, and the steps run one by one")
  void elsewhereWritesNothing() {
    String alice = owner();
    WalletId from = core.funded(alice, 500);
    WalletId to = openOnAnotherShard(from, sameMaster(from).negate());
    Transfer transfer = new Transfer(from, to, new Money(120, USD), alice, key(alice));
    Movement movement = Movement.of(transfer, TransferId.random(from.shard()).value());

    long scriptsBefore = scriptCalls(masterOf(from));
    ScriptReply reply = Await.result(cache.saga().inOneScript(movement));

    assertThat(reply.kind()).isEqualTo(ScriptReply.Kind.NEW);
    assertThat(reply.outcome().getString("status")).isEqualTo("completed");
    assertThat(scriptCalls(masterOf(from)) - scriptsBefore)
      .as("saga_local, which found the destination elsewhere, then the debit and the finish").isEqualTo(3);
    assertThat(core.available(from)).isEqualTo(380);
    assertThat(core.available(to)).isEqualTo(120);
    assertThat(core.wallet(to).seq()).isEqualTo(1);
  }

  @Test
  @DisplayName("concurrent transfers both ways between two shards of one master: every cent kept, none negative, none pending")
  void concurrentBothWays() {
    WalletId first = core.funded(owner(), 1_000);
    ShardId other = anotherShard(first, sameMaster(first));
    List<String> owners = new ArrayList<>();
    List<WalletId> wallets = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      owners.add(owner());
      wallets.add(core.openNear(owners.get(i), WalletId.random(i % 2 == 0 ? first.shard() : other)));
      core.fund(wallets.get(i), 1_000);
    }

    Random random = new Random(7);
    List<Future<Outcome<TransferView>>> transfers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      int a = random.nextInt(wallets.size());
      int b = (a + 1 + random.nextInt(wallets.size() - 1)) % wallets.size();
      transfers.add(core.transfer(wallets.get(a), wallets.get(b), 1 + random.nextInt(400), owners.get(a)));
    }
    Await.result(Future.join(new ArrayList<>(transfers)));

    assertThat(transfers).allSatisfy(t -> assertThat(t.result().code()).isIn(OutcomeCode.OK,
      OutcomeCode.INSUFFICIENT_FUNDS));
    assertThat(transfers.stream().filter(t -> t.result().code() == OutcomeCode.OK).count()).isGreaterThanOrEqualTo(20);
    assertThat(wallets).allSatisfy(w -> assertThat(core.available(w)).isNotNegative());
    assertThat(wallets.stream().mapToLong(core::available).sum()).isEqualTo(4_000);
    // its own movements: an earlier test of this JVM may have left one of its own pending on either shard
    List<String> made = transfers.stream().filter(t -> t.result().code() == OutcomeCode.OK)
      .map(t -> t.result().value().id().value()).toList();
    assertThat(Await.result(cache.pendingMovements(first.shard()))).doesNotContainAnyElementsOf(made);
    assertThat(Await.result(cache.pendingMovements(other))).doesNotContainAnyElementsOf(made);
  }

  private Predicate<ShardId> sameMaster(WalletId wallet) {
    int master = masterOf(wallet);
    return shard -> RedisNodes.masterOfSlot(HashSlot.of(Keys.wallet(WalletId.random(shard)))) == master;
  }

  /** A wallet of a new owner on the first shard other than {@code wallet}'s that {@code wanted} accepts. */
  private WalletId openOnAnotherShard(WalletId wallet, Predicate<ShardId> wanted) {
    return core.openNear(owner(), WalletId.random(anotherShard(wallet, wanted)));
  }

  private ShardId anotherShard(WalletId wallet, Predicate<ShardId> wanted) {
    return cache.shards().all().stream().filter(s -> !s.equals(wallet.shard())).filter(wanted).findFirst()
      .orElseThrow();
  }

  private static int masterOf(WalletId wallet) {
    return RedisNodes.masterOfSlot(HashSlot.of(Keys.wallet(wallet)));
  }

  /** A movement's record on its source shard, as the sweeper reads it. */
  private static Map<String, String> recordOf(WalletId source, TransferId id) {
    List<String> fields = RedisNodes.cli(masterOf(source), "HGETALL", Keys.movement(source.shard(), id.value()))
      .lines().toList();
    Map<String, String> record = new HashMap<>();
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      record.put(fields.get(i), fields.get(i + 1));
    }
    return record;
  }

  /** EVAL and EVALSHA calls a node has run. */
  private static long scriptCalls(int port) {
    return RedisNodes.cli(port, "INFO", "commandstats").lines()
      .filter(line -> line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:"))
      .mapToLong(line -> Long.parseLong(line.substring(line.indexOf("calls=") + 6, line.indexOf(','))))
      .sum();
  }

  /** The movement's postings in both outboxes, in stream order within each: type and side. */
  private static List<String> postingsOf(TransferView transfer, WalletId from, WalletId to) {
    List<String> postings = new ArrayList<>(postingsIn(transfer, from, "source"));
    postings.addAll(postingsIn(transfer, to, "destination"));
    return postings.stream().sorted((x, y) -> Integer.compare(order(x), order(y))).toList();
  }

  private static List<String> postingsIn(TransferView transfer, WalletId wallet, String side) {
    String outbox = Keys.outbox(wallet.shard());
    String entries = RedisNodes.cli(masterOf(wallet), "XREVRANGE", outbox, "+", "-", "COUNT", "20");
    List<String> found = new ArrayList<>(Arrays.stream(entries.split("\n")).filter(line -> line.startsWith("{"))
      .map(JsonObject::new).filter(p -> p.getString("id", "").startsWith(transfer.id().value() + "."))
      .map(p -> p.getString("type") + " on the " + side).toList());
    java.util.Collections.reverse(found);
    return found;
  }

  private static int order(String posting) {
    return posting.contains("_debit") ? 0 : posting.contains("_credit") ? 1 : 2;
  }
}
