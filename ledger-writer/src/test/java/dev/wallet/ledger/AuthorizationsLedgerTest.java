package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Authorize;
import dev.wallet.balancecache.command.Capture;
import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.CaptureView;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Authorizations in the ledger: every step (hold, capture on one shard or through the saga,
 * release by void, by a capture and by expiry) is a balanced posting the writer books, and
 * reconciliation finds Redis and the ledger agreeing.
 */
@ExtendWith(VertxExtension.class)
class AuthorizationsLedgerTest {

  private LedgerFixture ledger;
  private BalanceCache cache;
  private MoneyCore core;
  private Reconciliation reconciliation;
  private Pool app;
  private LedgerReader reader;

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    cache = ledger.moneyCore();
    core = new MoneyCore(cache);
    ledger.startWriter();
    reconciliation = Reconciliation.create(vertx, new ReconciliationOptions(LedgerFixture.appDatabase(),
      "test-reconciler-" + System.nanoTime(), 60_000), cache);
    app = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.appDatabase())).using(vertx).build();
    reader = LedgerReader.create(app);
  }

  @AfterEach
  void stop() {
    Await.result(MoneyHalts.create(app).releaseAll("test-cleanup", "released after " + getClass().getSimpleName()));
    Await.result(reconciliation.stop());
    Await.result(app.close());
    ledger.close();
  }

  @Test
  @DisplayName("hold, capture (same shard and across shards), release by a capture, a void and an expiry: balanced "
    + "postings in the ledger, and reconciliation agrees with Redis")
  void everyStepIsABalancedPosting() {
    String alice = owner();
    WalletId payer = core.funded(alice, 10_000);
    WalletId near = core.openMerchant(owner(), Optional.of(payer));
    WalletId far = core.openMerchantElsewhere(owner(), payer);

    HoldId partly = authorize(alice, payer, near, 3_000, 600_000);
    Outcome<CaptureView> local = Await.result(cache.capture(new Capture(partly, 1_000, 25, false, "*",
      MoneyCore.key(alice))));
    HoldId keptOpen = authorize(alice, payer, far, 2_000, 600_000);
    Outcome<CaptureView> crossing = Await.result(cache.capture(new Capture(keptOpen, 500, 13, true, "*",
      MoneyCore.key(alice))));
    Outcome<AuthorizationView> voided = Await.result(cache.voidAuthorization(keptOpen, MoneyCore.key(alice)));
    HoldId expiring = authorize(alice, payer, near, 1_000, 1);
    Eventually.await("the expired authorization released", Duration.ofSeconds(10), () ->
      Await.result(cache.releaseExpiredAuthorizations()) >= 0
        && Await.result(cache.authorization(expiring)).orElseThrow().status() == AuthorizationView.Status.RELEASED);
    String crossingPayment = crossing.value().payment().id().value();
    Eventually.await("the cross-shard capture completed", Duration.ofSeconds(10), () ->
      Await.result(cache.sweepPendingTransfers()) >= 0
        && Await.result(cache.payment(crossing.value().payment().id())).orElseThrow().status().wire().equals("completed"));
    ledger.awaitDrained(Duration.ofSeconds(30));

    assertThat(local.code()).isEqualTo(OutcomeCode.OK);
    assertThat(crossing.code()).isIn(OutcomeCode.OK, OutcomeCode.PENDING);
    assertThat(voided.value().capturedMinor()).isEqualTo(500);
    assertThat(core.available(payer)).isEqualTo(10_000 - 1_000 - 500);
    assertThat(core.wallet(payer).held()).isZero();
    assertThat(core.available(near)).isEqualTo(975);
    assertThat(core.available(far)).isEqualTo(487);
    assertPosting(partly.value() + ".hold", "hold");
    assertPosting(local.value().payment().id().value(), "capture");
    assertPosting(partly.value() + ".released", "hold_released");
    assertPosting(crossingPayment + ".debit", "payment_debit");
    assertPosting(crossingPayment + ".credit", "payment_credit");
    assertThat(Await.result(reader.posting(crossingPayment + ".completed")).orElseThrow().type())
      .as("the saga's finish, an event without lines").isEqualTo("payment_completed");
    assertPosting(keptOpen.value() + ".released", "hold_released");
    assertPosting(expiring.value() + ".released", "hold_released");

    ReconciliationReport report = Await.result(reconciliation.runOnce(), 120);
    Set<String> ours = Set.of(payer.value(), near.value(), far.value());
    assertThat(report.discrepancies().stream().filter(d -> ours.contains(d.subject())).toList()).isEmpty();
    assertThat(report.ledgerTotals()).allSatisfy((currency, total) -> assertThat(total).as(currency).isZero());
  }

  private HoldId authorize(String owner, WalletId payer, WalletId merchant, long amount, long lifetimeMs) {
    Outcome<AuthorizationView> placed = Await.result(cache.authorize(new Authorize(payer, merchant,
      new Money(amount, USD), owner, "order", lifetimeMs, MoneyCore.key(owner), List.of())));
    assertThat(placed.code()).isEqualTo(OutcomeCode.OK);
    return placed.value().id();
  }

  private void assertPosting(String id, String type) {
    LedgerPosting posting = Await.result(reader.posting(id)).orElseThrow(() -> new AssertionError("no posting " + id));
    assertThat(posting.type()).as(id).isEqualTo(type);
    assertThat(posting.lines()).as(id).isNotEmpty();
    assertThat(posting.lines().stream().mapToLong(PostingLine::amount).sum()).as("lines of " + id).isZero();
  }
}
