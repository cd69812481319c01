package dev.wallet.edge.live;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.function.Supplier;

/**
 * Reads of one value that many ask for (the sockets of one hot merchant in this process): each
 * asker gets a read that started after it asked, so it sees every change made before its call, and
 * the askers who come while a read runs share the one that starts when it ends. However many ask,
 * at most one read runs and one waits.
 */
final class SharedReads<T> {

  private final Supplier<Future<T>> read;
  private Future<T> running;
  private Promise<T> next;

  SharedReads(Supplier<Future<T>> read) {
    this.read = read;
  }

  /** A read that starts now, or as soon as the one running ends (shared with whoever asks meanwhile). */
  synchronized Future<T> get() {
    if (running == null) {
      return start();
    }
    if (next == null) {
      next = Promise.promise();
    }
    return next.future();
  }

  private Future<T> start() {
    Future<T> started = read.get();
    running = started;
    started.onComplete(done -> finished(started));
    return started;
  }

  private synchronized void finished(Future<T> read) {
    if (running != read) {
      return;
    }
    running = null;
    if (next != null) {
      Promise<T> waiting = next;
      next = null;
      start().onComplete(waiting);
    }
  }
}
