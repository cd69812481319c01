package dev.wallet.ledger.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a shard's writer logs of a streak of failed rounds. */
class FailureStreakTest {

  @Test
  @DisplayName("rounds failing every 50 ms for a minute are logged at its start and every 30 s, not 1,201 times; "
    + "the success that ends it once, with the streak's length")
  void aLongStreakIsLoggedNowAndThen() {
    FailureStreak streak = new FailureStreak(30_000);
    List<Long> logged = new ArrayList<>();
    for (long now = 1_000; now <= 61_000; now += 50) {
      if (streak.failed(now, "PostgreSQL WL001")) {
        logged.add(now);
      }
    }

    assertThat(logged).containsExactly(1_000L, 31_000L, 61_000L);
    assertThat(streak.repeated()).isTrue();
    assertThat(streak.succeeded(61_020)).contains("1201 failed rounds in 60020 ms");
    assertThat(streak.succeeded(61_070)).as("a success after a success ends nothing").isEmpty();
  }

  @Test
  @DisplayName("a failure of another kind than the last logged is logged at once, inside the 30 s")
  void anotherKindIsLoggedAtOnce() {
    FailureStreak streak = new FailureStreak(30_000);
    assertThat(streak.failed(0, "PostgreSQL WL001")).isTrue();
    assertThat(streak.failed(50, "PostgreSQL WL001")).isFalse();
    assertThat(streak.failed(100, "PostgreSQL 57P01")).isTrue();
    assertThat(streak.failed(150, "PostgreSQL 57P01")).isFalse();
    assertThat(streak.failed(200, "PostgreSQL WL001")).isTrue();
  }

  @Test
  @DisplayName("after a success the next failure starts a new streak, logged at once")
  void aNewStreakIsLoggedAtOnce() {
    FailureStreak streak = new FailureStreak(30_000);
    assertThat(streak.failed(0, "a")).isTrue();
    assertThat(streak.failed(50, "a")).isFalse();
    assertThat(streak.succeeded(100)).contains("2 failed rounds in 100 ms");

    assertThat(streak.failed(150, "a")).isTrue();
    assertThat(streak.repeated()).isFalse();
    assertThat(streak.sofar(150)).isEqualTo("1 failed round in 0 ms");
  }
}
