package dev.wallet.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Payment;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.PaymentView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.limits.model.Decision;
import dev.wallet.limits.model.Movement;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.PublishOutcome;
import dev.wallet.limits.testing.LimitsTestSupport;
import dev.wallet.limits.testing.LimitsTestSupport.Member;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The checks this module decides, enforced by the real money core on the paths the edge does not
 * serve yet (merchant payments, withdrawal holds): the windows are counted in the debiting script.
 */
@ExtendWith(VertxExtension.class)
class MoneyCoreLimitsTest {

  private BalanceCache cache;
  private MoneyCore core;
  private Member member;

  @BeforeEach
  void start(Vertx vertx) {
    cache = BalanceCache.create(vertx, TestEnvironment.balanceCacheOptions());
    Await.result(cache.start());
    core = new MoneyCore(cache);
    member = Member.withRules(vertx, LimitsTestSupport.newClusterName(), TestRules.rules("full", 5_000, 8_000, 100));
  }

  @AfterEach
  void stop() {
    member.close();
    Await.result(cache.close());
  }

  @Test
  @DisplayName("payments to a merchant whose override lowers the daily window count against the override's window "
    + "as well as the tier's: its own cap refuses what the tier would still let through")
  void merchantPayments() {
    String payer = "payer-" + UUID.randomUUID();
    WalletId from = core.funded(payer, 100_000);
    WalletId overridden = core.openMerchant("override-merchant", Optional.of(from));
    WalletId other = core.openMerchant("merchant-" + UUID.randomUUID(), Optional.of(from));

    Outcome<PaymentView> first = pay(payer, from, overridden, "override-merchant", 4_000);
    Outcome<PaymentView> second = pay(payer, from, overridden, "override-merchant", 4_000);
    Outcome<PaymentView> elsewhere = pay(payer, from, other, "any", 3_000);

    assertThat(first.code()).isEqualTo(OutcomeCode.OK);
    assertThat(second.code()).isEqualTo(OutcomeCode.LIMIT_EXCEEDED);
    assertThat(second.detail()).isEqualTo("daily merchant_payment limit of tier full (the merchant's override): "
      + "7000 USD");
    assertThat(elsewhere.code()).as(elsewhere.detail()).isEqualTo(OutcomeCode.OK);
    assertThat(core.available(from)).isEqualTo(100_000 - 4_000 - 3_000);
  }

  @Test
  @DisplayName("an override at or below the tier's daily window is a cap on top of the tier's: a payer who spent the "
    + "tier's day at another merchant pays the override's merchant nothing more")
  void aRestrictiveOverrideAddsNoRoom() {
    publish(TestRules.rules("full", 5_000, 8_000, 100_000, 100));
    String payer = "payer-" + UUID.randomUUID();
    WalletId from = core.funded(payer, 100_000);
    WalletId overridden = core.openMerchant("override-merchant", Optional.of(from));
    WalletId other = core.openMerchant("merchant-" + UUID.randomUUID(), Optional.of(from));

    Outcome<PaymentView> first = pay(payer, from, other, "any", 5_000);
    Outcome<PaymentView> second = pay(payer, from, other, "any", 3_000);
    Outcome<PaymentView> toOverride = pay(payer, from, overridden, "override-merchant", 1_000);

    assertThat(first.code()).as(first.detail()).isEqualTo(OutcomeCode.OK);
    assertThat(second.code()).as(second.detail()).isEqualTo(OutcomeCode.OK);
    assertThat(toOverride.code()).as("the tier's 8000 spent").isEqualTo(OutcomeCode.LIMIT_EXCEEDED);
    assertThat(toOverride.detail()).isEqualTo("daily merchant_payment limit of tier full: 8000 USD");
    assertThat(core.available(from)).isEqualTo(100_000 - 8_000);
  }

  @Test
  @DisplayName("an override above the tier's daily window is a trusted merchant's room of its own, counted apart: "
    + "paying it neither uses the tier's day nor is bounded by it")
  void aRaisingOverrideCountsApart(Vertx vertx) {
    // rules whose override is room from their first version: lowering the tier of the rules in force
    // below it would turn a restriction into room, which a version may not do unless it changes the
    // override too (RulesClusterTest.aRestrictionDoesNotTurnIntoRoom)
    member.close();
    member = Member.withRules(vertx, LimitsTestSupport.newClusterName(), TestRules.rules("full", 5_000, 6_000, 100_000,
      100));
    String payer = "payer-" + UUID.randomUUID();
    WalletId from = core.funded(payer, 100_000);
    WalletId overridden = core.openMerchant("override-merchant", Optional.of(from));
    WalletId other = core.openMerchant("merchant-" + UUID.randomUUID(), Optional.of(from));

    List<Outcome<PaymentView>> passed = List.of(pay(payer, from, other, "any", 5_000),
      pay(payer, from, overridden, "override-merchant", 5_000), pay(payer, from, overridden, "override-merchant", 2_000),
      pay(payer, from, other, "any", 1_000));
    Outcome<PaymentView> pastOverride = pay(payer, from, overridden, "override-merchant", 1);

    assertThat(passed).allSatisfy(paid -> assertThat(paid.code()).as(paid.detail()).isEqualTo(OutcomeCode.OK));
    assertThat(pastOverride.code()).isEqualTo(OutcomeCode.LIMIT_EXCEEDED);
    assertThat(pastOverride.detail()).isEqualTo("daily merchant_payment limit of tier full (the merchant's override): "
      + "7000 USD");
    assertThat(core.available(from)).isEqualTo(100_000 - 13_000);
  }

