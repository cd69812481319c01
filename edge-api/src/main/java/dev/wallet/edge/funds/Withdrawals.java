package dev.wallet.edge.funds;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.async.Sequential;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.command.PlaceHold;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.HoldView;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Sha256;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.Wallet;
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
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Withdrawals: the amount is held (available → held) before the gateway is asked to pay it out;
 * the gateway's answer settles the hold to its clearing account (paid) or releases it back
 * (declined). A hold never leaks: a withdrawal without an answer is asked about at the gateway
 * until it has one, and resubmitted (idempotent on the withdrawal id) when the gateway never got
 * it. A hold is released only on the gateway's word that it did not pay.
 */
public final class Withdrawals {

  private static final Logger LOG = LoggerFactory.getLogger(Withdrawals.class);
  private static final String HOLD_REFUSED = "hold_refused:";
  private static final Set<Withdrawal.Status> AWAITING_GATEWAY =
    EnumSet.of(Withdrawal.Status.HELD, Withdrawal.Status.SUBMITTED);
  private static final Set<Withdrawal.Status> UNSETTLED = EnumSet.of(Withdrawal.Status.HOLDING,
    Withdrawal.Status.HELD, Withdrawal.Status.SUBMITTED, Withdrawal.Status.SETTLING, Withdrawal.Status.RELEASING,
    Withdrawal.Status.RETURNING);

  private final BalanceCache cache;
  private final FundsStore store;
  private final Gateway gateway;
  private final MeterRegistry meters;

  Withdrawals(BalanceCache cache, FundsStore store, Gateway gateway, MeterRegistry meters) {
    this.cache = cache;
    this.store = store;
    this.gateway = gateway;
    this.meters = meters;
  }

  /** A client's request, for a wallet whose owner the caller was checked to be. */
  public record NewWithdrawal(Wallet wallet, Money amount, Instrument destination, IdempotencyKey key,
                              List<LimitCheck> limits) {
    public NewWithdrawal {
      limits = List.copyOf(limits);
    }
  }

  /**
   * PENDING with the withdrawal once its amount is held; the hold's refusal (insufficient funds,
   * inactive wallet, currency) with the failed withdrawal; a replay of either under the same key.
   */
  public Future<Outcome<Withdrawal>> create(NewWithdrawal request) {
    String hash = Sha256.hex(Withdrawal.canonical(request.wallet().id(), request.amount(), request.destination()));
    return store.withdrawal(request.key()).compose(earlier -> earlier.isPresent()
      ? replay(earlier.get(), hash)
      : admit(request, hash));
  }

  public Future<Optional<Withdrawal>> find(String id) {
    return store.withdrawal(id);
  }

  private Future<Outcome<Withdrawal>> admit(NewWithdrawal request, String hash) {
    Optional<OutcomeCode> refusal = FundsIds.refusal(request.wallet(), request.amount());
    if (refusal.isPresent()) {
      return Future.succeededFuture(Outcome.refused(refusal.get()));
    }
    Withdrawal withdrawal = new Withdrawal(FundsIds.withdrawal(request.wallet().id()), request.wallet().id(),
      request.wallet().ownerId(), request.amount(), request.destination(), gateway.name(), Withdrawal.Status.HOLDING,
      Optional.empty(), Optional.empty(), Optional.empty(), Instant.now());
    return store.insert(withdrawal, request.key(), hash).compose(inserted -> inserted.isPresent()
      ? holdThenAsk(inserted.get(), request.limits()).map(held -> answer(held, false))
      : store.withdrawal(request.key()).compose(raced -> replay(raced.orElseThrow(), hash)));
  }

  /** A withdrawal left in HOLDING (the hold's answer was lost) is finished by the retry that finds it. */
  private Future<Outcome<Withdrawal>> replay(FundsStore.Stored<Withdrawal> earlier, String hash) {
    if (!earlier.requestHash().equals(hash)) {
      return Future.succeededFuture(Outcome.refused(OutcomeCode.IDEMPOTENCY_KEY_REUSED));
    }
    Withdrawal withdrawal = earlier.value();
    Future<Withdrawal> current = withdrawal.status() == Withdrawal.Status.HOLDING ? holdThenAsk(withdrawal, List.of())
      : Future.succeededFuture(withdrawal);
    return current.map(settled -> answer(settled, true));
  }

