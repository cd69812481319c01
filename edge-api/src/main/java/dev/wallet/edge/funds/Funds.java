package dev.wallet.edge.funds;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.async.Rounds;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.limits.LimitsHandlers;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Money crossing the wallet's boundary through a gateway: deposits in, withdrawals out, the
 * gateway's webhooks, and the reconciler that finishes whatever a lost answer or a crash left
 * half-done. One per process; the reconciler of every process may run at once, because rows are
 * claimed with SKIP LOCKED and every step is idempotent.
 */
public final class Funds {

  private static final Logger LOG = LoggerFactory.getLogger(Funds.class);
  private static final int RECONCILE_BATCH = 100;
  /**
   * Beyond a round's worth of work against a slow gateway (100 deposits and 100 withdrawals asked at
   * its 2 s timeout each, ten pages of the feed), so that rounds given up do not pile up against it.
   */
  static final long ROUND_DEADLINE_MS = 600_000;

  private final Gateway gateway;
  private final GatewayMovements<Deposit> deposits;
  private final GatewayMovements<Withdrawal> withdrawals;
  private final GatewayFeed feed;
  private final MeterRegistry meters;
  private Rounds rounds;

  private Funds(Gateway gateway, FundsStore store, MeterRegistry meters, LimitsHandlers limits, BalanceCache cache) {
    this.gateway = gateway;
    this.meters = meters;
    this.deposits = new GatewayMovements<>(new DepositKind(cache), store, gateway, meters);
    this.withdrawals = new GatewayMovements<>(new WithdrawalKind(cache, limits::withdrawal), store, gateway, meters);
    this.feed = new GatewayFeed(gateway, store, this, meters);
  }

  /** {@code limits}: what a withdrawal counts against its owner's limits (the edge's own rules at the time). */
  public static Funds create(Vertx vertx, BalanceCache cache, Pool pool, Gateway gateway, MeterRegistry meters,
                             LimitsHandlers limits) {
    return new Funds(gateway, new FundsStore(vertx, pool), meters, limits, cache);
  }

  public GatewayMovements<Deposit> deposits() {
    return deposits;
  }

  public GatewayMovements<Withdrawal> withdrawals() {
    return withdrawals;
  }

  /** The gateway whose webhooks this process accepts (its name is the webhook path's last segment). */
  public String gatewayName() {
    return gateway.name();
  }

  /**
   * Applies a webhook event whose signature was verified: at most once per event id, then drives
   * the deposit or withdrawal it is about to its end. Fails with {@link EventRefusedException} for
   * an event that cannot be applied (nothing recorded), or with an infrastructure failure (the
   * gateway will deliver again; the event, if recorded, is a duplicate then, and the drive resumes).
   */
  public Future<EventResult> onEvent(GatewayEvent event, String body) {
    return movementsOf(event).onEvent(event, body);
  }

  /** An event recorded with the state change it causes (see {@link GatewayMovements#record}), not driven further. */
  Future<EventResult> recordEvent(GatewayEvent event, String body) {
    return movementsOf(event).record(event, body);
  }

  /** Drives the movement an event is about from where it is now. */
  Future<Void> driveAfter(GatewayEvent event) {
    return movementsOf(event).driveCurrent(event.reference());
  }

  private GatewayMovements<?> movementsOf(GatewayEvent event) {
    return event.type().aboutDeposit() ? deposits : withdrawals;
  }

  /**
   * An event of the gateway's feed that cannot be applied, and never will be: the gateway says it
   * moved money under a reference the wallet does not have, or another amount than asked.
   */
  void refusedFromFeed(GatewayEvent event, EventRefusedException refusal) {
    movementsOf(event).contradicts(event, refusal);
  }

  /**
   * One round over everything unchanged for {@code staleAfterMs}, then over the gateway's event feed
   * from where it was last read; returns how many movements and events were looked at. It stops where
   * it is once {@code moneyHalted} says so: each movement and each event asks first (until 2026-12-07
   * only the round's start did, and a round that takes minutes against a slow gateway credited deposits
   * and settled payouts long after a halt).
   */
  Future<Integer> reconcile(long staleAfterMs, BooleanSupplier moneyHalted) {
    return deposits.reconcile(staleAfterMs, RECONCILE_BATCH, moneyHalted)
      .compose(depositsSeen -> withdrawals.reconcile(staleAfterMs, RECONCILE_BATCH, moneyHalted)
        .map(withdrawalsSeen -> depositsSeen + withdrawalsSeen))
      .compose(movementsSeen -> feed.follow(moneyHalted).map(eventsRead -> movementsSeen + eventsRead));
  }

  /**
   * {@code moneyHalted}: while it says so, no round runs, and a round under way stops (a round credits
   * deposits and settles withdrawals). A round with no outcome within {@link #ROUND_DEADLINE_MS} is
   * given up ({@link Rounds}).
   */
  public void startReconciling(Vertx vertx, long intervalMs, long staleAfterMs, BooleanSupplier moneyHalted) {
    Rounds started = new Rounds(vertx, "the gateway reconciliation round", ROUND_DEADLINE_MS,
      () -> moneyHalted.getAsBoolean() ? Future.succeededFuture()
        : reconcile(staleAfterMs, moneyHalted).onFailure(this::roundFailed));
    rounds = started;
    // a round that fails every time (a feed event no round gets past, a gateway that refuses the
    // reconciler) showed only as a warning a round: chargebacks and returns were learnt from nothing
    Gauge.builder("wallet_gateway_reconciled_seconds", started, done -> done.lastSucceeded().getEpochSecond())
      .description("When this process's last gateway reconciliation round (movements, then the event feed) "
        + "succeeded, 0 until one has")
      .tag("gateway", gateway.name()).register(meters);
    started.start(intervalMs);
  }

  private void roundFailed(Throwable failure) {
    if (!rounds.stopped()) {
      LOG.warn("reconciliation round failed, the next one will try again: {}", failure.toString());
    }
  }

  public void stopReconciling() {
    if (rounds != null) {
      rounds.stop();
    }
  }
}
