package dev.wallet.edge.funds;

import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Sha256;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.funds.MovementStatus.Phase;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.GatewayRefusedException;
import dev.wallet.edge.gateway.GatewayRequest;
import dev.wallet.edge.gateway.GatewayStatus;
import dev.wallet.edge.gateway.Instrument;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one state machine of money crossing the wallet's boundary through a gateway, deposits and
 * withdrawals alike; a {@link GatewayMovementKind} says what differs. A movement is recorded, prepared by
 * the money core if its kind needs it (a withdrawal's hold), asked of the gateway, and driven by the
 * gateway's verdict (a webhook, or the reconciler asking) through the money core to its end:
 *
 * <pre>
 * PREPARING ──▶ AWAITING ──succeeded──▶ APPLYING ──▶ COMPLETED ──reversed──▶ REVERSING ──▶ REVERSED
 *     │             │                        └──(reversal learnt, not applied)─────────────────▶ REVERSED
 *     │             └──────declined─────▶ RELEASING ──▶ FAILED
 *     └──refused───────────────────────────────────────▶ FAILED
 * </pre>
 *
 * (phases, see {@link MovementStatus.Phase}; each kind names its own states). A kind with nothing
 * to release fails at once when declined, and a kind's money-core step may end elsewhere than the
 * drawing says (a deposit whose credit is refused fails; a chargeback the wallet cannot pay is
 * marked unrecovered). A request refused before the machine starts (another currency than the
 * wallet's, a wallet not active) is recorded FAILED at once, so that its key keeps that answer.
 *
 * <p>"Once" rests on three things: the gateway's event id is recorded in the same transaction as
 * the state change it causes (primary key: a repeated event changes nothing); a state moves only
 * by a conditional UPDATE from the states it may come from, so racing instances move it once; and
 * every money-core step goes under an idempotency key derived from the movement's id, so driving
 * it again after a crash replays instead of paying twice.
 */
public final class GatewayMovements<M extends GatewayMovement> {

  private static final Logger LOG = LoggerFactory.getLogger(GatewayMovements.class);

  private final GatewayMovementKind<M> kind;
  private final FundsStore.Table<M> table;
  private final GatewayMovementKind.Transitions transitions;
  private final String noun;
  private final FundsStore store;
  private final Gateway gateway;
  private final MeterRegistry meters;
  private final Set<MovementStatus> awaiting;
  private final Set<MovementStatus> awaitingOrApplying;
  private final Set<MovementStatus> completed;
  private final Set<MovementStatus> unsettled;
  private final Set<MovementStatus> bringingMoneyIn;
  /** When the oldest movement not settled yet was asked for, as the last reconciliation round found it. */
  private volatile Optional<Instant> oldestUnsettled = Optional.empty();

  GatewayMovements(GatewayMovementKind<M> kind, FundsStore store, Gateway gateway, MeterRegistry meters) {
    this.kind = kind;
    this.table = kind.table();
    this.transitions = kind.transitions();
    this.noun = table.noun();
    this.store = store;
    this.gateway = gateway;
    this.meters = meters;
    this.awaiting = statesWhere(table, phase -> phase == Phase.AWAITING);
    this.awaitingOrApplying = statesWhere(table, phase -> phase == Phase.AWAITING || phase == Phase.APPLYING);
    this.completed = statesWhere(table, phase -> phase == Phase.COMPLETED);
    this.unsettled = statesWhere(table, phase -> !phase.settled());
    this.bringingMoneyIn = statesWhere(table, kind::bringsMoneyIn);
    // exported at zero from the start: a counter that first appears at 1 is no increase to the alerts
    // that watch it, so the first event of each kind would not alert (found by review, 2026-12-06)
    contradictions();
    stranded();
    refusals();
    unsettledRounds();
    Gauge.builder("wallet_gateway_oldest_unsettled_created_seconds", this,
        movements -> movements.oldestUnsettled.map(Instant::getEpochSecond).orElse(0L))
      .description("When the oldest deposit or withdrawal of this gateway that has not settled was asked for "
        + "(unix seconds), as this process's last reconciliation round found it; 0 when none")
      .tags("gateway", gateway.name(), "movement", noun).register(meters);
  }

  private Counter contradictions() {
    return meters.counter("wallet_gateway_contradictions_total", "gateway", gateway.name(), "movement", noun);
  }

  private Counter refusals() {
    return meters.counter("wallet_gateway_refusals_total", "gateway", gateway.name(), "movement", noun);
  }

  /**
   * A movement a reconciliation round could not take a step further: a gateway away, or a step that
   * fails every time (a hold the hot tier lost). Until 2026-12-07 a warning in the log alone, and a
   * movement failing every round held or kept money for good without an alert.
   */
  private Counter unsettledRounds() {
    return meters.counter("wallet_gateway_unsettled_rounds_total", "gateway", gateway.name(), "movement", noun);
  }

  private Counter stranded() {
    return meters.counter("wallet_gateway_money_stranded_total", "gateway", gateway.name(), "movement", noun);
  }

  /**
   * A client's request, for a wallet whose owner the caller was checked to be. The limit checks
   * go with the money core's first step, for the kinds that have one.
   */
  public record Request(Wallet wallet, Money amount, Instrument instrument, IdempotencyKey key,
                        List<LimitCheck> limits) {
    public Request {
      limits = List.copyOf(limits);
    }
  }

  /**
   * PENDING with the new movement once it is asked of the gateway; a refusal (currency, inactive
   * wallet, or the money core's refusal of the first step), with the failed movement recorded under the
   * key; a replay of either under the same key; or IDEMPOTENCY_KEY_REUSED, for another request under
   * the key, of this kind or the other.
   */
  public Future<Outcome<M>> create(Request request) {
    String hash = Sha256.hex(canonical(request));
    return answeredBefore(request, hash).compose(earlier -> earlier.isPresent()
      ? Future.succeededFuture(earlier.get())
      : admit(request, hash));
  }

  /**
   * The answer of the movement {@code request}'s key started: one of this kind replayed, one of the
   * other IDEMPOTENCY_KEY_REUSED; empty while it started none. Until 2026-12-07 each kind looked in
   * its own table alone, and a deposit's key started a withdrawal too (funds held, payout asked), and
   * the reverse (WithdrawalsApiTest.oneKeyStartsOneMovement, oneKeyRacedByBothRoutes).
   */
  private Future<Optional<Outcome<M>>> answeredBefore(Request request, String hash) {
    return store.byKey(table, request.key()).compose(earlier -> earlier.isPresent()
      ? replay(earlier.get(), request, hash).map(Optional::of)
      : store.keyHolder(request.key()).map(holder -> holder.filter(held -> !held.equals(noun))
        .map(other -> Outcome.refused(OutcomeCode.IDEMPOTENCY_KEY_REUSED))));
  }

  /**
   * Whether a movement of {@code wallet} may still bring money into it ({@link GatewayMovementKind#bringsMoneyIn}):
   * a close would strand it.
   */
  public Future<Boolean> onItsWay(WalletId wallet) {
    return store.anyOfWallet(table, wallet, bringingMoneyIn);
  }

  /** Whether a movement, of this kind or the other, was started under {@code key}: the key answers its retries. */
  public Future<Boolean> recorded(IdempotencyKey key) {
    return store.keyHolder(key).map(Optional::isPresent);
  }

  public Future<Optional<M>> find(String id) {
    return store.byId(table, id);
  }

  /** Recorded under its key, refused or to be started; a request that raced it under the key is answered by it. */
  private Future<Outcome<M>> admit(Request request, String hash) {
    Optional<OutcomeCode> refusal = FundsIds.refusal(request.wallet(), request.amount());
    M movement = kind.recorded(request.wallet(), request.amount(), request.instrument(), gateway.name(), refusal);
    return store.insert(table, movement, request.key(), hash).compose(inserted -> inserted.isPresent()
      ? started(inserted.get(), request)
      : raced(request, hash));
  }

  /** A movement refused at the request is recorded failed and goes no further: nothing held, the gateway not asked. */
  private Future<Outcome<M>> started(M movement, Request request) {
    Future<M> begun = movement.status().phase() == Phase.FAILED ? Future.succeededFuture(movement)
      : start(movement, Optional.of(request.limits()));
    return begun.map(now -> answer(now, false));
  }

  /** Another request took the key between the look-up and the insert, for a movement of either kind. */
  private Future<Outcome<M>> raced(Request request, String hash) {
    return answeredBefore(request, hash).map(earlier -> earlier.orElseThrow(() -> new IllegalStateException(
      noun + " of wallet " + request.wallet().id().value() + ": its insert found its key taken, and no movement has it")));
  }

  /**
   * A movement left preparing (the first step's answer was lost) is finished by the retry that finds
   * it, with the limit checks decided for the retry: until 2026-12-06 a retry placed the hold with
   * none, and a withdrawal whose first hold never reached Redis was paid out past its owner's limits.
   */
  private Future<Outcome<M>> replay(FundsStore.Stored<M> earlier, Request retry, String hash) {
    if (!earlier.requestHash().equals(hash)) {
      return Future.succeededFuture(Outcome.refused(OutcomeCode.IDEMPOTENCY_KEY_REUSED));
    }
    M movement = earlier.value();
    Future<M> current = movement.status().phase() == Phase.PREPARING ? start(movement, Optional.of(retry.limits()))
      : Future.succeededFuture(movement);
    return current.map(settled -> answer(settled, true));
  }

  private Outcome<M> answer(M movement, boolean replayed) {
    OutcomeCode code = kind.refusal(movement).orElse(replayed ? kind.replayed() : OutcomeCode.PENDING);
    return new Outcome<>(code, movement, replayed);
  }

  private String canonical(Request request) {
    return String.join("|", noun, request.wallet().id().value(), Long.toString(request.amount().minor()),
      request.amount().currencyCode(), request.instrument().type(), request.instrument().account().orElse(""));
  }

  /**
   * The money core's first step if the kind has one, then the gateway is asked. {@code limits}: the
   * checks decided for the request that starts it; without a request (the reconciler), the kind
   * decides them.
   */
  private Future<M> start(M movement, Optional<List<LimitCheck>> limits) {
    if (movement.status().phase() != Phase.PREPARING) {
      return askUnlessAsked(movement);
    }
    return kind.prepare(movement, limits).compose(prepared -> step(movement, prepared))
      .compose(this::askUnlessAsked);
  }

  private Future<M> askUnlessAsked(M movement) {
    return acknowledged(movement) ? Future.succeededFuture(movement) : ask(movement, true);
  }

  /**
   * Whether the gateway has shown it has the movement: it acknowledged it, or answered about it
   * when asked; either way its reference is recorded. (A deposit stays pending when acknowledged,
   * so its reference alone tells.)
   */
  private boolean acknowledged(M movement) {
    return movement.status() != transitions.unacknowledged() || movement.gatewayRef().isPresent();
  }

  /**
   * Never fails: without an answer the movement stays as it is and the reconciler asks again. A
   * refusal outright is the gateway's word that it took nothing, as a decline is (until 2026-12-06 it
   * was taken for no answer, asked again every round, and a withdrawal's hold stayed for good).
   */
  /**
   * {@code firstAsking}: the gateway cannot have the movement yet (its first step was just taken),
   * as opposed to asking again one it said it does not know, which a first asking that timed out may
   * still bring it. A movement not to be asked ({@link GatewayMovementKind#notToBeAsked}) then fails
   * as declined the first time, and is left as it is otherwise: failed, its money released, it could
   * still be paid out by the gateway.
   */
  private Future<M> ask(M movement, boolean firstAsking) {
    return kind.notToBeAsked(movement).transform(checked -> {
      if (checked.failed()) {
        LOG.warn("{} {}: not asked of gateway {} this time, whether it may be could not be read: {}", noun,
          movement.id(), gateway.name(), checked.cause().toString());
        return Future.succeededFuture(movement);
      }
      if (checked.result().isEmpty()) {
        return askGateway(movement);
      }
      return firstAsking ? notSent(movement, checked.result().get()) : notAskedAgain(movement, checked.result().get());
    });
  }

  /**
   * Left as it is, its money held, until it may be asked again (the wallet reactivated) or the gateway
   * says what became of a first asking; counted in the oldest unsettled movement meanwhile
   * ({@code WalletGatewayMovementUnsettledLong}).
   */
  private Future<M> notAskedAgain(M movement, String why) {
    LOG.warn("{} {}: not asked of gateway {} again ({}); not failed either, as the gateway may yet have the first "
      + "asking: it waits", noun, movement.id(), gateway.name(), why);
    return Future.succeededFuture(movement);
  }

  private Future<M> askGateway(M movement) {
    return kind.ask(gateway, new GatewayRequest(movement.id(), movement.amount(), movement.instrument()))
      .transform(asked -> {
        if (asked.succeeded()) {
          return recordAcknowledged(movement, asked.result().gatewayRef());
        }
        if (asked.cause() instanceof GatewayRefusedException refused) {
          return refusedOutright(movement, refused);
        }
        LOG.warn("{} {}: no answer from gateway {} ({}); it will be asked again", noun, movement.id(),
          gateway.name(), asked.cause().toString());
        return Future.succeededFuture(movement);
      })
      .recover(failure -> {
        LOG.warn("{} {}: not settled yet, the reconciler goes on with it: {}", noun, movement.id(), failure.toString());
        return Future.succeededFuture(movement);
      });
  }

  /**
   * A movement the gateway cannot have and is not to be asked for ({@link GatewayMovementKind#notToBeAsked}):
   * failed as declined, as one the gateway refused outright is, and driven on (a withdrawal's hold released).
   */
  private Future<M> notSent(M movement, String why) {
    LOG.warn("{} {}: not asked of gateway {}, so it fails as declined: {}", noun, movement.id(), gateway.name(), why);
    return declinedUnacknowledged(movement, why);
  }

  /** Failed as declined and driven on, only while no acknowledgement of the gateway was recorded. */
  private Future<M> declinedUnacknowledged(M movement, String reason) {
    return counted(movement, transitions.declined(), store.moveUnacknowledged(store.client(), table, movement,
        transitions.unacknowledged(), transitions.declined(), Changes.failure(reason)))
      .compose(moved -> moved.isPresent() ? drive(moved.get()) : current(movement.id()));
  }

  /**
   * Failed as declined, and its hold released, only while the gateway has not acknowledged it: one
   * another edge recorded an acknowledgement of meanwhile is not failed on a refusal (a gateway that
   * refuses a reference it holds). Counted and logged as a warning: a run of refusals may be the
   * wallet's own requests gone wrong (wallet_gateway_refusals_total). The gateway's words are in the
   * log, not in what the customer reads.
   */
  private Future<M> refusedOutright(M movement, GatewayRefusedException refused) {
    refusals().increment();
    LOG.warn("{} {}: gateway {} refused it outright, so it fails as declined: {}", noun, movement.id(),
      gateway.name(), refused.getMessage());
    return declinedUnacknowledged(movement, "refused by the gateway (" + refused.status() + ")");
  }

  // ------------------------------------------------------------------ the gateway's word

  private Future<M> recordAcknowledged(M movement, String gatewayRef) {
    return move(store.client(), movement, Set.of(transitions.unacknowledged()), transitions.acknowledged(),
      Changes.gatewayRef(Optional.of(gatewayRef)))
      .map(recorded -> recorded.orElse(movement));
  }

  /** A signed webhook event about a movement of this kind: applied at most once, then driven to its end. */
  Future<EventResult> onEvent(GatewayEvent event, String body) {
    return record(event, body).compose(result -> driveCurrent(event.reference()).map(result));
  }

  /**
   * An event recorded at most once per id, with the state change it causes, in one transaction; the
   * movement is left for the caller to drive (or for the reconciler, which drives every movement
   * left part-way).
   */
  Future<EventResult> record(GatewayEvent event, String body) {
    return store.byId(table, event.reference())
      .map(found -> applicable(found, event))
      .compose(movement -> store.inTransaction(conn -> store.record(conn, gateway.name(), event, body)
        .compose(isNew -> isNew ? judge(conn, movement, Verdict.of(event)).map(EventResult.APPLIED)
          : Future.succeededFuture(EventResult.DUPLICATE))));
  }

  private M applicable(Optional<M> found, GatewayEvent event) {
    M movement = found.orElseThrow(() -> new EventRefusedException(EventRefusedException.Reason.UNKNOWN_REFERENCE,
      "no " + noun + " " + event.reference()));
    if (movedOtherThanAsked(movement, event)) {
      throw new EventRefusedException(EventRefusedException.Reason.MISMATCH, "event " + event.id() + " says "
        + event.amount() + ", " + noun + " " + movement.id() + " is " + movement.amount());
    }
    Phase phase = movement.status().phase();
    boolean ahead = Verdict.of(event).kind() == Verdict.Kind.REVERSED ? transitions.reversalTooEarly().contains(phase)
      : phase == Phase.PREPARING;
    if (ahead) {
      throw new EventRefusedException(EventRefusedException.Reason.NOT_YET, noun + " " + movement.id()
        + " is " + movement.status() + "; send the event again later");
    }
    return movement;
  }

  /**
   * A success or a reversal for another amount than the movement's; a decline moved nothing, whatever
   * amount it names, as when the gateway is asked ({@link #movedOtherThanAsked(Money, GatewayStatus)}).
   * Until 2026-12-07 a decline's webhook for another amount was refused 400, and the movement waited
   * for the reconciler's question (WebhooksApiTest.aDeclineForAnotherAmountIsADecline); one naming 0
   * was refused by the webhook schema until the same day, which now lets a decline, and only a decline,
   * name 0 (openapi.yaml, GatewayEvent; WebhooksApiTest.aDeclineMayNameZero).
   */
  private static boolean movedOtherThanAsked(GatewayMovement movement, GatewayEvent event) {
    return Verdict.of(event).kind() != Verdict.Kind.FAILED && !movement.amount().equals(event.amount());
  }

  /** The state transition a verdict causes; a verdict that contradicts an earlier one changes nothing. */
  private Future<Optional<M>> judge(SqlClient client, M movement, Verdict verdict) {
    Future<Optional<M>> moved = switch (verdict.kind()) {
      case SUCCEEDED -> move(client, movement, awaiting, transitions.succeeded(),
        Changes.gatewayRef(verdict.gatewayRef()));
      case FAILED -> move(client, movement, awaiting, transitions.declined(),
        Changes.failure(verdict.reasonOr("declined by the gateway")));
      case REVERSED -> learntOrReversed(client, movement, verdict);
    };
    return moved.compose(result -> result.isPresent() ? Future.succeededFuture(result)
      : current(client, movement.id()).map(now -> {
        changedNothing(now, verdict);
        return result;
      }));
  }

  /**
   * A verdict that moved nothing: a late or repeated word is noted; one that says the opposite of
   * how the movement ended (paid after it was declined and its money given back, declined after
   * the money moved) means the gateway and the wallet disagree about money, which no retry settles
   * (a movement taken back, or failed by the wallet's own refusal after the gateway's success, agrees
   * with either word):
   * an error, counted (wallet_gateway_contradictions_total) and alerted on. Until 2026-12-06 it was
   * logged as information and counted as applied.
   */
  private void changedNothing(M movement, Verdict verdict) {
    Phase phase = movement.status().phase();
    // a movement the gateway took back ends with the money where a decline leaves it: a late
    // success or failure of it does not disagree about money
    boolean reversed = movement.reversalLearnt().isPresent() || phase == Phase.REVERSING || phase == Phase.REVERSED;
    boolean moved = phase == Phase.APPLYING || phase == Phase.COMPLETED;
    boolean declined = (phase == Phase.RELEASING || phase == Phase.FAILED) && !kind.failedAfterSuccess(movement);
    boolean contradicts = !reversed && (verdict.kind() == Verdict.Kind.FAILED ? moved
      : verdict.kind() == Verdict.Kind.SUCCEEDED && declined);
    if (!contradicts) {
      LOG.info("{} {}: gateway verdict {} changes nothing in state {}", noun, movement.id(), verdict.kind(),
        movement.status());
      return;
    }
    contradictions().increment();
    LOG.error("{} {}: gateway {} says {} but the {} is {}: the gateway and the wallet disagree about this money; "
      + "see docs/operations.md#gateway-contradiction", noun, movement.id(), gateway.name(), verdict.kind(), noun,
      movement.status());
  }

  /** Finishes whatever the movement is in the middle of, as it is now. */
  Future<Void> driveCurrent(String id) {
    return current(id).compose(this::drive).mapEmpty();
  }

  /** Finishes whatever a movement is in the middle of; safe to call again at any time. */
  Future<M> drive(M movement) {
    return switch (movement.status().phase()) {
      case PREPARING -> start(movement, Optional.empty());
      case APPLYING -> applied(movement);
      case RELEASING -> kind.release(movement).compose(released -> step(movement, released));
      case REVERSING -> kind.reverse(movement).compose(reversal -> step(movement, reversal));
      case AWAITING, COMPLETED, FAILED, REVERSED -> Future.succeededFuture(movement);
    };
  }

  /**
   * The gateway's success applied; or, when its reversal was learnt too, applied only as the kind
   * applies a success taken back already ({@link GatewayMovementKind#applyTakenBack}: a deposit's credit
   * is forgone, and the deposit reversed without its money ever reaching the balance), and, if that
   * did apply it, recorded completed and reversing at once and taken back.
   */
  private Future<M> applied(M movement) {
    if (movement.reversalLearnt().isEmpty()) {
      return kind.apply(movement).compose(applied -> step(movement, applied));
    }
    return kind.applyTakenBack(movement).compose(applied -> applied.to().phase() == Phase.COMPLETED
      ? completedAndReversing(movement, applied) : step(movement, applied));
  }

  /**
   * Records where a money-core step left the movement; if another instance got there first, its row;
   * a step that leaves it where it is ({@link Transition#stay}) records nothing.
   * A step that strands money ({@link Transition#strandsMoney}) is an error, counted
   * (wallet_gateway_money_stranded_total) and alerted on, once, by the instance that recorded it.
   */
  private Future<M> step(M movement, Transition transition) {
    if (transition.to() == movement.status()) {
      return Future.succeededFuture(movement);
    }
    return move(store.client(), movement, Set.of(movement.status()), transition.to(), transition.changes())
      .compose(moved -> {
        if (moved.isEmpty()) {
          return current(movement.id());
        }
        if (transition.strandsMoney()) {
          stranded(moved.get(), transition.changes().failureReason().orElse(transition.to().toString()));
        }
        return Future.succeededFuture(moved.get());
      });
  }

  private void stranded(M movement, String reason) {
    stranded().increment();
    LOG.error("{} {} of {}: gateway {} moved its money and the wallet could not take its part ({}); see "
      + "docs/operations.md#gateway-money-stranded", noun, movement.id(), movement.amount(), gateway.name(), reason);
  }

  /** A movement applied whose reversal was learnt before: recorded completed and reversing at once, then reversed. */
  private Future<M> completedAndReversing(M movement, Transition applied) {
    String reason = movement.reversalLearnt().orElseThrow();
    return store.inTransaction(conn -> move(conn, movement, Set.of(movement.status()), applied.to(), applied.changes())
        .compose(done -> done.isEmpty() ? Future.succeededFuture(done)
          : move(conn, done.get(), completed, transitions.reversing(), Changes.failure(reason))))
      .compose(reversing -> reversing.isPresent() ? drive(reversing.get()) : current(movement.id()));
  }

  private Future<M> current(String id) {
    return current(store.client(), id);
  }

  /**
   * Through {@code client}: a webhook's transaction reads with its own connection (until 2026-12-07 it
   * took a second one from the pool, so as many such webhooks at once as the pool has connections
   * each waited for one more, and all of them, with every other use of the pool, timed out).
   */
  private Future<M> current(SqlClient client, String id) {
    return store.byId(client, table, id).map(Optional::orElseThrow);
  }

  private Future<Optional<M>> move(SqlClient client, M movement, Set<MovementStatus> from, MovementStatus to,
                                   Changes changes) {
    return counted(movement, to, store.move(client, table, movement, from, to, changes));
  }

  private Future<Optional<M>> counted(M movement, MovementStatus to, Future<Optional<M>> moving) {
    return moving.onSuccess(moved -> moved
      .filter(row -> row.status() != movement.status())
      .ifPresent(row -> meters.counter("wallet_" + noun + "s_total", "status", to.column()).increment()));
  }

  // ------------------------------------------------------------------ reconciliation

  /**
   * Movements unchanged for {@code staleAfterMs}: asked about at the gateway, or driven to their end;
   * none once {@code moneyHalted} says so (those claimed are stale again later).
   */
  Future<Integer> reconcile(long staleAfterMs, int batch, BooleanSupplier moneyHalted) {
    return store.claimStale(table, unsettled, staleAfterMs, batch).compose(stale ->
      Sequential.forEach(stale, movement -> moneyHalted.getAsBoolean() ? Future.succeededFuture()
        : reconcileOne(movement)).map(stale.size()))
      .compose(seen -> oldestUnsettled().map(seen));
  }

  /**
   * A round succeeds on a movement it takes no step further by design: a payout the gateway keeps
   * "pending", a chargeback waiting for money held in its wallet. Until 2026-12-07 nothing said how
   * long such money had waited ({@code WalletGatewayMovementUnsettledLong} alerts on this).
   */
  private Future<Void> oldestUnsettled() {
    return store.oldestAskedFor(table, gateway.name(), unsettled).map(oldest -> {
      oldestUnsettled = oldest;
      return null;
    });
  }

  private Future<Void> reconcileOne(M movement) {
    Future<M> done = movement.status().phase() == Phase.AWAITING ? askAbout(movement) : drive(movement);
    return done.<Void>mapEmpty().recover(failure -> {
      unsettledRounds().increment();
      LOG.warn("{} {} ({}): not settled yet, will try again: {}", noun, movement.id(), movement.status(),
        failure.toString());
      return Future.succeededFuture();
    });
  }

  /**
   * A movement the gateway never gave a verdict on: what does it say now? One it never acknowledged
   * and does not know is asked again, idempotent on the id. One it acknowledged and no longer knows is
   * not: the gateway's idempotency on the id may have forgotten it too, and asked again it could
   * collect or pay out a second time (until 2026-12-06 it was asked again). An answer about one whose
   * acknowledgement was lost (a timeout, a 504) is its acknowledgement: recorded first.
   */
  private Future<M> askAbout(M movement) {
    return gateway.status(movement.id()).compose(status -> {
      if (status.state() == GatewayStatus.State.UNKNOWN) {
        return acknowledged(movement) ? forgotten(movement) : ask(movement, false);
      }
      return knownTo(movement, status).compose(known -> judgeAnswer(known, status));
    });
  }

  /**
   * The movement, its acknowledgement recorded if the gateway's answer is the first sign that it has
   * it. A verdict without the gateway's reference is applied all the same (it ends the waiting); a
   * "pending" without it acknowledges nothing, and is an error counted with the contradictions.
   */
  private Future<M> knownTo(M movement, GatewayStatus status) {
    if (acknowledged(movement)) {
      return Future.succeededFuture(movement);
    }
    if (status.gatewayRef().isPresent()) {
      return recordAcknowledged(movement, status.gatewayRef().get());
    }
    if (status.state() == GatewayStatus.State.PENDING) {
      contradictions().increment();
      LOG.error("{} {}: gateway {} says it has it (pending) but gives no reference of its own; not acknowledged; see "
        + "docs/operations.md#gateway-contradiction", noun, movement.id(), gateway.name());
    }
    return Future.succeededFuture(movement);
  }

  private Future<M> judgeAnswer(M movement, GatewayStatus status) {
    if (movedOtherThanAsked(movement.amount(), status)) {
      return disagreesAboutTheAmount(movement, status);
    }
    return Verdict.of(status).map(verdict -> follow(movement, verdict))
      .orElse(Future.succeededFuture(movement));
  }

  /**
   * Whether the gateway says money moved (succeeded, or succeeded and reversed) for another amount
   * than the movement's. A decline or a pending answer moved nothing, whatever amount it names (a
   * gateway may give 0 or a part for those).
   */
  static boolean movedOtherThanAsked(Money asked, GatewayStatus status) {
    boolean moved = status.state() == GatewayStatus.State.SUCCEEDED || status.state() == GatewayStatus.State.REVERSED;
    return moved && status.amount().filter(amount -> !amount.equals(asked)).isPresent();
  }

  /**
   * The gateway says it moved another amount under the movement's reference than the wallet asked:
   * its verdict is not applied, as its webhook with that amount is refused (400), and the movement
   * waits for an operator; an error, counted with the contradictions and alerted on. Until
   * 2026-12-06 the answer's amount was not read, and the movement was applied for the amount asked.
   */
  private Future<M> disagreesAboutTheAmount(M movement, GatewayStatus status) {
    contradictions().increment();
    LOG.error("{} {}: gateway {} says it moved {} ({}) where the wallet asked {}: nothing applied; see "
      + "docs/operations.md#gateway-contradiction", noun, movement.id(), gateway.name(), status.amount().orElseThrow(),
      status.state(), movement.amount());
    return Future.succeededFuture(movement);
  }

  /** An event of the gateway's feed refused for good (see {@link Funds#refusedFromFeed}): counted with the contradictions. */
  void contradicts(GatewayEvent event, EventRefusedException refusal) {
    contradictions().increment();
    LOG.error("gateway {} feed: event {} ({}) cannot be applied, and is read past: {}; see "
      + "docs/operations.md#gateway-contradiction",
      gateway.name(), event.id(), event.type().wire(), refusal.getMessage());
  }

  /**
   * The gateway says it does not know a movement it acknowledged: nothing is applied or asked again,
   * and the movement waits for an operator, asked about again each round in case the gateway finds it;
   * an error, counted with the contradictions and alerted on.
   */
  private Future<M> forgotten(M movement) {
    contradictions().increment();
    LOG.error("{} {}: gateway {} acknowledged it ({}) and now says it does not know it: not asked again, nothing "
      + "applied; see docs/operations.md#gateway-contradiction", noun, movement.id(), gateway.name(),
      movement.gatewayRef().orElse("no gateway reference"));
    return Future.succeededFuture(movement);
  }

  /** A verdict learnt by asking; if someone else moved the movement meanwhile, it is driven from where it is now. */
  private Future<M> follow(M movement, Verdict verdict) {
    return judge(store.client(), movement, verdict)
      .compose(moved -> moved.isPresent() ? drive(moved.get()) : afterOthers(movement, verdict));
  }

  /**
   * A reversal takes a completed movement back. One that comes before the success it implies (asked
   * of the gateway, or its webhook ahead of the success's) is both verdicts at once: the movement is
   * applied as its kind applies a success taken back already (a deposit's credit forgone; a payout's
   * hold settled, then its return credited). The reversal is written with the first step, so that a failure before
   * the second, or a webhook driving the same row, cannot drop it (until 2026-12-06 both could, and the
   * row ended completed; and a reversal webhook ahead of its success was refused 503 for the gateway
   * to send again, lost once the gateway stopped trying). The earlier phases are tried first: a row
   * that moves on between the two conditional moves is met by the second.
   */
  private Future<Optional<M>> learntOrReversed(SqlClient client, M movement, Verdict reversal) {
    String reason = reversal.reasonOr(transitions.reversalReason());
    return move(client, movement, awaitingOrApplying, transitions.succeeded(),
        Changes.succeededThenReversed(reversal.gatewayRef(), reason))
      .compose(learnt -> learnt.isPresent() ? Future.succeededFuture(learnt)
        : move(client, movement, completed, transitions.reversing(), Changes.failure(reason)));
  }

  /** A reversal found the movement completed by a webhook that raced it: taken back from there. */
  private Future<M> afterOthers(M movement, Verdict verdict) {
    return current(movement.id()).compose(now -> verdict.kind() == Verdict.Kind.REVERSED
      && now.status().phase() == Phase.COMPLETED
      ? judge(store.client(), now, verdict).compose(moved -> drive(moved.orElse(now)))
      : drive(now));
  }

  private static Set<MovementStatus> statesWhere(FundsStore.Table<?> table, Predicate<Phase> phase) {
    return table.states().stream().filter(state -> phase.test(state.phase())).collect(Collectors.toUnmodifiableSet());
  }
}
