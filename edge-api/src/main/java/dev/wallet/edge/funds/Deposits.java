package dev.wallet.edge.funds;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Sha256;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.GatewayRequest;
import dev.wallet.edge.gateway.GatewayStatus;
import dev.wallet.edge.gateway.Instrument;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlClient;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deposits: recorded pending, asked of the gateway, credited once when the gateway confirms.
 *
 * <p>"Once" rests on three things: the gateway's event id is recorded in the same transaction as
 * the state change it causes (primary key: a repeated event changes nothing); the state moves
 * pending → crediting only once (a conditional UPDATE); and the credit itself goes to the money
 * core under an idempotency key derived from the deposit id, with the deposit id as the posting's
 * id, so driving it again after a crash replays instead of paying twice.
 */
public final class Deposits {

  private static final Logger LOG = LoggerFactory.getLogger(Deposits.class);
  private static final Set<Deposit.Status> UNSETTLED =
    EnumSet.of(Deposit.Status.PENDING, Deposit.Status.CREDITING, Deposit.Status.REVERSING);

  private final BalanceCache cache;
  private final FundsStore store;
  private final Gateway gateway;
  private final MeterRegistry meters;

  Deposits(BalanceCache cache, FundsStore store, Gateway gateway, MeterRegistry meters) {
    this.cache = cache;
    this.store = store;
    this.gateway = gateway;
    this.meters = meters;
  }

  /** A client's request, for a wallet whose owner the caller was checked to be. */
  public record NewDeposit(Wallet wallet, Money amount, Instrument source, IdempotencyKey key) {
  }

  /**
   * PENDING with the new deposit; OK with an earlier one when the key was used before for the same
   * request (replayed); or a refusal (currency, inactive wallet, key reused).
   */
  public Future<Outcome<Deposit>> create(NewDeposit request) {
    String hash = Sha256.hex(Deposit.canonical(request.wallet().id(), request.amount(), request.source()));
    return store.deposit(request.key()).compose(earlier -> earlier.isPresent()
      ? Future.succeededFuture(replay(earlier.get(), hash))
      : admit(request, hash));
  }

  public Future<Optional<Deposit>> find(String id) {
    return store.deposit(id);
  }

  private Future<Outcome<Deposit>> admit(NewDeposit request, String hash) {
    Optional<OutcomeCode> refusal = FundsIds.refusal(request.wallet(), request.amount());
    if (refusal.isPresent()) {
      return Future.succeededFuture(Outcome.refused(refusal.get()));
    }
    Deposit deposit = new Deposit(FundsIds.deposit(request.wallet().id()), request.wallet().id(),
      request.wallet().ownerId(), request.amount(), request.source(), gateway.name(), Deposit.Status.PENDING,
      Optional.empty(), Optional.empty(), Optional.empty(), Instant.now());
    return store.insert(deposit, request.key(), hash).compose(inserted -> inserted.isPresent()
      ? askGateway(inserted.get()).map(asked -> new Outcome<>(OutcomeCode.PENDING, asked, false))
      : store.deposit(request.key()).map(raced -> replay(raced.orElseThrow(), hash)));
  }

  private static Outcome<Deposit> replay(FundsStore.Stored<Deposit> earlier, String hash) {
    if (!earlier.requestHash().equals(hash)) {
      return Outcome.refused(OutcomeCode.IDEMPOTENCY_KEY_REUSED);
    }
    return new Outcome<>(OutcomeCode.OK, earlier.value(), true);
  }

  /** Never fails: without an answer the deposit stays pending and the reconciler asks again. */
  private Future<Deposit> askGateway(Deposit deposit) {
    return gateway.collect(new GatewayRequest(deposit.id(), deposit.amount(), deposit.source()))
      .compose(ack -> move(store.client(), deposit, Set.of(Deposit.Status.PENDING), Deposit.Status.PENDING,
        Changes.gatewayRef(Optional.ofNullable(ack.gatewayRef()))))
      .map(recorded -> recorded.orElse(deposit))
      .recover(failure -> {
        LOG.warn("deposit {}: no answer from gateway {} ({}); it will be asked again", deposit.id(), gateway.name(),
          failure.toString());
        return Future.succeededFuture(deposit);
      });
  }

  // ------------------------------------------------------------------ the gateway's word

