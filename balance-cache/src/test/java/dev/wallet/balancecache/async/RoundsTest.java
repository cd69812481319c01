package dev.wallet.balancecache.async;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class RoundsTest {

  @Test
  @DisplayName("a round runs alone; one that gets no outcome is given up at its deadline, and the next one starts")
  void aRoundWithNoOutcomeDoesNotStopTheNext(Vertx vertx) {
    List<Promise<Void>> started = new CopyOnWriteArrayList<>();
    Rounds rounds = new Rounds(vertx, "the test round", 200, () -> {
      Promise<Void> never = Promise.promise();
      started.add(never);
      return never.future();
    });

    Future<Void> first = rounds.runUnlessRunning();
    Future<Void> whileItRuns = rounds.runUnlessRunning();

    assertThat(Await.result(whileItRuns)).as("nothing started beside it").isNull();
    assertThat(started).hasSize(1);
    assertThatThrownBy(() -> Await.result(first)).hasRootCauseInstanceOf(TimeoutException.class);
    assertThat(rounds.givenUp()).isEqualTo(1);

    Future<Void> next = rounds.runUnlessRunning();
    assertThat(started).as("the next round started").hasSize(2);
    assertThat(rounds.lastSucceeded()).as("no round succeeded yet").isEqualTo(Instant.EPOCH);
    Instant beforeSuccess = Instant.now();
    started.get(1).complete();
    assertThat(Await.result(next)).isNull();
    assertThat(rounds.lastSucceeded()).as("the round that succeeded").isAfterOrEqualTo(beforeSuccess);
    started.get(0).complete();
    assertThat(rounds.givenUp()).isEqualTo(1);
  }
}
