package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.AccountState;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgBuilder;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The ledger's reads: history pages and balances at an instant, checked against a replay of the entries. */
@ExtendWith(VertxExtension.class)
class HistoryAndPointInTimeTest {

  private LedgerFixture ledger;
  private BalanceCache cache;
  private MoneyCore core;
  private Pool app;
  private LedgerReader reader;

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    cache = ledger.moneyCore();
    core = new MoneyCore(cache);
    app = PgBuilder.pool().connectingTo(LedgerFixture.connectOptions(LedgerFixture.appDatabase())).using(vertx).build();
    reader = LedgerReader.create(app);
    ledger.startWriter();
  }

  @AfterEach
  void stop() {
    Await.result(app.close());
    ledger.close();
  }

  /**
   * Readings made by hand: one as the ledger holds the wallet (caught up) with its master's clock, one
   * a posting ahead of the ledger.
   */
  @Test
  @DisplayName("an account the ledger has caught up with is unrecorded from its master's clock when read (to the "
    + "millisecond); one the ledger is behind, from its shard's last committed posting; one Redis does not hold, not at all")
  void whereTheLedgerMayStillGetEntries() {
    WalletId wallet = core.funded(owner(), 500);
    long seq = core.wallet(wallet).seq();
    Eventually.await("the ledger to hold the wallet", Duration.ofSeconds(30),
      () -> ledger.ledgerBalance(wallet)[2] == seq);
    Instant masterTime = Instant.parse("2026-12-07T00:00:00.123456Z");
    HotTierAccess.Reading caughtUp = new HotTierAccess.Reading(new AccountState(wallet.value(), 500, 0, seq),
      masterTime, Optional.empty());
    HotTierAccess.Reading ahead = new HotTierAccess.Reading(new AccountState(wallet.value(), 600, 0, seq + 1),
      masterTime, Optional.empty());

    Optional<Instant> fromCaughtUp = Await.result(reader.unrecordedFrom(List.of(wallet), List.of(caughtUp)));
    Optional<Instant> fromAhead = Await.result(reader.unrecordedFrom(List.of(wallet), List.of(ahead)));
    Optional<Instant> fromNotRead = Await.result(reader.unrecordedFrom(List.of(wallet), List.of()));

    assertThat(fromCaughtUp).contains(Instant.parse("2026-12-07T00:00:00.123Z"));
    assertThat(fromAhead).isPresent();
    assertThat(fromAhead.get()).isBefore(Instant.now()).isNotEqualTo(Instant.parse("2026-12-07T00:00:00.123Z"));
    assertThat(fromNotRead).isEmpty();
  }

  @Test
  @DisplayName("paginated history stays stable while entries arrive, and it and the point-in-time balance agree with a replay of the entries")
  void historyAndBalanceAtAgreeWithReplay() {
    String alice = owner();
    WalletId wallet = core.funded(alice, 10_000);
    WalletId near = core.openNear(owner(), wallet);
    WalletId far = core.openElsewhere(owner(), wallet);
    for (int i = 1; i <= 6; i++) {
      assertThat(Await.result(core.transfer(wallet, i % 2 == 0 ? near : far, 100 + i, alice)).code())
        .isIn(OutcomeCode.OK, OutcomeCode.PENDING);
    }
    assertThat(Await.result(cache.placeHold(new PlaceHold(wallet, new Money(700, USD), alice, "withdrawal-1",
      MoneyCore.key(alice)))).code()).isEqualTo(OutcomeCode.OK);
    long seqBeforePaging = core.wallet(wallet).seq();
    Eventually.await("the ledger to hold the wallet's history", Duration.ofSeconds(30),
      () -> ledger.ledgerBalance(wallet)[2] == seqBeforePaging);

    List<LedgerEntry> paged = pagesWhileDepositsArrive(wallet);
    assertThat(paged.stream().map(LedgerEntry::id).distinct()).as("no entry twice").hasSameSizeAs(paged);
    assertThat(paged.stream().filter(e -> e.seq() <= seqBeforePaging).map(LedgerEntry::seq).distinct())
      .as("every sequence up to where paging began, none skipped").hasSize((int) seqBeforePaging);

    ledger.awaitDrained(Duration.ofSeconds(30));
    List<LedgerEntry> history = allPages(wallet);
    Collections.reverse(history);
    assertReplayMatches(wallet, history);
  }

  /**
   * A hot merchant's listing pages by time, a wallet's own by its sequence: when a merchant's credit
   * stripes open (its owner listed) or go (taken off the list before any opened) between two pages,
   * the next page's cursor is of the other listing. Until 2026-12-07 that page was 400.
   */
  @Test
  @DisplayName("a pass of pages goes on the way it began when a merchant's stripes open or go between two pages")
  void aPassGoesOnTheWayItBegan() {
    String alice = owner();
    WalletId wallet = core.funded(alice, 10_000);
    WalletId stripe = core.openNear(owner(), wallet);
    for (int i = 1; i <= 4; i++) {
      assertThat(Await.result(core.transfer(wallet, stripe, 100 + i, alice)).code()).isEqualTo(OutcomeCode.OK);
    }
    long seq = core.wallet(wallet).seq();
    long stripeSeq = core.wallet(stripe).seq();
    Eventually.await("the ledger to hold both accounts' history", Duration.ofSeconds(30),
      () -> ledger.ledgerBalance(wallet)[2] == seq && ledger.ledgerBalance(stripe)[2] == stripeSeq);
    List<LedgerEntry> own = allPages(wallet);

    EntryPage bySeq = Await.result(reader.entries(wallet, 2, Optional.empty()));
    List<LedgerEntry> stripesOpened = new ArrayList<>(bySeq.entries());
    stripesOpened.addAll(Await.result(reader.entriesOfAccounts(List.of(wallet, stripe), List.of(), 100,
      bySeq.nextCursor())).entries());
    EntryPage byTime = Await.result(reader.entriesOfAccounts(List.of(wallet),
      Await.result(cache.hotTier().readings(List.of(wallet.value()))), 2, Optional.empty()));
    List<LedgerEntry> stripesGone = new ArrayList<>(byTime.entries());
    stripesGone.addAll(Await.result(reader.entries(wallet, 100, byTime.nextCursor())).entries());

    assertThat(own).as("more than a page").hasSizeGreaterThan(2);
    assertThat(stripesOpened).as("on by the wallet's sequence, the stripe's entries newer than the first page")
      .isEqualTo(own);
    assertThat(stripesGone).as("on by time").extracting(LedgerEntry::id)
      .containsExactlyInAnyOrderElementsOf(own.stream().map(LedgerEntry::id).toList());
  }

  @Test
  @DisplayName("a transfer is told from its postings, same-shard or cross-shard, and a posting is found by its id")
  void transferAndPostingLookup() {
    String alice = owner();
    WalletId wallet = core.funded(alice, 1_000);
    WalletId near = core.openNear(owner(), wallet);
    WalletId far = core.openElsewhere(owner(), wallet);
    TransferView local = Await.result(core.transfer(wallet, near, 120, alice)).value();
    Outcome<TransferView> crossing = Await.result(core.transfer(wallet, far, 80, alice));
    assertThat(crossing.code()).isEqualTo(OutcomeCode.OK);
    ledger.awaitDrained(Duration.ofSeconds(30));

    LedgerTransfer same = Await.result(reader.transfer(local.id().value())).orElseThrow();
    LedgerTransfer cross = Await.result(reader.transfer(crossing.value().id().value())).orElseThrow();

    assertThat(same).extracting(LedgerTransfer::status, LedgerTransfer::fromWalletId, LedgerTransfer::toWalletId,
      LedgerTransfer::amount).containsExactly("completed", wallet.value(), Optional.of(near.value()), 120L);
    assertThat(cross).extracting(LedgerTransfer::status, LedgerTransfer::fromWalletId, LedgerTransfer::toWalletId,
      LedgerTransfer::amount).containsExactly("completed", wallet.value(), Optional.of(far.value()), 80L);
    assertThat(cross.postings()).extracting(LedgerPosting::type)
      .containsExactlyInAnyOrder("transfer_debit", "transfer_credit", "transfer_completed");
    LedgerPosting debit = Await.result(reader.posting(crossing.value().id().value() + ".debit")).orElseThrow();
    assertThat(debit.lines().stream().mapToLong(PostingLine::amount).sum()).isZero();
    assertThat(debit.counterparty()).contains(far.value());
    assertThat(debit.idempotencyScope()).isPresent();
    assertThat(Await.result(reader.transfer("t0000_000000000000000000000000"))).isEmpty();
  }

  /** Pages of 3 from the newest, while another client keeps depositing into the wallet. */
  private List<LedgerEntry> pagesWhileDepositsArrive(WalletId wallet) {
    AtomicBoolean paging = new AtomicBoolean(true);
    CompletableFuture<Void> deposits = CompletableFuture.runAsync(() -> {
      while (paging.get()) {
        core.fund(wallet, 1);
      }
    });
    try {
      return allPages(wallet);
    } finally {
      paging.set(false);
      deposits.join();
    }
  }

  private List<LedgerEntry> allPages(WalletId wallet) {
    List<LedgerEntry> entries = new ArrayList<>();
    Optional<String> cursor = Optional.empty();
    do {
      EntryPage page = Await.result(reader.entries(wallet, 3, cursor));
      entries.addAll(page.entries());
      cursor = page.nextCursor();
    } while (cursor.isPresent());
    return entries;
  }

  /** Oldest first: each balance_after is the running sum, and balanceAt(t) is the state after the last entry at or before t. */
  private void assertReplayMatches(WalletId wallet, List<LedgerEntry> oldestFirst) {
    long available = 0;
    long held = 0;
    List<long[]> states = new ArrayList<>();
    for (LedgerEntry e : oldestFirst) {
      if (e.bucket().equals("available")) {
        available += e.amount();
        assertThat(e.balanceAfter()).as("available after seq " + e.seq()).isEqualTo(available);
      } else {
        held += e.amount();
        assertThat(e.balanceAfter()).as("held after seq " + e.seq()).isEqualTo(held);
      }
      states.add(new long[] {available, held, e.seq()});
    }
    Instant first = oldestFirst.get(0).createdAt();
    assertThat(Await.result(reader.balanceAt(wallet, first.minusMillis(1))))
      .extracting(PointInTimeBalance::available, PointInTimeBalance::held, PointInTimeBalance::seq)
      .containsExactly(0L, 0L, 0L);
    for (int i = 0; i < oldestFirst.size(); i++) {
      Instant at = oldestFirst.get(i).createdAt();
      int last = i;
      while (last + 1 < oldestFirst.size() && !oldestFirst.get(last + 1).createdAt().isAfter(at)) {
        last++;
      }
      long[] expected = states.get(last);
      assertThat(Await.result(reader.balanceAt(wallet, at)))
        .as("balance at " + at)
        .extracting(PointInTimeBalance::available, PointInTimeBalance::held, PointInTimeBalance::seq)
        .containsExactly(expected[0], expected[1], expected[2]);
    }
    Wallet now = core.wallet(wallet);
    assertThat(Await.result(reader.balanceAt(wallet, Instant.now().plusSeconds(1))))
      .extracting(PointInTimeBalance::available, PointInTimeBalance::held, PointInTimeBalance::seq)
      .containsExactly(now.available(), now.held(), now.seq());
  }

  @Test
  @DisplayName("a hot merchant's balance at an instant counts a sweep that was in transit then, once")
  void merchantBalanceAtCountsSweepsInTransit(Vertx vertx) {
    String hotShop = owner();
    BalanceCache striped = BalanceCache.create(vertx, dev.wallet.balancecache.testing.TestEnvironment
      .balanceCacheOptions().withSweep(0, 0)
      .withStriping(new dev.wallet.balancecache.BalanceCacheOptions.Striping(java.util.Set.of(hotShop), 0)));
    Await.result(striped.start());
    try {
      String alice = owner();
      WalletId payer = core.funded(alice, 100_000);
      WalletId merchant = core.openMerchantOnAnotherMaster(hotShop, payer);
      List<WalletId> accounts = new ArrayList<>(List.of(merchant));
      accounts.addAll(Await.result(striped.stripesOf(merchant)));
      // a sweep's debit and credit are on two masters, each answered after a replica holds it: they
      // fall in different milliseconds but for a rare sweep, which the next round replaces (on one
      // master, saga_local would write both in one script, in one millisecond)
      for (int round = 1; round <= 5; round++) {
        assertThat(Await.result(striped.pay(new dev.wallet.balancecache.command.Payment(payer, merchant,
          new Money(1_000, USD), 0, alice, "order", MoneyCore.key(alice), List.of()))).code()).isEqualTo(OutcomeCode.OK);
        assertThat(Await.result(striped.sweepStripes(merchant))).isEqualTo(1_000);
        ledger.awaitDrained(Duration.ofSeconds(30));
        io.vertx.sqlclient.Row steps = Await.result(app.preparedQuery("""
            SELECT max(created_at) FILTER (WHERE type = 'sweep_debit') AS debited,
                   max(created_at) FILTER (WHERE type = 'sweep_credit') AS credited
              FROM postings WHERE reference = (SELECT reference FROM postings p JOIN entries e
                ON e.posting_id = p.id AND e.created_at = p.created_at
               WHERE e.account_id = $1 AND p.type = 'sweep_credit' ORDER BY p.created_at DESC LIMIT 1)""")
          .execute(io.vertx.sqlclient.Tuple.of(merchant.value()))).iterator().next();
        Instant debited = steps.getOffsetDateTime("debited").toInstant();
        Instant credited = steps.getOffsetDateTime("credited").toInstant();
        if (credited.isAfter(debited)) {
          assertThat(Await.result(reader.balanceAtOfAccounts(accounts, debited)).available())
            .as("in transit between its debit and its credit").isEqualTo(round * 1_000L);
          assertThat(Await.result(reader.balanceAtOfAccounts(accounts, credited)).available())
            .as("credited").isEqualTo(round * 1_000L);
          return;
        }
      }
      throw new AssertionError("five sweeps were each debited and credited within one millisecond");
    } finally {
      Await.result(striped.close());
    }
  }
}
