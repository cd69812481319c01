package dev.wallet.edge.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SharedReadsTest {

  @Test
  @DisplayName("askers while a read runs share the one read that starts when it ends; none gets a read older than its asking")
  void askersShareTheNextRead() {
    List<Promise<Integer>> reads = new ArrayList<>();
    SharedReads<Integer> shared = new SharedReads<>(() -> {
      Promise<Integer> read = Promise.promise();
      reads.add(read);
      return read.future();
    });

    Future<Integer> first = shared.get();
    Future<Integer> second = shared.get();
    Future<Integer> third = shared.get();

    assertThat(reads).as("the later askers wait for a read of their own").hasSize(1);
    reads.get(0).complete(1);
    assertThat(first.result()).isEqualTo(1);
    assertThat(second.isComplete()).as("not answered by the read that began before it asked").isFalse();
    assertThat(reads).as("one read for both later askers").hasSize(2);
    reads.get(1).complete(2);
    assertThat(second.result()).isEqualTo(2);
    assertThat(third.result()).isEqualTo(2);

    Future<Integer> afterwards = shared.get();
    assertThat(reads).as("nothing running: a read starts at once").hasSize(3);
    reads.get(2).fail("Redis did not answer");
    assertThat(afterwards.failed()).isTrue();
    assertThat(shared.get()).as("a failed read does not stop the next").isNotNull();
    assertThat(reads).hasSize(4);
  }
}
