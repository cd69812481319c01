package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.GatewayAck;
import dev.wallet.edge.gateway.GatewayRequest;
import dev.wallet.edge.gateway.Instrument;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;

/**
 * What differs between a deposit and a withdrawal in the one machine they share
 * ({@link GatewayMovements}): which gateway call starts it, which money-core calls apply, undo and
 * reverse it, and which of its own states each transition leads to. Every step here is idempotent
 * under a key derived from the movement, so the machine may repeat it after a crash.
 */
interface MovementKind<M extends GatewayMovement> {

  /** "deposit" or "withdrawal": in logs, metric names and request hashes. */
  String noun();

  FundsStore.Table<M> table();

  /** Every state, so that the machine can pick them by phase. */
  List<? extends MovementStatus> states();

  /** A new movement with a new id, in its first state, not yet stored. */
  M recorded(Wallet wallet, Money amount, Instrument instrument, String gateway);

  /** The gateway call that starts it, idempotent at the gateway on the movement's id. */
  Future<GatewayAck> ask(Gateway gateway, GatewayRequest request);

  /** The state in which the gateway is (re)asked; its acknowledgement moves it to {@link #acknowledged}. */
  MovementStatus unacknowledged();

  MovementStatus acknowledged();

  /** Where the gateway's "succeeded" leads: {@link MovementStatus.Phase#APPLYING}. */
  MovementStatus succeeded();

  /** Where the gateway's "failed" leads: releasing what the first step did, or failed when there is nothing. */
  MovementStatus declined();

  /** Where the gateway's reversal of a completed movement leads. */
  MovementStatus reversing();

  /** The failure reason of a reversal whose event gives none. */
  String reversalReason();

  /** A reversal that arrives while the movement is in one of these phases is refused for now (503). */
  List<MovementStatus.Phase> reversalTooEarly();

  /** The client's answer for a movement the machine has brought as far as it could: a refusal, if any. */
  Optional<OutcomeCode> refusal(M movement);

  /** What a client is told when its request is replayed and not refused. */
  OutcomeCode replayed();

  /** The money core's step before the gateway is asked ({@link MovementStatus.Phase#PREPARING}). */
  default Future<Transition> prepare(M movement, List<LimitCheck> limits) {
    return unsupported(movement, "prepare");
  }

  /** The money core's step once the gateway succeeded ({@link MovementStatus.Phase#APPLYING}). */
  Future<Transition> apply(M movement);

  /** The money core's undoing of {@link #prepare} once the gateway declined. */
  default Future<Transition> release(M movement) {
    return unsupported(movement, "release");
  }

  /** The money core's step once the gateway reversed a completed movement. */
  Future<Transition> reverse(M movement);

  private Future<Transition> unsupported(M movement, String step) {
    return Future.failedFuture(new IllegalStateException(noun() + " " + movement.id() + " is "
      + movement.status().column() + ", but a " + noun() + " has no " + step + " step"));
  }
}