  @Test
  @DisplayName("withdrawal holds count against the withdrawal window; a tier without withdrawals never gets checks")
  void withdrawals() {
    String owner = "owner-" + UUID.randomUUID();
    WalletId wallet = fundedVip(owner);

    Outcome<HoldView> first = hold(owner, wallet, 5_000);
    Outcome<HoldView> second = hold(owner, wallet, 5_000);
    Await.result(member.limits().setProfile(owner, "full", Optional.empty(), "test", "api"));
    Decision full = Await.result(member.limits().check(Movement.of(owner, Operation.WITHDRAWAL,
      Money.of(1, "USD"), Instant.now())));

    assertThat(first.code()).isEqualTo(OutcomeCode.OK);
    assertThat(second.code()).isEqualTo(OutcomeCode.LIMIT_EXCEEDED);
    assertThat(second.detail()).isEqualTo("daily withdrawal limit of tier vip: 8000 USD");
    assertThat(full).isEqualTo(new Decision.Refused(Decision.Refusal.KYC_REQUIRED,
      "withdrawal is not allowed for KYC tier full", 1));
    assertThat(core.wallet(wallet).held()).isEqualTo(5_000);
  }

  /**
   * Decided at the last millisecond of yesterday (UTC), counted now: the edge's clock, or a database
   * round trip between deciding and debiting, puts the count after the window's end.
   */
  @Test
  @DisplayName("withdrawals decided in a day's last millisecond and counted after it do not both pass that day's limit")
  void decidedAsTheWindowEnds() {
    String owner = "owner-" + UUID.randomUUID();
    WalletId wallet = fundedVip(owner);
    Instant lastMillisecond = LocalDate.now(ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant().minusMillis(1);

    Outcome<HoldView> first = hold(owner, wallet, 5_000, lastMillisecond);
    Instant firstCounted = Instant.now();
    Eventually.await("a few milliseconds past the first count", Duration.ofSeconds(1),
      () -> Instant.now().isAfter(firstCounted.plusMillis(5)));
    Outcome<HoldView> second = hold(owner, wallet, 5_000, lastMillisecond);

    assertThat(first.code()).isEqualTo(OutcomeCode.OK);
    assertThat(second.code()).as("the day's counter still there").isEqualTo(OutcomeCode.LIMIT_EXCEEDED);
    assertThat(second.detail()).isEqualTo("daily withdrawal limit of tier vip: 8000 USD");
    assertThat(core.wallet(wallet).held()).isEqualTo(5_000);
  }

  private void publish(String yaml) {
    assertThat(Await.result(member.limits().publish(yaml, "test", "api")))
      .isInstanceOf(PublishOutcome.Published.class);
  }

  /** A wallet of 100,000 of {@code owner}, whose tier is vip (withdrawals up to 8,000 a day). */
  private WalletId fundedVip(String owner) {
    WalletId wallet = core.funded(owner, 100_000);
    Await.result(member.limits().setProfile(owner, "vip", Optional.empty(), "test", "api"));
    return wallet;
  }

  private Outcome<PaymentView> pay(String payer, WalletId from, WalletId merchant, String merchantOwner, long minor) {
    Money amount = Money.of(minor, "USD");
    List<LimitCheck> checks = allowed(new Movement(payer, Operation.MERCHANT_PAYMENT, amount,
      Optional.of(merchantOwner), Instant.now()));
    return Await.result(cache.pay(new Payment(from, merchant, amount, 0, payer, "order-" + UUID.randomUUID(),
      MoneyCore.key(payer), checks)));
  }

  private Outcome<HoldView> hold(String owner, WalletId wallet, long minor) {
    return hold(owner, wallet, minor, Instant.now());
  }

  private Outcome<HoldView> hold(String owner, WalletId wallet, long minor, Instant decidedAt) {
    Money amount = Money.of(minor, "USD");
    List<LimitCheck> checks = allowed(Movement.of(owner, Operation.WITHDRAWAL, amount, decidedAt));
    return Await.result(cache.placeHold(new PlaceHold(wallet, amount, owner, "w-" + UUID.randomUUID(),
      MoneyCore.key(owner), checks)));
  }

  private List<LimitCheck> allowed(Movement movement) {
    Decision decision = Await.result(member.limits().check(movement));
    assertThat(decision).isInstanceOf(Decision.Allowed.class);
    return ((Decision.Allowed) decision).checks();
  }
}
