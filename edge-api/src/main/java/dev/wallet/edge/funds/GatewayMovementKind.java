package dev.wallet.edge.funds;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.edge.funds.MovementStatus.Phase;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.GatewayAck;
import dev.wallet.edge.gateway.GatewayRequest;
import dev.wallet.edge.gateway.Instrument;
import io.vertx.core.Future;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * What differs between a deposit and a withdrawal in the one machine they share
 * ({@link GatewayMovements}): which gateway call starts it, which money-core calls apply, undo and
 * reverse it, and which of its own states each transition leads to. Every step here is idempotent
 * under a key derived from the movement, so the machine may repeat it after a crash.
 */
abstract class GatewayMovementKind<M extends GatewayMovement> {

  /** Before the code of a refusal at the request (another currency, a wallet not active) in a failure reason. */
  private static final String REFUSED_AT_REQUEST = "refused:";

  /** The money core, which every step of a kind calls. */
  protected final BalanceCache cache;
  private final FundsStore.Table<M> table;
  private final Transitions transitions;
  private final BiFunction<Gateway, GatewayRequest, Future<GatewayAck>> start;

  /** {@code start}: the gateway call that starts it, idempotent at the gateway on the movement's id. */
  GatewayMovementKind(BalanceCache cache, FundsStore.Table<M> table, Transitions transitions,
               BiFunction<Gateway, GatewayRequest, Future<GatewayAck>> start) {
    this.cache = cache;
    this.table = table;
    this.transitions = transitions;
    this.start = start;
  }

  /** Its table, which also names it ("deposit", in logs, metric names and request hashes) and lists its states. */
  final FundsStore.Table<M> table() {
    return table;
  }

  final Transitions transitions() {
    return transitions;
  }

  /**
   * Which of a kind's own states each of the machine's transitions leads to.
   *
   * @param unacknowledged the state in which the gateway is (re)asked
   * @param acknowledged where the gateway's acknowledgement leads
   * @param succeeded where the gateway's "succeeded" leads ({@link Phase#APPLYING})
   * @param declined where its "failed" leads: releasing what the first step did, or failed when nothing was done
   * @param reversing where its reversal of a completed movement leads
   * @param reversalReason the failure reason of a reversal whose event gives none
   * @param reversalTooEarly the phases in which a reversal is refused for now (503), so the gateway sends it again
   */
  record Transitions(MovementStatus unacknowledged, MovementStatus acknowledged, MovementStatus succeeded,
                     MovementStatus declined, MovementStatus reversing, String reversalReason,
                     List<Phase> reversalTooEarly) {
    public Transitions {
      reversalTooEarly = List.copyOf(reversalTooEarly);
    }
  }

  /**
   * A new movement with a new id, not yet stored: in its first state, or, refused at the request
   * ({@code refusal}, see {@link FundsIds#refusal}), failed with {@link #refusedAtRequest} as its reason.
   */
  abstract M recorded(Wallet wallet, Money amount, Instrument instrument, String gateway,
                      Optional<OutcomeCode> refusal);

  /** The failure reason of a movement refused at the request, e.g. "refused:wallet_inactive". */
  static Optional<String> refusedAtRequest(Optional<OutcomeCode> refusal) {
    return refusal.map(code -> Changes.refusal(REFUSED_AT_REQUEST, code));
  }

  /**
   * Whether a movement in {@code phase} may still bring money into its wallet: a wallet closed
   * meanwhile would refuse it, and the money would be stranded at the gateway.
   */
  abstract boolean bringsMoneyIn(MovementStatus.Phase phase);

  final Future<GatewayAck> ask(Gateway gateway, GatewayRequest request) {
    return start.apply(gateway, request);
  }

  /**
   * Why the gateway is not to be asked for the movement now that it has not got it, if it is not: a
   * kind whose money leaves the wallet does not send it from one that may no longer send. None by default.
   */
  Future<Optional<String>> notToBeAsked(M movement) {
    return Future.succeededFuture(Optional.empty());
  }

  /**
   * The client's answer for a movement the machine has brought as far as it could: the refusal it was
   * recorded with at the request, if any (a kind with a first step adds that step's refusals). Until
   * 2026-12-07 a refusal at the request was not recorded, and the same request retried once the wallet
   * was active again went ahead (WithdrawalsApiTest.refusedWhileFrozenStaysRefused,
   * DepositsApiTest.refusedForItsCurrencyStaysRefused).
   */
  Optional<OutcomeCode> refusal(M movement) {
    return refusedAs(movement, REFUSED_AT_REQUEST);
  }

  /** The refusal named by a failure reason written as {@code prefix} and a code's name; none for any other reason. */
  static Optional<OutcomeCode> refusedAs(GatewayMovement movement, String prefix) {
    return movement.failureReason().filter(reason -> reason.startsWith(prefix))
      .map(reason -> reason.substring(prefix.length()).toUpperCase(Locale.ROOT))
      .flatMap(name -> Arrays.stream(OutcomeCode.values()).filter(code -> code.name().equals(name)).findFirst());
  }

  /**
   * Whether a movement failed after the gateway's success, by a refusal of the wallet's own step (a
   * deposit's credit refused): a success the gateway repeats then agrees with how it ended.
   */
  boolean failedAfterSuccess(M movement) {
    return false;
  }

  /** What a client is told when its request is replayed and not refused. */
  OutcomeCode replayed() {
    return OutcomeCode.PENDING;
  }

  /**
   * The money core's step before the gateway is asked ({@link Phase#PREPARING}), within the limit
   * checks decided for the request that asked for it, or, when none is at hand (the reconciler
   * drives it), the checks the kind decides now.
   */
  Future<Transition> prepare(M movement, Optional<List<LimitCheck>> limits) {
    return unsupported(movement, "prepare");
  }

  /** The money core's step once the gateway succeeded ({@link Phase#APPLYING}). */
  abstract Future<Transition> apply(M movement);

  /**
   * The money core's step once the gateway succeeded and the wallet learnt its reversal too (the
   * movement carries {@link GatewayMovement#reversalLearnt()}). By default the success is applied, and
   * the machine takes it back at once (completed and reversing in one transaction, then {@link #reverse});
   * a kind may instead never apply it and lead straight to its reversed state ({@link DepositKind}).
   */
  Future<Transition> applyTakenBack(M movement) {
    return apply(movement);
  }

  /** The money core's undoing of {@link #prepare} once the gateway declined. */
  Future<Transition> release(M movement) {
    return unsupported(movement, "release");
  }

  /** The money core's step once the gateway reversed a completed movement. */
  abstract Future<Transition> reverse(M movement);

  private Future<Transition> unsupported(M movement, String step) {
    String noun = table.noun();
    return Future.failedFuture(new IllegalStateException(noun + " " + movement.id() + " is " + movement.status()
      + ", but a " + noun + " has no " + step + " step"));
  }
}
