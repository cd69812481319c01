package dev.wallet.edge.funds;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.edge.funds.MovementStatus.Phase;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.GatewayAck;
import dev.wallet.edge.gateway.GatewayRequest;
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
final class DepositKind implements MovementKind<Deposit> {

  private static final Logger LOG = LoggerFactory.getLogger(DepositKind.class);

  private final BalanceCache cache;

  DepositKind(BalanceCache cache) {
    this.cache = cache;
  }

  @Override
  public String noun() {
    return "deposit";
  }

  @Override
  public FundsStore.Table<Deposit> table() {
    return FundsStore.DEPOSITS;
  }

  @Override
  public List<Deposit.Status> states() {
    return List.of(Deposit.Status.values());
  }

  @Override
  public Deposit recorded(Wallet wallet, Money amount, Instrument source, String gateway) {
    return new Deposit(FundsIds.deposit(wallet.id()), wallet.id(), wallet.ownerId(), amount, source, gateway,
      Deposit.Status.PENDING, Optional.empty(), Optional.empty(), Optional.empty(), Instant.now());
  }

  @Override
  public Future<GatewayAck> ask(Gateway gateway, GatewayRequest request) {
    return gateway.collect(request);
  }

  /** The gateway's acknowledgement only records its reference: a deposit stays pending until the verdict. */
  @Override
  public MovementStatus unacknowledged() {
    return Deposit.Status.PENDING;
  }

  @Override
  public MovementStatus acknowledged() {
    return Deposit.Status.PENDING;
  }

  @Override
  public MovementStatus succeeded() {
    return Deposit.Status.CREDITING;
  }

  @Override
  public MovementStatus declined() {
    return Deposit.Status.FAILED;
  }

  @Override
  public MovementStatus reversing() {
    return Deposit.Status.REVERSING;
  }

  @Override
  public String reversalReason() {
    return "reversed by the gateway";
  }

  @Override
  public List<Phase> reversalTooEarly() {
    return List.of(Phase.AWAITING, Phase.APPLYING);
  }

  /** Every refusal of a deposit comes before it is recorded. */
  @Override
  public Optional<OutcomeCode> refusal(Deposit deposit) {
    return Optional.empty();
  }

  @Override
  public OutcomeCode replayed() {
    return OutcomeCode.OK;
  }

  @Override
  public Future<Transition> apply(Deposit deposit) {
    Credit command = new Credit(deposit.wallet(), deposit.amount(), deposit.clearing(), "deposit", deposit.id(),
      deposit.moneyCoreKey("deposit"));
    return cache.credit(command).map(outcome -> outcome.code() == OutcomeCode.OK
      ? new Transition(Deposit.Status.COMPLETED, Changes.none())
      : creditRefused(deposit, outcome.code()));
  }

  /** The gateway has the money but the wallet cannot take it (e.g. frozen since): someone must send it back. */
  private static Transition creditRefused(Deposit deposit, OutcomeCode code) {
    LOG.warn("deposit {}: the gateway confirmed it but the money core refused the credit ({}); it is failed and "
      + "gateway {} must return the money", deposit.id(), code, deposit.gateway());
    return new Transition(Deposit.Status.FAILED, Changes.refused("credit refused: ", code));
  }

  /**
   * A chargeback: the gateway took the money back, so the wallet gives it back to the gateway's
   * clearing account (a hold, settled at once). A wallet that no longer has it is frozen and the
   * deposit marked unrecovered, for the risk team; balances never go negative.
   */
  @Override
  public Future<Transition> reverse(Deposit deposit) {
    PlaceHold hold = new PlaceHold(deposit.wallet(), deposit.amount(), deposit.ownerId(), deposit.id() + ".chargeback",
      deposit.moneyCoreKey("chargeback"));
    return cache.placeHold(hold).compose(held -> held.code() == OutcomeCode.OK
      ? cache.settleHold(held.value().id(), deposit.clearing()).compose(settled -> reversed(deposit, settled))
      : unrecovered(deposit, held.code()));
  }

  private static Future<Transition> reversed(Deposit deposit, Outcome<HoldView> settled) {
    if (settled.code() != OutcomeCode.OK || settled.value().status() != HoldView.HoldStatus.SETTLED) {
      return Future.failedFuture(new IllegalStateException("deposit " + deposit.id()
        + ": the chargeback hold could not be settled: " + settled.code()));
    }
    return Future.succeededFuture(new Transition(Deposit.Status.REVERSED, Changes.hold(settled.value().id())));
  }

  private Future<Transition> unrecovered(Deposit deposit, OutcomeCode code) {
    LOG.warn("deposit {}: chargeback of {} not recoverable from wallet {} ({}); freezing the wallet for review",
      deposit.id(), deposit.amount(), deposit.wallet(), code);
    return cache.setStatus(deposit.wallet(), WalletStatus.FROZEN, "chargeback " + deposit.id() + " unrecovered")
      .map(frozen -> new Transition(Deposit.Status.REVERSAL_UNRECOVERED,
        Changes.refused("chargeback unrecovered: ", code)));
  }
}
