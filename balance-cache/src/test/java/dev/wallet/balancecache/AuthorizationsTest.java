package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.Authorize;
import dev.wallet.balancecache.command.Capture;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.AuthorizationView;
import dev.wallet.balancecache.model.CaptureView;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Authorizations in the money core: the paths the API tests cannot reach from outside. */
class AuthorizationsTest extends MoneyCoreTest {

  @Test
  @DisplayName("a capture the merchant's shard refuses for good (merchant frozen) is reversed into the payer's "
    + "available balance; nothing stays held and nothing is lost")
  void captureRefusedByTheMerchantIsReversed() {
    String alice = owner();
    WalletId payer = core.funded(alice, 5_000);
    WalletId merchant = core.openMerchantElsewhere(owner(), payer);
    HoldId id = authorize(alice, payer, merchant, 1_000);
    assertThat(Await.result(cache.setStatus(merchant, WalletStatus.FROZEN, "test")).code()).isEqualTo(OutcomeCode.OK);

    Outcome<CaptureView> captured = Await.result(cache.capture(new Capture(id, 400, 10, false, "*",
      MoneyCore.key(alice))));

    assertThat(captured.code()).as("the reversal's reason, or pending when the saga was not reached at once")
      .isIn(OutcomeCode.WALLET_INACTIVE, OutcomeCode.PENDING);
    Await.result(cache.sweepPendingTransfers());
    assertThat(Await.result(cache.payment(captured.value().payment().id())).orElseThrow().status())
      .isEqualTo(TransferStatus.REVERSED);
    assertThat(core.available(payer)).isEqualTo(5_000);
    assertThat(core.wallet(payer).held()).isZero();
    assertThat(core.available(merchant)).isZero();
  }

  /**
   * The caller of a capture of the whole read 1,000 held; another capture of 300 (kept open) came before
   * its script. Until 2026-12-06 it asked for the 1,000 it read, was refused as more than held, and that
   * refusal was replayed under its key for good.
   */
  @Test
  @DisplayName("a capture of the whole captures what is held when it runs, at the merchant's fee rate, after another "
    + "capture took part of what its caller read")
  void aCaptureOfTheWholeTakesWhatIsHeldThen() {
    String alice = owner();
    WalletId payer = core.funded(alice, 5_000);
    WalletId merchant = core.openMerchant(owner(), Optional.of(payer));
    HoldId id = authorize(alice, payer, merchant, 1_000);
    assertThat(Await.result(cache.capture(new Capture(id, 300, 3, true, "*", MoneyCore.key(alice)))).code())
      .isEqualTo(OutcomeCode.OK);

    Outcome<CaptureView> whole = Await.result(cache.capture(new Capture(id, 1_000, 10, false, "*",
      MoneyCore.key(alice), true, 100)));

    assertThat(whole.code()).isEqualTo(OutcomeCode.OK);
    assertThat(whole.value().payment().amount().minor()).isEqualTo(700);
    assertThat(whole.value().payment().feeMinor()).isEqualTo(7);
    assertThat(core.available(merchant)).isEqualTo(300 - 3 + 700 - 7);
    assertThat(core.available(payer)).isEqualTo(4_000);
    assertThat(core.wallet(payer).held()).isZero();
  }

  /**
   * No sweeper runs here: the authorization is past its expiry and still active when the void comes.
   * Until 2026-12-06 that void was answered as a void, where a capture then was refused as expired.
   */
  @Test
  @DisplayName("a void after the expiry, before a sweeper came, releases the authorization as expired")
  void aVoidAfterTheExpiryReleasesItAsExpired() {
    String alice = owner();
    WalletId payer = core.funded(alice, 5_000);
    WalletId merchant = core.openMerchant(owner(), Optional.of(payer));
    Outcome<AuthorizationView> placed = Await.result(cache.authorize(new Authorize(payer, merchant,
      new Money(1_000, USD), alice, "", 50, MoneyCore.key(alice), List.of())));
    HoldId id = placed.value().id();
    // a capture of more than is held moves nothing: refused as such until the expiry, then as expired
    Eventually.await("Redis's clock past the expiry", Duration.ofSeconds(10), () -> Await.result(cache.capture(
      new Capture(id, 1_001, 0, false, "*", MoneyCore.key(alice)))).code() == OutcomeCode.AUTHORIZATION_EXPIRED);

    Outcome<AuthorizationView> voided = Await.result(cache.voidAuthorization(id, MoneyCore.key(alice)));

    assertThat(voided.value().status()).isEqualTo(AuthorizationView.Status.RELEASED);
    assertThat(voided.value().releasedBy()).contains("expiry");
    assertThat(core.available(payer)).isEqualTo(5_000);
    assertThat(core.wallet(payer).held()).isZero();
  }