  /** A signed webhook event about a deposit: recorded and applied at most once, then driven to its end. */
  Future<EventResult> onEvent(GatewayEvent event, String body) {
    return store.deposit(event.reference())
      .map(found -> applicable(found, event))
      .compose(deposit -> store.inTransaction(conn -> store.record(conn, gateway.name(), event, body)
          .compose(isNew -> isNew ? judge(conn, deposit, Verdict.of(event)).map(EventResult.APPLIED)
            : Future.succeededFuture(EventResult.DUPLICATE)))
        .compose(result -> driveCurrent(deposit.id()).map(result)));
  }

  private static Deposit applicable(Optional<Deposit> found, GatewayEvent event) {
    Deposit deposit = found.orElseThrow(() -> new EventRefusedException(EventRefusedException.Reason.UNKNOWN_REFERENCE,
      "no deposit " + event.reference()));
    if (!deposit.amount().equals(event.amount())) {
      throw new EventRefusedException(EventRefusedException.Reason.MISMATCH, "event " + event.id() + " says "
        + event.amount() + ", deposit " + deposit.id() + " is " + deposit.amount());
    }
    boolean reversalTooEarly = event.type() == GatewayEvent.Type.DEPOSIT_REVERSED
      && EnumSet.of(Deposit.Status.PENDING, Deposit.Status.CREDITING).contains(deposit.status());
    if (reversalTooEarly) {
      throw new EventRefusedException(EventRefusedException.Reason.NOT_YET, "deposit " + deposit.id()
        + " is not credited yet; send the reversal again later");
    }
    return deposit;
  }

  /** The state transition a verdict causes; a verdict that contradicts an earlier one changes nothing. */
  private Future<Optional<Deposit>> judge(SqlClient client, Deposit deposit, Verdict verdict) {
    Future<Optional<Deposit>> moved = switch (verdict.kind()) {
      case SUCCEEDED -> move(client, deposit, Set.of(Deposit.Status.PENDING), Deposit.Status.CREDITING,
        Changes.gatewayRef(verdict.gatewayRef()));
      case FAILED -> move(client, deposit, Set.of(Deposit.Status.PENDING), Deposit.Status.FAILED,
        Changes.failure(verdict.reasonOr("declined by the gateway")));
      case REVERSED -> move(client, deposit, Set.of(Deposit.Status.COMPLETED), Deposit.Status.REVERSING,
        Changes.failure(verdict.reasonOr("reversed by the gateway")));
    };
    return moved.onSuccess(result -> {
      if (result.isEmpty()) {
        LOG.info("deposit {}: gateway verdict {} changes nothing in state {}", deposit.id(), verdict.kind(),
          deposit.status());
      }
    });
  }

  private Future<Void> driveCurrent(String id) {
    return store.deposit(id).compose(current -> drive(current.orElseThrow())).mapEmpty();
  }

  /** Finishes whatever a deposit is in the middle of; safe to call again at any time. */
  Future<Deposit> drive(Deposit deposit) {
    return switch (deposit.status()) {
      case CREDITING -> credit(deposit);
      case REVERSING -> takeBack(deposit);
      default -> Future.succeededFuture(deposit);
    };
  }

  private Future<Deposit> credit(Deposit deposit) {
    Credit command = new Credit(deposit.wallet(), deposit.amount(), clearing(deposit), PostingType.DEPOSIT,
      deposit.id(), moneyCoreKey(deposit, "deposit"));
    return cache.credit(command).compose(outcome -> outcome.code() == OutcomeCode.OK
      ? settle(deposit, Set.of(Deposit.Status.CREDITING), Deposit.Status.COMPLETED, Changes.none())
      : creditRefused(deposit, outcome.code()));
  }

  /** The gateway has the money but the wallet cannot take it (e.g. frozen since): someone must send it back. */
  private Future<Deposit> creditRefused(Deposit deposit, OutcomeCode code) {
    LOG.warn("deposit {}: the gateway confirmed it but the money core refused the credit ({}); it is failed and "
      + "gateway {} must return the money", deposit.id(), code, deposit.gateway());
    return settle(deposit, Set.of(Deposit.Status.CREDITING), Deposit.Status.FAILED,
      Changes.failure("credit refused: " + code.name().toLowerCase(java.util.Locale.ROOT)));
  }

  /**
   * A chargeback: the gateway took the money back, so the wallet gives it back to the gateway's
   * clearing account (a hold, settled at once). A wallet that no longer has it is frozen and the
   * deposit marked unrecovered, for the risk team; balances never go negative.
   */
  private Future<Deposit> takeBack(Deposit deposit) {
    PlaceHold hold = new PlaceHold(deposit.wallet(), deposit.amount(), deposit.ownerId(), deposit.id() + ".chargeback",
      moneyCoreKey(deposit, "chargeback"));
    return cache.placeHold(hold).compose(held -> held.code() == OutcomeCode.OK
      ? cache.settleHold(held.value().id(), clearing(deposit)).compose(settled -> reversed(deposit, settled))
      : unrecovered(deposit, held.code()));
  }

