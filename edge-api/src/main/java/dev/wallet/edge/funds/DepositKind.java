package dev.wallet.edge.funds;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.SystemNames;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.edge.funds.MovementStatus.Phase;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.Instrument;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deposits: recorded pending, asked of the gateway ({@code collect}), credited once when the
 * gateway confirms; a chargeback takes the money back. The credit goes to the money core with the
 * deposit id as the posting's id, so driving it again after a crash replays instead of paying twice.
 */
final class DepositKind extends GatewayMovementKind<Deposit> {

  private static final Logger LOG = LoggerFactory.getLogger(DepositKind.class);
  private static final String CREDIT_REFUSED = "credit refused: ";

  /** Nothing is held first, so a declined deposit fails at once; an acknowledgement only records the gateway's ref. */
  private static final Transitions TRANSITIONS = new Transitions(Deposit.Status.PENDING, Deposit.Status.PENDING,
    Deposit.Status.CREDITING, Deposit.Status.FAILED, Deposit.Status.REVERSING, "reversed by the gateway",
    List.of(Phase.PREPARING));

  DepositKind(BalanceCache cache) {
    super(cache, FundsStore.DEPOSITS, TRANSITIONS, Gateway::collect);
  }

  @Override
  Deposit recorded(Wallet wallet, Money amount, Instrument source, String gateway, Optional<OutcomeCode> refusal) {
    return new Deposit(FundsIds.deposit(wallet.id()), wallet.id(), wallet.ownerId(), amount, source, gateway,
      refusal.isPresent() ? Deposit.Status.FAILED : Deposit.Status.PENDING, Optional.empty(),
      refusedAtRequest(refusal), Optional.empty(), Optional.empty(), Instant.now());
  }

  /** Asked of the gateway, or being credited. */
  @Override
  boolean bringsMoneyIn(MovementStatus.Phase phase) {
    return phase == MovementStatus.Phase.AWAITING || phase == MovementStatus.Phase.APPLYING;
  }

  /** A replayed deposit request is answered OK, as it has been since deposits began (a new one is PENDING). */
  @Override
  OutcomeCode replayed() {
    return OutcomeCode.OK;
  }

  /**
   * The credit. Refused CREDIT_FORGONE, it was forgone by someone who learnt the deposit's reversal
   * after this deposit was read ({@link #applyTakenBack}): the failure this leads to is not recorded,
   * since the row no longer carries the reversal this caller saw.
   */
  @Override
  Future<Transition> apply(Deposit deposit) {
    return cache.credit(credit(deposit)).map(outcome -> outcome.code() == OutcomeCode.OK
      ? new Transition(Deposit.Status.COMPLETED, Changes.none())
      : creditRefused(deposit, outcome.code()));
  }

  /**
   * A deposit the gateway took back before the wallet credited it: the credit is forgone, so the money
   * never reaches the balance, and the deposit is reversed with the gateway's reason and nothing booked
   * (the gateway collected and gave back; the wallet's books never had it, its clearing account is
   * untouched). If the credit was made already (by someone who read the deposit before its reversal
   * was written on it; the one record of the credit's key in the money core says which came first), it
   * is taken back as a chargeback of a completed deposit is. Until 2026-12-07 every such deposit was
   * credited first and taken back after: the money was spendable until the chargeback's hold, and
   * spent then (a bot watching the balance socket), the chargeback was unrecovered and the wallet
   * frozen (DepositsApiTest.aReversalLearntBeforeTheCreditNeverReachesTheBalance).
   */
  @Override
  Future<Transition> applyTakenBack(Deposit deposit) {
    return cache.forgoCredit(credit(deposit)).map(outcome -> switch (outcome.code()) {
      case OK -> new Transition(Deposit.Status.COMPLETED, Changes.none());
      case CREDIT_FORGONE -> new Transition(Deposit.Status.REVERSED,
        Changes.failure(deposit.reversalLearnt().orElseThrow()));
      default -> creditRefused(deposit, outcome.code());
    });
  }

  /** The one credit of a deposit, under its key: made, or forgone. */
  private static Credit credit(Deposit deposit) {
    return new Credit(deposit.wallet(), deposit.amount(), deposit.clearing(), PostingType.DEPOSIT, deposit.id(),
      deposit.moneyCoreKey("deposit"));
  }

