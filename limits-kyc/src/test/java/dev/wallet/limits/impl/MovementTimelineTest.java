package dev.wallet.limits.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.ledger.LedgerMovement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class MovementTimelineTest {

  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  @Test
  @DisplayName("a span holds what a walk over every movement finds: the same count, sums, first movement, first "
    + "credit and postings, "
    + "both ends included, over shuffled input with many movements at one instant")
  void spansAgreeWithAWalk() {
    Random random = new Random(42);
    for (int round = 0; round < 200; round++) {
      List<LedgerMovement> movements = new ArrayList<>();
      int count = random.nextInt(40);
      for (int i = 0; i < count; i++) {
        long amount = (1 + random.nextInt(1_000)) * (random.nextBoolean() ? 1L : -1L);
        // few distinct instants, so that spans start and end among movements made at the same one
        movements.add(movement("p" + random.nextInt(count + 1), T0.plusSeconds(random.nextInt(10)), amount));
      }
      List<LedgerMovement> inLedgerOrder = new ArrayList<>(movements);
      inLedgerOrder.sort(Comparator.comparing(LedgerMovement::createdAt));
      Collections.shuffle(movements, random);
      MovementTimeline timeline = new MovementTimeline(movements);
      for (int probe = 0; probe < 20; probe++) {
        Instant from = T0.plusSeconds(random.nextInt(12) - 1);
        Instant to = from.plusSeconds(random.nextInt(6));
        List<LedgerMovement> walked = inLedgerOrder.stream()
          .filter(m -> !m.createdAt().isBefore(from) && !m.createdAt().isAfter(to)).toList();

        MovementTimeline.Span span = timeline.between(from, to);

        assertThat(span.cameIn()).isEqualTo(walked.stream().filter(m -> !m.outgoing())
          .mapToLong(LedgerMovement::size).sum());
        assertThat(span.wentOut()).isEqualTo(walked.stream().filter(LedgerMovement::outgoing)
          .mapToLong(LedgerMovement::size).sum());
        assertThat(span.firstIn().map(LedgerMovement::createdAt))
          .isEqualTo(walked.stream().filter(m -> !m.outgoing()).findFirst().map(LedgerMovement::createdAt));
        assertThat(span.count()).isEqualTo(walked.size());
        assertThat(span.total()).isEqualTo(walked.stream().mapToLong(LedgerMovement::size).sum());
        assertThat(span.first().map(LedgerMovement::createdAt))
          .isEqualTo(walked.stream().findFirst().map(LedgerMovement::createdAt));
        assertThat(span.postingIds()).containsExactlyInAnyOrderElementsOf(
          walked.stream().map(LedgerMovement::postingId).distinct().toList());
      }
    }
  }

  @Test
  @DisplayName("the first credit of a span is the earliest one in it; evidence lists postings in time order, each once")
  void firstCreditAndEvidence() {
    MovementTimeline timeline = new MovementTimeline(List.of(
      movement("out-late", T0.plusSeconds(30), -50),
      movement("in-early", T0.plusSeconds(10), 100),
      movement("in-before", T0, 7),
      movement("in-late", T0.plusSeconds(20), 40),
      movement("in-early", T0.plusSeconds(10), -1)));

    MovementTimeline.Span span = timeline.between(T0.plusSeconds(5), T0.plusSeconds(30));

    assertThat(span.firstIn().map(LedgerMovement::postingId)).isEqualTo(Optional.of("in-early"));
    assertThat(span.cameIn()).isEqualTo(140);
    assertThat(span.wentOut()).isEqualTo(51);
    assertThat(span.postingIds()).containsExactly("in-early", "in-late", "out-late");
    assertThat(span.count()).isEqualTo(4);
    assertThat(span.total()).isEqualTo(191);
    assertThat(span.first().map(LedgerMovement::postingId)).isEqualTo(Optional.of("in-early"));
    assertThat(timeline.between(T0.plusSeconds(21), T0.plusSeconds(29)).first()).isEmpty();
    assertThat(timeline.between(T0.plusSeconds(31), T0.plus(Duration.ofHours(1))).firstIn()).isEmpty();
    assertThat(timeline.between(T0.plusSeconds(21), T0.plusSeconds(29)).postingIds()).isEmpty();
  }

  @Test
  @DisplayName("a span from its first credit on leaves out what went out before anything came in; none came in, none is left")
  void fromTheFirstCredit() {
    MovementTimeline timeline = new MovementTimeline(List.of(
      movement("older-money-out", T0, -900),
      movement("in", T0.plusSeconds(10), 600),
      movement("decoy-out", T0.plusSeconds(20), -10),
      movement("real-out", T0.plusSeconds(30), -600)));

    MovementTimeline.Span atTheDecoy = timeline.between(T0, T0.plusSeconds(20)).fromFirstIn();
    MovementTimeline.Span atTheExit = timeline.between(T0, T0.plusSeconds(30)).fromFirstIn();

    assertThat(atTheDecoy.postingIds()).containsExactly("in", "decoy-out");
    assertThat(atTheDecoy.wentOut()).isEqualTo(10);
    assertThat(atTheExit.postingIds()).containsExactly("in", "decoy-out", "real-out");
    assertThat(atTheExit.cameIn()).isEqualTo(600);
    assertThat(atTheExit.wentOut()).isEqualTo(610);
    MovementTimeline.Span nothingIn = timeline.between(T0, T0.plusSeconds(5)).fromFirstIn();
    assertThat(nothingIn.count()).isZero();
    assertThat(nothingIn.wentOut()).isZero();
    assertThat(timeline.between(T0.plusSeconds(15), T0.plusSeconds(30)).fromFirstIn().count()).isZero();
  }

  private static LedgerMovement movement(String postingId, Instant createdAt, long amountMinor) {
    return new LedgerMovement(postingId, PostingType.TRANSFER, createdAt, "w-1", "owner-1", amountMinor, "USD");
  }
}
