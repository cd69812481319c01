package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.SystemNames;
import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.edge.funds.MovementStatus.Phase;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.Instrument;
import dev.wallet.edge.http.ProblemException;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Withdrawals: the amount is held (available → held) before the gateway is asked to pay it out
 * ({@code payout}); the gateway's answer settles the hold to its clearing account (paid) or
 * releases it back (declined), and a payout that comes back is credited to the wallet. A hold is
 * released only on the gateway's word that it did not pay.
 */
final class WithdrawalKind extends GatewayMovementKind<Withdrawal> {

  private static final Logger LOG = LoggerFactory.getLogger(WithdrawalKind.class);
  /** The failure reason of a withdrawal whose hold was refused: the refusal is the client's answer. */
  private static final String HOLD_REFUSED = "hold_refused:";

  private static final Transitions TRANSITIONS = new Transitions(Withdrawal.Status.HELD, Withdrawal.Status.SUBMITTED,
    Withdrawal.Status.SETTLING, Withdrawal.Status.RELEASING, Withdrawal.Status.RETURNING, "returned by the gateway",
    List.of(Phase.PREPARING, Phase.RELEASING, Phase.FAILED));

  /** The limit checks a withdrawal of an owner's is held within, decided now; refused with a 422 problem. */
  @FunctionalInterface
  interface Limits {
    Future<List<LimitCheck>> decide(String ownerId, Money amount);
  }

  private final Limits limits;

  WithdrawalKind(BalanceCache cache, Limits limits) {
    super(cache, FundsStore.WITHDRAWALS, TRANSITIONS, Gateway::payout);
    this.limits = limits;
  }

  /** The destination's account is required (the column is NOT NULL); a missing one would be stored empty. */
  @Override
  Withdrawal recorded(Wallet wallet, Money amount, Instrument destination, String gateway,
                      Optional<OutcomeCode> refusal) {
    Instrument stored = new Instrument(destination.type(), Optional.of(destination.account().orElse("")));
    return new Withdrawal(FundsIds.withdrawal(wallet.id()), wallet.id(), wallet.ownerId(), amount, stored, gateway,
      refusal.isPresent() ? Withdrawal.Status.FAILED : Withdrawal.Status.HOLDING, Optional.empty(), Optional.empty(),
      refusedAtRequest(refusal), Optional.empty(), Instant.now());
  }

  /**
   * A payout the gateway returned, being credited back (one still held or being released holds money
   * in the wallet, which does not close while it does).
   */
  @Override
  boolean bringsMoneyIn(MovementStatus.Phase phase) {
    return phase == MovementStatus.Phase.REVERSING;
  }

  /**
   * A payout the gateway has not got is not sent from a wallet that is no longer active: a freeze
   * (the risk team's, a reconciliation's, a chargeback waiting for this held money) stops money
   * leaving it, as it stops a capture (capture.lua). The hold was placed while the wallet was active;
   * until 2026-12-07 a payout the gateway had not received when the wallet was frozen was sent once
   * the gateway was back, and the held money paid out of the frozen wallet. It is sent once the
   * wallet is active again.
   */
  @Override
  Future<Optional<String>> notToBeAsked(Withdrawal withdrawal) {
    return cache.wallet(withdrawal.wallet()).map(found -> found.isEmpty()
      ? Optional.of("not sent: the wallet is not found")
      : Optional.of(found.get().status()).filter(status -> status != WalletStatus.ACTIVE)
        .map(status -> "not sent: the wallet is " + status.wire()));
  }

  /** Refused at the request, or its hold refused by the money core. */
  @Override
  Optional<OutcomeCode> refusal(Withdrawal withdrawal) {
    return super.refusal(withdrawal).or(() -> refusedAs(withdrawal, HOLD_REFUSED));
  }

  /**
   * The hold, within limit checks: those decided for the request at hand (the first attempt, or a
   * retry under its key), or without one (the reconciler) decided now, and a refusal of the rules
   * then fails the withdrawal. Every attempt goes under one key, so a hold that reached Redis
   * already is replayed and counted once; one that never did is counted when it is placed.
   */
  @Override
  Future<Transition> prepare(Withdrawal withdrawal, Optional<List<LimitCheck>> decided) {
    return decided.map(Future::succeededFuture).orElseGet(() -> limits.decide(withdrawal.ownerId(), withdrawal.amount()))
      .compose(checks -> hold(withdrawal, checks), refused -> refusedByTheRules(withdrawal, refused));
  }

