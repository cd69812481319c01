package dev.wallet.balancecache.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class LanesTest {

  private static final List<Integer> ITEMS = IntStream.range(0, 200).boxed().toList();

  @Test
  @DisplayName("every item is stepped through, at most width at a time, results in the items' order")
  void everyItemInOrder(Vertx vertx) {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger mostInFlight = new AtomicInteger();

    List<Integer> doubled = Await.result(Lanes.map(ITEMS, 8, item -> {
      mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      return later(vertx).map(done -> {
        inFlight.decrementAndGet();
        return item * 2;
      });
    }));

    assertThat(doubled).isEqualTo(ITEMS.stream().map(item -> item * 2).toList());
    assertThat(mostInFlight.get()).isBetween(2, 8);
  }

  @Test
  @DisplayName("after a step fails no lane starts another, and the failure is answered once every started step has ended")
  void aFailureStopsEveryLane(Vertx vertx) {
    AtomicInteger started = new AtomicInteger();
    AtomicInteger ended = new AtomicInteger();
    int[] atTheAnswer = new int[2];

    Future<List<Integer>> mapped = Lanes.map(ITEMS, 8, item -> {
      started.incrementAndGet();
      return later(vertx).compose(done -> {
        ended.incrementAndGet();
        return item == 20 ? Future.failedFuture(new IllegalStateException("item 20")) : Future.succeededFuture(item);
      });
    }).onComplete(answered -> {
      atTheAnswer[0] = started.get();
      atTheAnswer[1] = ended.get();
    });

    assertThatThrownBy(() -> Await.result(mapped)).hasMessageContaining("item 20");
    assertThat(atTheAnswer[1]).as("steps ended when the failure was answered").isEqualTo(atTheAnswer[0]);
    assertThat(atTheAnswer[0]).as("steps started").isLessThan(ITEMS.size() / 2);
  }

  private static Future<Void> later(Vertx vertx) {
    Promise<Void> done = Promise.promise();
    vertx.setTimer(2, fired -> done.complete());
    return done.future();
  }
}