  /** Until 2026-12-06 a capture's movement named no counters, and its reversal gave nothing back. */
  @Test
  @DisplayName("a capture the merchant refuses gives back to the payer's limits what it captured")
  void aReversedCaptureGivesItsAmountBack() {
    String alice = owner();
    WalletId payer = core.funded(alice, 5_000);
    WalletId merchant = core.openMerchantElsewhere(owner(), payer);
    List<LimitCheck> daily = List.of(new LimitCheck("daily merchant_payment", "merchant_payment:USD:day:"
      + UUID.randomUUID(), 1_000, -1, 60_000));
    HoldId id = authorize(alice, payer, merchant, 1_000, daily);
    assertThat(Await.result(cache.setStatus(merchant, WalletStatus.FROZEN, "test")).code()).isEqualTo(OutcomeCode.OK);
    Outcome<CaptureView> captured = Await.result(cache.capture(new Capture(id, 400, 10, false, "*",
      MoneyCore.key(alice))));
    Await.result(cache.sweepPendingTransfers());
    assertThat(Await.result(cache.payment(captured.value().payment().id())).orElseThrow().status())
      .isEqualTo(TransferStatus.REVERSED);
    assertThat(Await.result(cache.setStatus(merchant, WalletStatus.ACTIVE, "test")).code()).isEqualTo(OutcomeCode.OK);

    authorize(alice, payer, merchant, 1_000, daily);
  }

  @Test
  @DisplayName("a withdrawal's hold is no authorization: not found to read, to capture or to void, and left as it is")
  void aWithdrawalHoldIsNoAuthorization() {
    String alice = owner();
    WalletId wallet = core.funded(alice, 1_000);
    HoldId hold = Await.result(cache.placeHold(new PlaceHold(wallet, new Money(300, USD), alice, "wd-1",
      MoneyCore.key(alice)))).value().id();

    assertThat(Await.result(cache.authorization(hold))).isEmpty();
    assertThat(Await.result(cache.capture(new Capture(hold, 100, 0, false, "*", MoneyCore.key(alice)))).code())
      .isEqualTo(OutcomeCode.AUTHORIZATION_NOT_FOUND);
    assertThat(Await.result(cache.voidAuthorization(hold, MoneyCore.key(alice))).code())
      .isEqualTo(OutcomeCode.AUTHORIZATION_NOT_FOUND);
    assertThat(core.wallet(wallet).held()).isEqualTo(300);
  }

  @Test
  @DisplayName("a capture by someone who is neither '*' (checked by the caller) nor the payer's owner finds nothing")
  void captureChecksItsActor() {
    String alice = owner();
    WalletId payer = core.funded(alice, 1_000);
    WalletId merchant = core.openMerchant(owner(), Optional.of(payer));
    HoldId id = authorize(alice, payer, merchant, 500);

    Outcome<CaptureView> stranger = Await.result(cache.capture(new Capture(id, 100, 0, false, owner(),
      MoneyCore.key(alice))));

    assertThat(stranger.code()).isEqualTo(OutcomeCode.AUTHORIZATION_NOT_FOUND);
    assertThat(Await.result(cache.authorization(id)).orElseThrow().heldMinor()).isEqualTo(500);
  }

