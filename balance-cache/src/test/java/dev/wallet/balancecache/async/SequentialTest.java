package dev.wallet.balancecache.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class SequentialTest {

  private static final int MANY = 200_000;

  @Test
  @DisplayName("many rounds that complete at once, and many that complete later on an event loop (which nested "
    + "composes would overflow the stack on), all run and complete")
  void manyRoundsAtAConstantDepth(Vertx vertx) {
    AtomicInteger immediate = new AtomicInteger();
    AtomicInteger later = new AtomicInteger();

    Await.result(Sequential.repeatWhile(() -> Future.succeededFuture(immediate.incrementAndGet() < MANY)));
    Await.result(Sequential.repeatWhile(() -> onEventLoop(vertx).map(done -> later.incrementAndGet() < MANY)));

    assertThat(immediate).hasValue(MANY);
    assertThat(later).hasValue(MANY);
  }

  @Test
  @DisplayName("items are stepped through in order, one at a time; the first failure ends the run with its cause")
  void inOrderAndStopsAtFailure(Vertx vertx) {
    List<Integer> seen = new ArrayList<>();
    AtomicInteger inFlight = new AtomicInteger();
    List<Integer> items = IntStream.range(0, 1_000).boxed().toList();

    // one continuation ends the step: with a second listener (onComplete, then map) the step's future
    // could complete on the event loop while the test thread was still adding them, and the next step
    // start on the test thread before the first listener had run (CI saw 2 in flight)
    Await.result(Sequential.forEach(items, item -> {
      assertThat(inFlight.incrementAndGet()).isEqualTo(1);
      return onEventLoop(vertx).map(done -> {
        inFlight.decrementAndGet();
        return seen.add(item);
      });
    }));
    List<Integer> beforeFailure = new ArrayList<>();
    Future<Void> failed = Sequential.forEach(items, item -> item == 10 ? Future.failedFuture(new IllegalStateException(
      "step 10")) : Future.succeededFuture(beforeFailure.add(item)));

    assertThat(seen).containsExactlyElementsOf(items);
    assertThat(failed.failed()).isTrue();
    assertThat(failed.cause()).hasMessage("step 10");
    assertThat(beforeFailure).containsExactlyElementsOf(items.subList(0, 10));
  }

  private static Future<Void> onEventLoop(Vertx vertx) {
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> done.complete());
    return done.future();
  }
}
