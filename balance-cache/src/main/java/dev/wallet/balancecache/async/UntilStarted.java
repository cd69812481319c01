package dev.wallet.balancecache.async;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Start-up that waits for what a process depends on instead of dying: an attempt that fails is
 * tried again after a pause that doubles up to {@link #MAX_PAUSE_MS}, and each failure is logged
 * with what was waited for. A dependency that is slow or briefly absent at start (PostgreSQL, a
 * Redis node, the other Hazelcast member) is then an ordinary wait; only a configuration error
 * ({@link IllegalArgumentException}) ends the start. Each attempt must release what it acquired
 * before it fails, since the next one starts from nothing.
 */
public final class UntilStarted {

  private static final Logger LOG = LoggerFactory.getLogger(UntilStarted.class);
  static final long FIRST_PAUSE_MS = 500;
  static final long MAX_PAUSE_MS = 15_000;

  private UntilStarted() {
  }

  public static <T> Future<T> retry(Vertx vertx, String what, Supplier<Future<T>> attempt) {
    Promise<T> started = Promise.promise();
    attempt(vertx, what, attempt, 1, FIRST_PAUSE_MS, started);
    return started.future();
  }

  /** Fails with what {@code step} waits for in its message, for the log of a retried start. */
  public static <T> Future<T> waitingFor(String dependency, Future<T> step) {
    return step.recover(failure -> Future.failedFuture(failure instanceof IllegalArgumentException
      ? failure
      : new IllegalStateException(dependency + ": " + failure, failure)));
  }

  private static <T> void attempt(Vertx vertx, String what, Supplier<Future<T>> attempt, int number, long pauseMs,
                                  Promise<T> started) {
    attempt.get().onComplete(outcome -> {
      if (outcome.succeeded()) {
        if (number > 1) {
          LOG.info("{} started after {} attempts", what, number);
        }
        started.complete(outcome.result());
      } else if (outcome.cause() instanceof IllegalArgumentException) {
        started.fail(outcome.cause());
      } else {
        LOG.warn("{} is not started yet, waiting for {}; attempt {} again in {} ms", what,
          outcome.cause().getMessage(), number + 1, pauseMs);
        vertx.setTimer(pauseMs, timer -> attempt(vertx, what, attempt, number + 1,
          Math.min(pauseMs * 2, MAX_PAUSE_MS), started));
      }
    });
  }
}