  private static Outcome<Withdrawal> answer(Withdrawal withdrawal, boolean replayed) {
    Optional<OutcomeCode> refused = withdrawal.failureReason().filter(reason -> reason.startsWith(HOLD_REFUSED))
      .map(reason -> OutcomeCode.valueOf(reason.substring(HOLD_REFUSED.length()).toUpperCase(Locale.ROOT)));
    return new Outcome<>(refused.orElse(OutcomeCode.PENDING), withdrawal, replayed);
  }

  /**
   * The limit checks travel with the first attempt only: a retry (replay, reconciler) finds the
   * first attempt's outcome under the same key, or places a hold whose request never reached Redis.
   */
  private Future<Withdrawal> holdThenAsk(Withdrawal withdrawal, List<LimitCheck> limits) {
    PlaceHold hold = new PlaceHold(withdrawal.wallet(), withdrawal.amount(), withdrawal.ownerId(), withdrawal.id(),
      new IdempotencyKey("edge.withdrawal", withdrawal.id()), limits);
    return cache.placeHold(hold).compose(held -> held.code() == OutcomeCode.OK
      ? moveOrReread(withdrawal, Set.of(Withdrawal.Status.HOLDING), Withdrawal.Status.HELD,
        Changes.hold(held.value().id())).compose(this::askGateway)
      : moveOrReread(withdrawal, Set.of(Withdrawal.Status.HOLDING), Withdrawal.Status.FAILED,
        Changes.failure(HOLD_REFUSED + held.code().name().toLowerCase(Locale.ROOT))));
  }

  /** Never fails: without an answer the withdrawal stays held and the reconciler asks again. */
  private Future<Withdrawal> askGateway(Withdrawal withdrawal) {
    if (withdrawal.status() != Withdrawal.Status.HELD) {
      return Future.succeededFuture(withdrawal);
    }
    return gateway.payout(new GatewayRequest(withdrawal.id(), withdrawal.amount(), withdrawal.destination()))
      .compose(ack -> move(store.client(), withdrawal, Set.of(Withdrawal.Status.HELD), Withdrawal.Status.SUBMITTED,
        Changes.gatewayRef(Optional.ofNullable(ack.gatewayRef()))))
      .map(submitted -> submitted.orElse(withdrawal))
      .recover(failure -> {
        LOG.warn("withdrawal {}: no answer from gateway {} ({}); it will be asked again", withdrawal.id(),
          gateway.name(), failure.toString());
        return Future.succeededFuture(withdrawal);
      });
  }

  // ------------------------------------------------------------------ the gateway's word

  /** A signed webhook event about a withdrawal: recorded and applied at most once, then driven to its end. */
  Future<EventResult> onEvent(GatewayEvent event, String body) {
    return store.withdrawal(event.reference())
      .map(found -> applicable(found, event))
      .compose(withdrawal -> store.inTransaction(conn -> store.record(conn, gateway.name(), event, body)
          .compose(isNew -> isNew ? judge(conn, withdrawal, Verdict.of(event)).map(EventResult.APPLIED)
            : Future.succeededFuture(EventResult.DUPLICATE)))
        .compose(result -> store.withdrawal(withdrawal.id())
          .compose(current -> drive(current.orElseThrow()))
          .map(result)));
  }

