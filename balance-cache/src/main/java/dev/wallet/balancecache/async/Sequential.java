package dev.wallet.balancecache.async;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Iterator;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Asynchronous steps run one after another, at a constant stack depth however many there are.
 *
 * <p>Why not a recursive {@code step().compose(done -> loop())}: every round nests one more
 * future, and when the last completes, the completion climbs back through all of them on one
 * stack. After a few thousand rounds that is a {@link StackOverflowError}, which Vert.x catches
 * and logs while the outer future stays incomplete forever: a hang. A chain built ahead
 * ({@code chain = chain.compose(...)}) fails the same way when many steps complete at once.
 * Here a step that is already complete is followed in a loop, and one still running is followed
 * from its own completion, on a fresh stack.
 */
public final class Sequential {

  private Sequential() {
  }

  /** Runs {@code round} again while it answers true; fails with the first round that fails. */
  public static Future<Void> repeatWhile(Supplier<Future<Boolean>> round) {
    Promise<Void> done = Promise.promise();
    continueRounds(round, done);
    return done.future();
  }

  /** Applies {@code step} to each item in order, each once the previous one has completed. */
  public static <T> Future<Void> forEach(Iterable<T> items, Function<? super T, ? extends Future<?>> step) {
    Iterator<T> remaining = items.iterator();
    return repeatWhile(() -> remaining.hasNext()
      ? step.apply(remaining.next()).map(true)
      : Future.succeededFuture(false));
  }

  private static void continueRounds(Supplier<Future<Boolean>> round, Promise<Void> done) {
    while (true) {
      Future<Boolean> current;
      try {
        current = round.get();
      } catch (RuntimeException e) {
        done.fail(e);
        return;
      }
      if (!current.isComplete()) {
        current.onComplete(ended -> afterRound(ended.failed() ? null : ended.result(), ended.cause(), round, done));
        return;
      }
      if (current.failed() || !current.result()) {
        afterRound(current.result(), current.cause(), round, done);
        return;
      }
    }
  }

  private static void afterRound(Boolean again, Throwable failure, Supplier<Future<Boolean>> round,
                                 Promise<Void> done) {
    if (failure != null) {
      done.fail(failure);
    } else if (Boolean.TRUE.equals(again)) {
      continueRounds(round, done);
    } else {
      done.complete();
    }
  }
}