  private Future<Transition> hold(Withdrawal withdrawal, List<LimitCheck> checks) {
    PlaceHold hold = new PlaceHold(withdrawal.wallet(), withdrawal.amount(), withdrawal.ownerId(), withdrawal.id(),
      new IdempotencyKey(SystemNames.WITHDRAWAL_SCOPE, withdrawal.id()), checks);
    return cache.placeHold(hold).map(held -> held.code() == OutcomeCode.OK
      ? new Transition(Withdrawal.Status.HELD, Changes.hold(held.value().id()))
      : new Transition(Withdrawal.Status.FAILED, Changes.refused(HOLD_REFUSED, held.code())));
  }

  /**
   * The rules refuse it now (a limit of the owner's tier, or the tier itself). The first attempt's
   * hold may have reached Redis with its answer lost, so the hold is still asked for under its key,
   * with a check no amount passes: a hold placed before is replayed (and the withdrawal goes on), and
   * none is refused and recorded as refused (the withdrawal fails, nothing held). Failing it without
   * asking would leave such a hold held for good, and its limits counted. Anything else: tried again.
   */
  private Future<Transition> refusedByTheRules(Withdrawal withdrawal, Throwable failure) {
    if (failure instanceof ProblemException refused && refused.problem().status() == 422) {
      LOG.info("withdrawal {}: refused by the limits when its hold was placed again: {}", withdrawal.id(),
        refused.getMessage());
      return hold(withdrawal, List.of(new LimitCheck(refused.problem().detail(), "refused:withdrawal", 0, 0, 60_000)));
    }
    return Future.failedFuture(failure);
  }

  /** Paid: the hold is settled to the gateway's clearing account. */
  @Override
  Future<Transition> apply(Withdrawal withdrawal) {
    HoldId hold = withdrawal.hold().orElseThrow();
    return cache.settleHold(hold, withdrawal.clearing())
      .compose(outcome -> endedAs(withdrawal, outcome, HoldView.HoldStatus.SETTLED, Withdrawal.Status.COMPLETED));
  }

  /** Declined: the hold goes back to the wallet. */
  @Override
  Future<Transition> release(Withdrawal withdrawal) {
    HoldId hold = withdrawal.hold().orElseThrow();
    return cache.releaseHold(hold)
      .compose(outcome -> endedAs(withdrawal, outcome, HoldView.HoldStatus.RELEASED, Withdrawal.Status.FAILED));
  }

  private static Future<Transition> endedAs(Withdrawal withdrawal, Outcome<HoldView> outcome,
                                            HoldView.HoldStatus expected, Withdrawal.Status to) {
    if (outcome.code() != OutcomeCode.OK || outcome.value().status() != expected) {
      return Future.failedFuture(new IllegalStateException("withdrawal " + withdrawal.id() + ": hold "
        + withdrawal.hold().orElseThrow() + " should be " + expected + " but the money core says " + outcome.code()
        + " " + (outcome.value() == null ? "" : outcome.value().status())));
    }
    return Future.succeededFuture(new Transition(to, Changes.none()));
  }

  /**
   * A payout that came back: the money returns from the clearing account to the wallet, once, frozen
   * or not (until 2026-12-06 a frozen wallet refused it), and gives back what its hold counted against
   * its owner's limits in the windows still open, as a declined payout does (until 2026-12-06 it did
   * not, and the owner could not withdraw the same money again until the windows ended). A closed
   * wallet does not take it: the money stays in the gateway's clearing account, owed to the customer,
   * stranded for an operator.
   */
  @Override
  Future<Transition> reverse(Withdrawal withdrawal) {
    Credit command = new Credit(withdrawal.wallet(), withdrawal.amount(), withdrawal.clearing(),
      PostingType.WITHDRAWAL_RETURN, withdrawal.id() + ".return", withdrawal.moneyCoreKey("return"),
      withdrawal.hold());
    return cache.credit(command).map(outcome -> outcome.code() == OutcomeCode.OK
      ? new Transition(Withdrawal.Status.RETURNED, Changes.none())
      : Transition.stranding(Withdrawal.Status.RETURNED, Changes.refused("return not credited: ", outcome.code())));
  }
}