  private Future<Deposit> reversed(Deposit deposit, Outcome<HoldView> settled) {
    if (settled.code() != OutcomeCode.OK || settled.value().status() != HoldView.HoldStatus.SETTLED) {
      return Future.failedFuture(new IllegalStateException("deposit " + deposit.id()
        + ": the chargeback hold could not be settled: " + settled.code()));
    }
    return settle(deposit, Set.of(Deposit.Status.REVERSING), Deposit.Status.REVERSED,
      Changes.hold(settled.value().id()));
  }

  private Future<Deposit> unrecovered(Deposit deposit, OutcomeCode code) {
    LOG.warn("deposit {}: chargeback of {} not recoverable from wallet {} ({}); freezing the wallet for review",
      deposit.id(), deposit.amount(), deposit.wallet(), code);
    return cache.setStatus(deposit.wallet(), WalletStatus.FROZEN, "chargeback " + deposit.id() + " unrecovered")
      .compose(frozen -> settle(deposit, Set.of(Deposit.Status.REVERSING), Deposit.Status.REVERSAL_UNRECOVERED,
        Changes.failure("chargeback unrecovered: " + code.name().toLowerCase(java.util.Locale.ROOT))));
  }

  private Future<Deposit> settle(Deposit deposit, Set<Deposit.Status> from, Deposit.Status to, Changes changes) {
    return move(store.client(), deposit, from, to, changes).compose(moved -> moved.isPresent()
      ? Future.succeededFuture(moved.get())
      : store.deposit(deposit.id()).map(Optional::orElseThrow));
  }

  private Future<Optional<Deposit>> move(SqlClient client, Deposit deposit, Set<Deposit.Status> from,
                                         Deposit.Status to, Changes changes) {
    return store.move(client, deposit, from, to, changes).onSuccess(moved -> moved
      .filter(row -> row.status() != deposit.status())
      .ifPresent(row -> meters.counter("wallet_deposits_total", "status", to.column()).increment()));
  }

  // ------------------------------------------------------------------ reconciliation

  /** Deposits unchanged for {@code staleAfterMs}: asked about at the gateway, or driven to their end. */
  Future<Integer> reconcile(long staleAfterMs, int batch) {
    return store.claimStaleDeposits(UNSETTLED, staleAfterMs, batch).compose(stale ->
      Sequential.forEach(stale, this::reconcileOne).map(stale.size()));
  }

  private Future<Void> reconcileOne(Deposit deposit) {
    Future<Deposit> done = deposit.status() == Deposit.Status.PENDING ? askAbout(deposit) : drive(deposit);
    return done.<Void>mapEmpty().recover(failure -> {
      LOG.warn("deposit {} ({}): not settled yet, will try again: {}", deposit.id(), deposit.status(),
        failure.toString());
      return Future.succeededFuture();
    });
  }

  /** A deposit the gateway never confirmed: what does it say now? */
  private Future<Deposit> askAbout(Deposit deposit) {
    return gateway.status(deposit.id()).compose(status -> {
      if (status.state() == GatewayStatus.State.UNKNOWN) {
        return askGateway(deposit);
      }
      return Verdict.of(status).map(verdict -> follow(deposit, verdict)).orElse(Future.succeededFuture(deposit));
    });
  }

  /** A reversal learnt by asking is both verdicts at once: credited first, then taken back. */
  private Future<Deposit> follow(Deposit deposit, Verdict verdict) {
    if (verdict.kind() != Verdict.Kind.REVERSED) {
      return judge(store.client(), deposit, verdict).compose(moved -> drive(moved.orElse(deposit)));
    }
    return follow(deposit, verdict.as(Verdict.Kind.SUCCEEDED))
      .compose(credited -> judge(store.client(), credited, verdict))
      .compose(moved -> moved.isPresent() ? drive(moved.get()) : Future.succeededFuture(deposit));
  }

  private static SystemAccount clearing(Deposit deposit) {
    return SystemAccount.clearing(deposit.gateway(), deposit.amount().currency());
  }

  /** Scoped to the gateway and derived from the deposit, so any instance driving it again replays. */
  private static IdempotencyKey moneyCoreKey(Deposit deposit, String step) {
    return new IdempotencyKey("gateway." + deposit.gateway(), step + ":" + deposit.id());
  }
}