  private static Withdrawal applicable(Optional<Withdrawal> found, GatewayEvent event) {
    Withdrawal withdrawal = found.orElseThrow(() -> new EventRefusedException(
      EventRefusedException.Reason.UNKNOWN_REFERENCE, "no withdrawal " + event.reference()));
    if (!withdrawal.amount().equals(event.amount())) {
      throw new EventRefusedException(EventRefusedException.Reason.MISMATCH, "event " + event.id() + " says "
        + event.amount() + ", withdrawal " + withdrawal.id() + " is " + withdrawal.amount());
    }
    boolean ahead = event.type() == GatewayEvent.Type.PAYOUT_RETURNED
      ? !EnumSet.of(Withdrawal.Status.COMPLETED, Withdrawal.Status.RETURNING, Withdrawal.Status.RETURNED)
        .contains(withdrawal.status())
      : withdrawal.status() == Withdrawal.Status.HOLDING;
    if (ahead) {
      throw new EventRefusedException(EventRefusedException.Reason.NOT_YET, "withdrawal " + withdrawal.id()
        + " is " + withdrawal.status() + "; send the event again later");
    }
    return withdrawal;
  }

  private Future<Optional<Withdrawal>> judge(SqlClient client, Withdrawal withdrawal, Verdict verdict) {
    Future<Optional<Withdrawal>> moved = switch (verdict.kind()) {
      case SUCCEEDED -> move(client, withdrawal, AWAITING_GATEWAY, Withdrawal.Status.SETTLING,
        Changes.gatewayRef(verdict.gatewayRef()));
      case FAILED -> move(client, withdrawal, AWAITING_GATEWAY, Withdrawal.Status.RELEASING,
        Changes.failure(verdict.reasonOr("declined by the gateway")));
      case REVERSED -> move(client, withdrawal, Set.of(Withdrawal.Status.COMPLETED), Withdrawal.Status.RETURNING,
        Changes.failure(verdict.reasonOr("returned by the gateway")));
    };
    return moved.onSuccess(result -> {
      if (result.isEmpty()) {
        LOG.info("withdrawal {}: gateway verdict {} changes nothing in state {}", withdrawal.id(), verdict.kind(),
          withdrawal.status());
      }
    });
  }

  /** Finishes whatever a withdrawal is in the middle of; safe to call again at any time. */
  Future<Withdrawal> drive(Withdrawal withdrawal) {
    return switch (withdrawal.status()) {
      case HOLDING -> holdThenAsk(withdrawal, List.of());
      case SETTLING -> endHold(withdrawal, true);
      case RELEASING -> endHold(withdrawal, false);
      case RETURNING -> creditBack(withdrawal);
      default -> Future.succeededFuture(withdrawal);
    };
  }

  /** Settles the hold to the gateway's clearing account (paid), or releases it to the wallet (declined). */
  private Future<Withdrawal> endHold(Withdrawal withdrawal, boolean paid) {
    HoldId hold = withdrawal.hold().orElseThrow();
    Future<Outcome<HoldView>> ended = paid ? cache.settleHold(hold, clearing(withdrawal)) : cache.releaseHold(hold);
    HoldView.HoldStatus expected = paid ? HoldView.HoldStatus.SETTLED : HoldView.HoldStatus.RELEASED;
    return ended.compose(outcome -> {
      if (outcome.code() != OutcomeCode.OK || outcome.value().status() != expected) {
        return Future.failedFuture(new IllegalStateException("withdrawal " + withdrawal.id() + ": hold " + hold
          + " should be " + expected + " but the money core says " + outcome.code() + " "
          + (outcome.value() == null ? "" : outcome.value().status())));
      }
      return moveOrReread(withdrawal, Set.of(withdrawal.status()), paid ? Withdrawal.Status.COMPLETED
        : Withdrawal.Status.FAILED, Changes.none());
    });
  }

  /** A payout that came back: the money returns from the clearing account to the wallet, once. */
  private Future<Withdrawal> creditBack(Withdrawal withdrawal) {
    Credit command = new Credit(withdrawal.wallet(), withdrawal.amount(), clearing(withdrawal),
      PostingType.WITHDRAWAL_RETURN, withdrawal.id() + ".return",
      new IdempotencyKey("gateway." + withdrawal.gateway(), "return:" + withdrawal.id()));
    return cache.credit(command).compose(outcome -> {
      if (outcome.code() != OutcomeCode.OK) {
        LOG.warn("withdrawal {}: the payout came back but the money core refused to credit it ({}); the money stays "
          + "in clearing.{} for the risk team", withdrawal.id(), outcome.code(), withdrawal.gateway());
      }
      return moveOrReread(withdrawal, Set.of(Withdrawal.Status.RETURNING), Withdrawal.Status.RETURNED,
        outcome.code() == OutcomeCode.OK ? Changes.none()
          : Changes.failure("return not credited: " + outcome.code().name().toLowerCase(Locale.ROOT)));
    });
  }

