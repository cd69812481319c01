package dev.wallet.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.edge.config.EdgeConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);

  private RateLimiter limiter(int perSecond, int burst) {
    return new RateLimiter(new EdgeConfig.RateLimit(perSecond, burst), now::get,
      new EdgeMetrics(new SimpleMeterRegistry()));
  }

  @Test
  @DisplayName("a caller spends its burst, then waits one interval per token; Retry-After rounds the wait up to whole seconds")
  void burstThenRate() {
    RateLimiter limiter = limiter(2, 3);

    assertThat(limiter.take("a")).isZero();
    assertThat(limiter.take("a")).isZero();
    assertThat(limiter.take("a")).isZero();
    long wait = limiter.take("a");
    assertThat(wait).isEqualTo(SECOND / 2);
    assertThat(RateLimiter.retryAfterSeconds(wait)).isEqualTo(1);
    now.addAndGet(SECOND / 2);
    assertThat(limiter.take("a")).isZero();
    assertThat(limiter.take("a")).isPositive();
    assertThat(limiter.take("b")).as("another caller has its own bucket").isZero();
  }

  @Test
  @DisplayName("an idle caller's bucket refills to the burst, never beyond")
  void refillIsCapped() {
    RateLimiter limiter = limiter(10, 2);
    limiter.take("a");
    limiter.take("a");

    now.addAndGet(3_600 * SECOND);

    assertThat(limiter.take("a")).isZero();
    assertThat(limiter.take("a")).isZero();
    assertThat(limiter.take("a")).isPositive();
  }

  @Test
  @DisplayName("eight threads taking for one caller at the same instant get exactly the burst, not a token more")
  void concurrentTakes() throws InterruptedException {
    RateLimiter limiter = limiter(1, 50);
    ExecutorService threads = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger granted = new AtomicInteger();
    for (int i = 0; i < 8; i++) {
      threads.submit(() -> {
        start.await();
        for (int n = 0; n < 1_000; n++) {
          if (limiter.take("greedy") == 0) {
            granted.incrementAndGet();
          }
        }
        return null;
      });
    }
    start.countDown();
    threads.shutdown();
    assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

    assertThat(granted.get()).isEqualTo(50);
  }
}
