package dev.wallet.balancecache.async;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Function;

/**
 * Asynchronous steps over a list with bounded concurrency: {@code width} lanes, each a
 * {@link Sequential} loop taking the next item not yet started. At most {@code width} steps are in
 * flight at once, and each lane runs at constant stack depth however many items there are.
 */
public final class Lanes {

  private Lanes() {
  }

  /**
   * {@code step} applied to every item, results in the items' order. Fails with the first step that
   * fails, once the steps already started have ended; no lane starts a new one after it. Until
   * 2026-12-07 it failed at once and the other lanes went on: a batch answered 500 while its later
   * items were still being applied.
   */
  public static <T, R> Future<List<R>> map(List<T> items, int width, Function<? super T, Future<R>> step) {
    if (width < 1) {
      throw new IllegalArgumentException("width must be at least 1");
    }
    AtomicInteger next = new AtomicInteger();
    AtomicBoolean failed = new AtomicBoolean();
    AtomicReferenceArray<R> results = new AtomicReferenceArray<>(items.size());
    List<Future<Void>> lanes = new ArrayList<>();
    for (int lane = 0; lane < Math.min(width, items.size()); lane++) {
      lanes.add(Sequential.repeatWhile(() -> {
        int index = failed.get() ? items.size() : next.getAndIncrement();
        if (index >= items.size()) {
          return Future.succeededFuture(false);
        }
        return step.apply(items.get(index)).onFailure(failure -> failed.set(true)).map(result -> {
          results.set(index, result);
          return true;
        });
      }));
    }
    return Future.join(lanes).map(done -> {
      List<R> ordered = new ArrayList<>(items.size());
      for (int i = 0; i < items.size(); i++) {
        ordered.add(results.get(i));
      }
      return ordered;
    });
  }
}
