package dev.wallet.balancecache.async;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Instant;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work done again and again on a timer (a reconciliation round, a poll): never two rounds at once,
 * and never stuck behind one that gets no outcome. A round not ended within its deadline is given
 * up: the next tick starts another, and whatever the first does later is ignored. Rounds must be
 * safe beside a round given up, as each here is (each also runs on several processes at once).
 *
 * <p>Why: a flag set while a round runs and cleared when it completes stops every later round for
 * good once one round waits on a reply that never comes (a connection whose peer went silent; the
 * PostgreSQL clients have no query timeout). Until 2026-12-07 that stopped a process's gateway
 * reconciliation, and its reading of the money halts, without a sign.
 */
public final class Rounds {

  private static final Logger LOG = LoggerFactory.getLogger(Rounds.class);

  private final Vertx vertx;
  private final String name;
  private final long deadlineMs;
  private final Supplier<Future<?>> round;
  private final AtomicBoolean running = new AtomicBoolean();
  private final AtomicLong givenUp = new AtomicLong();
  private volatile Instant lastSucceeded = Instant.EPOCH;
  private volatile boolean stopped;
  private long timer = -1;

  /** {@code name} says what a round does, in the log: e.g. "the gateway reconciliation round". */
  public Rounds(Vertx vertx, String name, long deadlineMs, Supplier<Future<?>> round) {
    this.vertx = vertx;
    this.name = name;
    this.deadlineMs = deadlineMs;
    this.round = round;
  }

  /** A round every {@code intervalMs} from now on, none while one runs. */
  public void start(long intervalMs) {
    timer = vertx.setPeriodic(intervalMs, tick -> runUnlessRunning());
  }

  /** A round in flight may still fail as what it uses closes under it; that is the shutdown, not news. */
  public void stop() {
    stopped = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
  }

  /**
   * A round now, unless one runs: its outcome (a round given up fails with a {@link TimeoutException}).
   * A round's own failure is the round's to report; one given up is logged and counted here.
   */
  public Future<Void> runUnlessRunning() {
    if (stopped || !running.compareAndSet(false, true)) {
      return Future.succeededFuture();
    }
    Future<?> started;
    try {
      started = round.get();
    } catch (RuntimeException thrown) {
      started = Future.failedFuture(thrown);
    }
    return Deadline.within(vertx, started, deadlineMs).<Void>mapEmpty()
      .onSuccess(done -> lastSucceeded = Instant.now())
      .onFailure(this::givenUpIfTimedOut)
      .onComplete(done -> running.set(false));
  }

  /**
   * When a round last succeeded, the epoch until one has (a process just started must not stand for
   * others whose rounds fail): what an alert reads,
   * since a round that fails every time (a feed event no round gets past) otherwise shows only in the
   * log.
   */
  public Instant lastSucceeded() {
    return lastSucceeded;
  }

  /** Rounds given up so far. */
  public long givenUp() {
    return givenUp.get();
  }

  /** After {@link #stop}: a round failing now fails as what it uses closes, which is the shutdown, not news. */
  public boolean stopped() {
    return stopped;
  }

  private void givenUpIfTimedOut(Throwable failure) {
    if (failure instanceof TimeoutException && !stopped) {
      givenUp.incrementAndGet();
      LOG.warn("{} had no outcome within {} ms and is given up; the next one starts on time", name, deadlineMs);
    }
  }
}