  /**
   * The gateway has the money but the wallet cannot take it (closed since; a frozen one takes it):
   * the money is stranded at the gateway until someone sends it back, unless the gateway took it
   * back already (a chargeback learnt with the success). Until 2026-12-07 a stranded deposit was a
   * warning in the log.
   */
  private static Transition creditRefused(Deposit deposit, OutcomeCode code) {
    Changes refused = Changes.refused(CREDIT_REFUSED, code);
    if (deposit.reversalLearnt().isPresent()) {
      LOG.warn("deposit {}: the money core refused the credit ({}) of a deposit the gateway has taken back "
        + "already ({}); it is failed and nothing is owed either way", deposit.id(), code,
        deposit.reversalLearnt().get());
      return new Transition(Deposit.Status.FAILED, refused);
    }
    return Transition.stranding(Deposit.Status.FAILED, refused);
  }

  @Override
  boolean failedAfterSuccess(Deposit deposit) {
    return deposit.failureReason().filter(reason -> reason.startsWith(CREDIT_REFUSED)).isPresent();
  }

  /**
   * A chargeback: the gateway took the money back, so the wallet gives it back to the gateway's
   * clearing account (a hold, settled at once), taken by the system, not asked by the owner (a
   * deposit made to a hot merchant's credit stripe before stripes were closed to deposits is taken
   * back from it). A wallet that no longer has it is frozen and the deposit marked unrecovered, for
   * the risk team; balances never go negative.
   */
  @Override
  Future<Transition> reverse(Deposit deposit) {
    PlaceHold hold = new PlaceHold(deposit.wallet(), deposit.amount(), SystemNames.ACTOR, deposit.id() + ".chargeback",
      deposit.moneyCoreKey("chargeback"));
    return cache.placeHold(hold).compose(held -> switch (held.code()) {
      case OK -> cache.settleHold(held.value().id(), deposit.clearing()).compose(settled -> reversed(deposit, settled));
      case FUNDS_HELD -> waitingForHeldMoney(deposit);
      default -> unrecovered(deposit, held.code());
    });
  }

  /**
   * Short of available money that money held in the wallet would cover (a payout or an
   * authorization in flight, which may yet come back; hold.lua's FUNDS_HELD, nothing recorded): the
   * wallet is frozen (a chargeback of spent money is for the risk team, which reactivates it), so
   * that what comes back stays, and the chargeback is asked again by the reconciler until those
   * holds have ended. Until 2026-12-07 it was unrecovered at once, for good, and a payout declined
   * afterwards gave the wallet back money the gateway had taken.
   */
  private Future<Transition> waitingForHeldMoney(Deposit deposit) {
    return cache.setStatus(deposit.wallet(), WalletStatus.FROZEN, "chargeback " + deposit.id()
        + " waits for the wallet's held money")
      .map(frozen -> {
        LOG.warn("deposit {}: the chargeback waits for money held in wallet {} (frozen, for the risk team to "
          + "reactivate); asked again by the reconciler", deposit.id(), deposit.wallet());
        return Transition.stay(Deposit.Status.REVERSING);
      });
  }

  private static Future<Transition> reversed(Deposit deposit, Outcome<HoldView> settled) {
    if (settled.code() != OutcomeCode.OK || settled.value().status() != HoldView.HoldStatus.SETTLED) {
      return Future.failedFuture(new IllegalStateException("deposit " + deposit.id()
        + ": the chargeback hold could not be settled: " + settled.code()));
    }
    return Future.succeededFuture(new Transition(Deposit.Status.REVERSED, Changes.hold(settled.value().id())));
  }

  /** Logged and counted as stranded money by {@link GatewayMovements} once recorded. */
  private Future<Transition> unrecovered(Deposit deposit, OutcomeCode code) {
    return cache.setStatus(deposit.wallet(), WalletStatus.FROZEN, "chargeback " + deposit.id() + " unrecovered")
      .map(frozen -> Transition.stranding(Deposit.Status.REVERSAL_UNRECOVERED,
        Changes.refused("chargeback unrecovered: ", code)));
  }
}
