package dev.wallet.edge.http;

import dev.wallet.balancecache.async.Rounds;
import dev.wallet.ledger.MoneyHalt;
import dev.wallet.ledger.MoneyHalts;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether money may move, as far as reconciliation is concerned: the open {@link MoneyHalts}, read
 * from PostgreSQL once a second per process and kept in memory, so a request pays nothing for the
 * check and every edge sees a new halt or a release within about a second.
 *
 * <p>While the halts cannot be read, the last state read stands. Failing closed instead would turn
 * every PostgreSQL outage into a stop of all money movement, which the edge otherwise survives; and
 * a halt is raised only by a reconciler writing it to that same database, which cannot happen while
 * the database is away. What is left is an edge cut off from PostgreSQL while the writers are not:
 * {@code wallet_money_halt_state_age_seconds} and the readiness details show how old its knowledge is.
 */
public final class MoneyGate {

  private static final Logger LOG = LoggerFactory.getLogger(MoneyGate.class);
  public static final long POLL_MS = 1_000;
  static final long POLL_DEADLINE_MS = 10_000;

  private final MoneyHalts halts;
  private final Clock clock;
  private volatile List<MoneyHalt> open = List.of();
  private volatile Instant readAt = Instant.EPOCH;
  private volatile Optional<String> readFailure = Optional.empty();
  private final AtomicLong readsStarted = new AtomicLong();
  private long newestApplied;
  private Rounds polls;

  public MoneyGate(MoneyHalts halts, Clock clock) {
    this.halts = halts;
    this.clock = clock;
  }

  /**
   * Polls from now on; the first read decides whether the edge starts halted. A read with no answer
   * within {@link #POLL_DEADLINE_MS} is given up ({@link Rounds}): until 2026-12-07 one such read
   * stopped this edge's reading of the halts for good, and it never saw a new halt.
   */
  public Future<Void> start(Vertx vertx) {
    polls = new Rounds(vertx, "the reading of the money halts", POLL_DEADLINE_MS, this::refresh);
    polls.start(POLL_MS);
    return refresh();
  }

  public void stop(Vertx vertx) {
    if (polls != null) {
      polls.stop();
    }
  }

  /** Reads the open halts now (after a release on this edge, so that it moves money again at once). */
  public Future<Void> refresh() {
    long read = readsStarted.incrementAndGet();
    return halts.open().map(found -> {
      applyIfNewest(read, found);
      return (Void) null;
    }).onFailure(failure -> readFailure = Optional.of(failure.toString()));
  }

  /**
   * A read given up ({@link Rounds}) may answer after a newer one: what it saw is older and is not
   * applied (reads start on the polling event loop and on any edge instance's, after a release).
   */
  private synchronized void applyIfNewest(long read, List<MoneyHalt> found) {
    if (read < newestApplied) {
      return;
    }
    newestApplied = read;
    if (found.isEmpty() != open.isEmpty()) {
      LOG.warn(found.isEmpty() ? "money moves again: no halt in force" : "money movement HALTED: {}",
        found.isEmpty() ? "" : found.get(0).reason());
    }
    open = found;
    readAt = clock.instant();
    readFailure = Optional.empty();
  }

  /** Guard for a route that moves money: {@link #requireOpen}, then the route's next handler. */
  public void guard(RoutingContext ctx) {
    requireOpen();
    ctx.next();
  }

  /** For every movement of money: 503 halted while a halt is in force. */
  public void requireOpen() {
    if (!open.isEmpty()) {
      throw new ProblemException(Problem.halted());
    }
  }

  /** {@link #requireOpen} as a future: failed with its 503 while a halt is in force. */
  public Future<Void> whenOpen() {
    try {
      requireOpen();
      return Future.succeededFuture();
    } catch (ProblemException halted) {
      return Future.failedFuture(halted);
    }
  }

  /** False until the first read succeeds (an edge started while PostgreSQL was away). */
  public boolean everRead() {
    return !readAt.equals(Instant.EPOCH);
  }

  public boolean halted() {
    return !open.isEmpty();
  }

  public List<MoneyHalt> halts() {
    return open;
  }

  /** How old this edge's knowledge of the halts is; the last read's failure, if it failed. */
  public Duration stateAge() {
    return Duration.between(readAt, clock.instant());
  }

  public Optional<String> readFailure() {
    return readFailure;
  }

  /** wallet_money_halted (1 while a halt is in force here) and wallet_money_halt_state_age_seconds. */
  public void register(MeterRegistry registry) {
    Gauge.builder("wallet_money_halted", this, gate -> gate.halted() ? 1 : 0).register(registry);
    Gauge.builder("wallet_money_halt_state_age_seconds", this, gate -> gate.stateAge().toMillis() / 1000.0)
      .register(registry);
  }
}
