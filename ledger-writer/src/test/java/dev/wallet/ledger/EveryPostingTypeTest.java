package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.BalanceCacheOptions;
import dev.wallet.balancecache.command.Authorize;
import dev.wallet.balancecache.command.Capture;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentId;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The scripts and the vocabulary agree, from a real run: every path of every script that writes a
 * posting is taken on the cluster, the writer records what the scripts wrote, and the types the
 * ledger then holds for these wallets are exactly {@link PostingType}'s. A script that writes a name
 * outside the enum stalls the writer (the entry does not parse), so the drain below times out; a
 * name in the enum that no script writes any more is missing from the set.
 */
@ExtendWith(VertxExtension.class)
class EveryPostingTypeTest {

  private LedgerFixture ledger;
  private BalanceCache cache;
  private MoneyCore core;
  private final List<WalletId> wallets = new ArrayList<>();

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    cache = ledger.moneyCore();
    core = new MoneyCore(cache);
    ledger.startWriter();
  }

  @AfterEach
  void stop() {
    ledger.close();
  }

  @Test
  @DisplayName("every posting type is written by some script, and the scripts write no other")
  void scriptsWriteExactlyTheVocabulary(Vertx vertx) {
    OffsetDateTime begun = OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1);
    String alice = MoneyCore.owner();
    WalletId payer = wallet(core.funded(alice, 100_000));
    String shop = MoneyCore.owner();
    WalletId near = wallet(core.openMerchant(shop, Optional.of(payer)));
    WalletId far = wallet(core.openMerchantElsewhere(shop, payer));

    sameShardMovements(alice, payer, near, shop);
    crossShardMovements(alice, payer, far, shop);
    holds(alice, payer, near);
    sweeps(vertx);
    ok(cache.credit(new Credit(payer, new Money(10, USD), SystemAccount.clearing("sandbox", USD),
      PostingType.WITHDRAWAL_RETURN, "w-" + UUID.randomUUID() + ".return", key(alice))));
    Set<String> vocabulary = new TreeSet<>(Arrays.stream(PostingType.values()).map(PostingType::wire).toList());
    Eventually.await("every saga of these wallets finished", Duration.ofSeconds(30), () ->
      Await.result(cache.sweepPendingTransfers()) >= 0 && wallets.stream().map(WalletId::shard).distinct()
        .allMatch(shard -> Await.result(cache.pendingMovements(shard)).isEmpty()));
    ledger.awaitDrained(Duration.ofSeconds(30));

    assertThat(typesRecordedFor(begun)).containsExactlyElementsOf(vocabulary);
  }

  /** transfer, payment and refund in one script each. */
  private void sameShardMovements(String alice, WalletId payer, WalletId near, String shop) {
    WalletId friend = wallet(core.openNear(MoneyCore.owner(), payer));
    ok(cache.transfer(new Transfer(payer, friend, new Money(100, USD), alice, key(alice), List.of())));
    PaymentId paid = ok(cache.pay(payment(payer, near, alice))).id();
    ok(cache.refund(new Refund(paid, new Money(100, USD), shop, key(shop))));
  }

  /** Each kind's saga completed (debit, credit, completed) and reversed (to a frozen wallet). */
  private void crossShardMovements(String alice, WalletId payer, WalletId far, String shop) {
    WalletId elsewhere = wallet(core.openElsewhere(MoneyCore.owner(), payer));
    moved(cache.transfer(new Transfer(payer, elsewhere, new Money(100, USD), alice, key(alice), List.of())));
    PaymentId paid = moved(cache.pay(payment(payer, far, alice))).id();
    moved(cache.refund(new Refund(paid, new Money(100, USD), shop, key(shop))));

    String bob = MoneyCore.owner();
    WalletId leaving = wallet(core.funded(bob, 10_000));
    WalletId farShop = wallet(core.openMerchantElsewhere(shop, leaving));
    PaymentId refusedLater = moved(cache.pay(payment(leaving, farShop, bob))).id();
    freeze(leaving);
    refused(cache.refund(new Refund(refusedLater, new Money(100, USD), shop, key(shop))));
    freeze(elsewhere);
    refused(cache.transfer(new Transfer(payer, elsewhere, new Money(100, USD), alice, key(alice), List.of())));
    freeze(far);
    refused(cache.pay(payment(payer, far, alice)));
  }

  /**
   * A hot merchant's stripe swept into its wallet (debit, credit, completed), and swept while the
   * merchant wallet alone was frozen (through a money core that does not stripe it, so the stripe
   * keeps its status): the credit is refused and the sweep reversed.
   */
  private void sweeps(Vertx vertx) {
    String hotShop = MoneyCore.owner();
    BalanceCache striped = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions()
      .withStriping(new BalanceCacheOptions.Striping(Set.of(hotShop), 0)));
    Await.result(striped.start());
    try {
      String carol = MoneyCore.owner();
      WalletId buyer = wallet(core.funded(carol, 10_000));
      WalletId hot = wallet(core.openMerchantElsewhere(hotShop, buyer));
      wallets.add(WalletId.derived(buyer.shard(), "stripe|" + hot.value()));
      ok(striped.pay(payment(buyer, hot, carol)));
      assertThat(Await.result(striped.sweepStripes(hot))).isEqualTo(990);
      ok(striped.pay(payment(buyer, hot, carol)));
      // the moment between a merchant's freeze and its copy to the stripes, held open: its wallet alone is
      // frozen (a freeze through the money core reaches the stripes, whose sweeps are then refused at once)
      String hotKey = hot.shard().tag() + ":w:" + hot.value();
      ledger.redis().hset(hotKey, "status", "frozen");
      try {
        assertThat(Await.result(striped.sweepStripes(hot))).as("refused by the frozen wallet, reversed").isZero();
      } finally {
        ledger.redis().hset(hotKey, "status", "active");
      }
    } finally {
      Await.result(striped.close());
    }
  }

  /** A hold settled, a hold released, an authorization captured in part (the rest released). */
  private void holds(String alice, WalletId payer, WalletId near) {
    HoldId settled = ok(cache.placeHold(hold(payer, alice))).id();
    ok(cache.settleHold(settled, SystemAccount.clearing("sandbox", USD)));
    HoldId released = ok(cache.placeHold(hold(payer, alice))).id();
    ok(cache.releaseHold(released));
    HoldId authorized = ok(cache.authorize(new Authorize(payer, near, new Money(300, USD), alice, "order", 600_000,
      key(alice), List.of()))).id();
    ok(cache.capture(new Capture(authorized, 100, 3, false, "*", key(alice))));
  }

  private Set<String> typesRecordedFor(OffsetDateTime begun) {
    String[] ids = wallets.stream().map(WalletId::value).toArray(String[]::new);
    Set<String> types = new TreeSet<>();
    Await.result(ledger.pool().preparedQuery("""
      WITH ours AS (
        SELECT p.id, p.reference FROM postings p
          JOIN entries e ON e.posting_id = p.id AND e.created_at = p.created_at
         WHERE p.created_at >= $1 AND e.account_id = ANY($2))
      SELECT DISTINCT p.type FROM postings p
       WHERE p.created_at >= $1
         AND (p.id IN (SELECT id FROM ours) OR p.reference IN (SELECT reference FROM ours)
              OR split_part(p.id, '.', 1) = ANY($2))""").execute(Tuple.tuple().addValue(begun).addArrayOfString(ids)))
      .forEach(row -> types.add(row.getString(0)));
    return types;
  }

  private Payment payment(WalletId payer, WalletId merchant, String actor) {
    return new Payment(payer, merchant, new Money(1_000, USD), 10, actor, "order", key(actor), List.of());
  }

  private PlaceHold hold(WalletId wallet, String actor) {
    return new PlaceHold(wallet, new Money(200, USD), actor, "w-" + UUID.randomUUID(), key(actor), List.of());
  }

  private WalletId wallet(WalletId id) {
    wallets.add(id);
    return id;
  }

  private void freeze(WalletId wallet) {
    assertThat(Await.result(cache.setStatus(wallet, WalletStatus.FROZEN, "vocabulary test")).code())
      .isEqualTo(OutcomeCode.OK);
  }

  private static <T> T ok(io.vertx.core.Future<Outcome<T>> call) {
    Outcome<T> outcome = Await.result(call);
    assertThat(outcome.code()).isEqualTo(OutcomeCode.OK);
    return outcome.value();
  }

  /** A cross-shard movement the request drove to its end. */
  private static <T> T moved(io.vertx.core.Future<Outcome<T>> call) {
    Outcome<T> outcome = Await.result(call);
    assertThat(outcome.code()).as("finished by the request, or left to the sweeper")
      .isIn(OutcomeCode.OK, OutcomeCode.PENDING);
    return outcome.value();
  }

  /** A cross-shard movement the destination refused, reversed to its source (or left to the sweeper to reverse). */
  private static void refused(io.vertx.core.Future<? extends Outcome<?>> call) {
    assertThat(Await.result(call).code()).isIn(OutcomeCode.WALLET_INACTIVE, OutcomeCode.PENDING);
  }
}