  private Future<Withdrawal> moveOrReread(Withdrawal withdrawal, Set<Withdrawal.Status> from,
                                          Withdrawal.Status to, Changes changes) {
    return move(store.client(), withdrawal, from, to, changes).compose(moved -> moved.isPresent()
      ? Future.succeededFuture(moved.get())
      : store.withdrawal(withdrawal.id()).map(Optional::orElseThrow));
  }

  private Future<Optional<Withdrawal>> move(SqlClient client, Withdrawal withdrawal, Set<Withdrawal.Status> from,
                                            Withdrawal.Status to, Changes changes) {
    return store.move(client, withdrawal, from, to, changes).onSuccess(moved -> moved
      .filter(row -> row.status() != withdrawal.status())
      .ifPresent(row -> meters.counter("wallet_withdrawals_total", "status", to.column()).increment()));
  }

  // ------------------------------------------------------------------ reconciliation

  /** Withdrawals unchanged for {@code staleAfterMs}: asked about at the gateway, or driven to their end. */
  Future<Integer> reconcile(long staleAfterMs, int batch) {
    return store.claimStaleWithdrawals(UNSETTLED, staleAfterMs, batch).compose(stale ->
      Sequential.forEach(stale, this::reconcileOne).map(stale.size()));
  }

  private Future<Void> reconcileOne(Withdrawal withdrawal) {
    Future<Withdrawal> done = AWAITING_GATEWAY.contains(withdrawal.status()) ? askAbout(withdrawal)
      : drive(withdrawal);
    return done.<Void>mapEmpty().recover(failure -> {
      LOG.warn("withdrawal {} ({}): not settled yet, will try again: {}", withdrawal.id(), withdrawal.status(),
        failure.toString());
      return Future.succeededFuture();
    });
  }

  private Future<Withdrawal> askAbout(Withdrawal withdrawal) {
    return gateway.status(withdrawal.id()).compose(status -> {
      if (status.state() == GatewayStatus.State.UNKNOWN) {
        return askGateway(withdrawal.status() == Withdrawal.Status.SUBMITTED ? asHeld(withdrawal) : withdrawal);
      }
      return Verdict.of(status).map(verdict -> follow(withdrawal, verdict)).orElse(Future.succeededFuture(withdrawal));
    });
  }

  /** The gateway forgot a payout it had acknowledged: it is asked again, as if never acknowledged. */
  private static Withdrawal asHeld(Withdrawal withdrawal) {
    return new Withdrawal(withdrawal.id(), withdrawal.wallet(), withdrawal.ownerId(), withdrawal.amount(),
      withdrawal.destination(), withdrawal.gateway(), Withdrawal.Status.HELD, withdrawal.hold(),
      withdrawal.gatewayRef(), withdrawal.failureReason(), withdrawal.createdAt());
  }

  private Future<Withdrawal> follow(Withdrawal withdrawal, Verdict verdict) {
    if (verdict.kind() != Verdict.Kind.REVERSED) {
      return judge(store.client(), withdrawal, verdict).compose(moved -> drive(moved.orElse(withdrawal)));
    }
    return follow(withdrawal, verdict.as(Verdict.Kind.SUCCEEDED))
      .compose(paid -> judge(store.client(), paid, verdict))
      .compose(moved -> moved.isPresent() ? drive(moved.get()) : Future.succeededFuture(withdrawal));
  }

  private static SystemAccount clearing(Withdrawal withdrawal) {
    return SystemAccount.clearing(withdrawal.gateway(), withdrawal.amount().currency());
  }
}