  @Test
  @DisplayName("a merchant cannot authorize a payment from its own wallet to itself: refused, nothing held or counted")
  void aMerchantCannotAuthorizeItself() {
    String shop = owner();
    WalletId merchant = core.openMerchant(shop, Optional.empty());
    core.fund(merchant, 1_000);

    Outcome<AuthorizationView> placed = Await.result(cache.authorize(new Authorize(merchant, merchant,
      new Money(500, USD), shop, "", 600_000, MoneyCore.key(shop), List.of())));

    assertThat(placed.code()).isEqualTo(OutcomeCode.SAME_WALLET);
    assertThat(core.wallet(merchant).held()).isZero();
    assertThat(core.available(merchant)).isEqualTo(1_000);
  }

  @Test
  @DisplayName("a frozen payer's authorization is not captured: refused, still held, nothing paid; once the payer is "
    + "active again it is")
  void aFrozenPayerIsNotCaptured() {
    String alice = owner();
    WalletId payer = core.funded(alice, 5_000);
    WalletId merchant = core.openMerchant(owner(), Optional.of(payer));
    HoldId id = authorize(alice, payer, merchant, 1_000);
    assertThat(Await.result(cache.setStatus(payer, WalletStatus.FROZEN, "risk review")).code()).isEqualTo(OutcomeCode.OK);

    Outcome<CaptureView> refused = Await.result(cache.capture(new Capture(id, 400, 10, false, "*", MoneyCore.key(alice))));

    assertThat(refused.code()).isEqualTo(OutcomeCode.WALLET_INACTIVE);
    assertThat(core.wallet(payer).held()).isEqualTo(1_000);
    assertThat(core.available(merchant)).isZero();
    assertThat(Await.result(cache.setStatus(payer, WalletStatus.ACTIVE, "cleared")).code()).isEqualTo(OutcomeCode.OK);
    assertThat(Await.result(cache.capture(new Capture(id, 400, 10, false, "*", MoneyCore.key(alice)))).code())
      .isEqualTo(OutcomeCode.OK);
    assertThat(core.available(merchant)).isEqualTo(390);
  }

  @Test
  @DisplayName("a void of an authorization captured before is recorded under its key: the key used again to void "
    + "another authorization is refused as reused, and that one stays held")
  void aVoidOfAnEndedAuthorizationKeepsItsKey() {
    String alice = owner();
    WalletId payer = core.funded(alice, 5_000);
    WalletId merchant = core.openMerchant(owner(), Optional.of(payer));
    HoldId captured = authorize(alice, payer, merchant, 1_000);
    HoldId other = authorize(alice, payer, merchant, 700);
    assertThat(Await.result(cache.capture(new Capture(captured, 1_000, 0, false, "*", MoneyCore.key(alice)))).code())
      .isEqualTo(OutcomeCode.OK);
    IdempotencyKey key = MoneyCore.key(alice);

    Outcome<AuthorizationView> lateVoid = Await.result(cache.voidAuthorization(captured, key));
    Outcome<AuthorizationView> sameKeyElsewhere = Await.result(cache.voidAuthorization(other, key));

    assertThat(lateVoid.replayed()).isTrue();
    assertThat(sameKeyElsewhere.code()).isEqualTo(OutcomeCode.IDEMPOTENCY_KEY_REUSED);
    assertThat(core.wallet(payer).held()).as("the other authorization still held").isEqualTo(700);
    assertThat(Await.result(cache.voidAuthorization(captured, key)).replayed()).as("the late void again").isTrue();
  }

  private HoldId authorize(String owner, WalletId payer, WalletId merchant, long amount) {
    return authorize(owner, payer, merchant, amount, List.of());
  }

  private HoldId authorize(String owner, WalletId payer, WalletId merchant, long amount, List<LimitCheck> checks) {
    Outcome<AuthorizationView> placed = Await.result(cache.authorize(new Authorize(payer, merchant,
      new Money(amount, USD), owner, "", 600_000, MoneyCore.key(owner), checks)));
    assertThat(placed.code()).isEqualTo(OutcomeCode.OK);
    return placed.value().id();
  }
}
