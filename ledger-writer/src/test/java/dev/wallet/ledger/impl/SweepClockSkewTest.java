package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.OutboxRecord.OutboxEntry;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.ledger.InsertMode;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.LedgerPlacement;
import dev.wallet.ledger.impl.LedgerStore.Positioned;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hot merchant's balance at an instant when a sweep's credit was stamped before its debit: the
 * merchant wallet's master (shard 1) has a clock 5 ms behind its stripe's (shard 2). A ledger of its
 * own, made up here as the two shards' outboxes would have it.
 */
@ExtendWith(VertxExtension.class)
class SweepClockSkewTest {

  private static final ShardId MERCHANT_SHARD = new ShardId(1);
  private static final ShardId STRIPE_SHARD = new ShardId(2);
  private FreshLedger ledger;

  @BeforeEach
  void createDatabase(Vertx vertx) throws SQLException {
    ledger = FreshLedger.create(vertx, "sweep_skew");
  }

  @AfterEach
  void dropDatabase() throws SQLException {
    ledger.drop();
  }

  /** Until 2026-12-06 the sweep's amount was in both balances then, and counted twice. */
  @Test
  @DisplayName("a sweep credited by a clock behind its debit's is counted once at every instant")
  void aSweepCreditedBeforeItsDebitIsCountedOnce() {
    WalletId merchant = WalletId.random(MERCHANT_SHARD);
    WalletId stripe = WalletId.random(STRIPE_SHARD);
    Instant paid = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(10);
    Instant debited = paid.plusMillis(20);
    Instant credited = debited.minusMillis(5);
    String sweep = "sw" + STRIPE_SHARD.name().substring(1) + "_skewed";
    LedgerStore stripeShard = new LedgerStore(ledger.app, InsertMode.UNNEST, List.of(1, 2));
    Await.result(stripeShard.write(STRIPE_SHARD.name(), List.of(opened("0-0", stripe, paid),
      posting("1-0", "p-" + stripe, PostingType.PAYMENT, STRIPE_SHARD, paid, "p-" + stripe,
        new OutboxEntry(stripe.value(), "available", 1_000, "USD", 1_000, 1),
        new OutboxEntry("clearing:sandbox:USD:" + STRIPE_SHARD.name(), "available", -1_000, "USD", -1_000, 1)),
      posting("2-0", sweep + ".debit", PostingType.SWEEP_DEBIT, STRIPE_SHARD, debited, sweep,
        new OutboxEntry(stripe.value(), "available", -1_000, "USD", 0, 2),
        new OutboxEntry("transit:USD:" + STRIPE_SHARD.name(), "available", 1_000, "USD", 1_000, 1)))));
    Await.result(stripeShard.write(MERCHANT_SHARD.name(), List.of(opened("0-0", merchant, paid),
      posting("1-0", sweep + ".credit", PostingType.SWEEP_CREDIT, MERCHANT_SHARD, credited, sweep,
        new OutboxEntry(merchant.value(), "available", 1_000, "USD", 1_000, 1),
        new OutboxEntry("transit:USD:" + MERCHANT_SHARD.name(), "available", -1_000, "USD", -1_000, 1)))));
    PgLedgerReader reader = new PgLedgerReader(LedgerNodes.over(List.of(ledger.app),
      LedgerPlacement.single(ledger.database)));
    List<WalletId> accounts = List.of(merchant, stripe);

    for (Instant at : List.of(paid, credited, debited.minusMillis(1), debited, debited.plusSeconds(1))) {
      assertThat(Await.result(reader.balanceAtOfAccounts(accounts, at)).available()).as("at " + at).isEqualTo(1_000);
    }
  }

  /** A merchant's wallet opened, as open_wallet.lua records it: a posting named after it, no entries. */
  private static Positioned opened(String position, WalletId wallet, Instant at) {
    return new Positioned(position, new OutboxRecord(wallet.value() + ".opened", PostingType.WALLET_OPENED,
      wallet.shard().name(), at.minusSeconds(1), Optional.empty(), Optional.empty(), List.of(), List.of(),
      Optional.of(new OutboxRecord.AccountEvent(wallet.value(), Optional.of("shop"), Optional.of("USD"),
        Optional.of("merchant"), Optional.of("active"), Optional.empty(), Optional.empty(), Optional.empty())),
      List.of(), Map.of()));
  }

  private static Positioned posting(String position, String id, PostingType type, ShardId shard, Instant at,
                                    String reference, OutboxEntry... entries) {
    return new Positioned(position, new OutboxRecord(id, type, shard.name(), at, Optional.of(reference),
      Optional.empty(), List.of(entries), List.of(), Optional.empty(), List.of(), Map.of()));
  }
}
