package dev.wallet.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.limits.model.AmlCase;
import dev.wallet.limits.model.AmlFlagState;
import dev.wallet.limits.model.AmlQueueFilter;
import dev.wallet.limits.model.AmlReview;
import dev.wallet.limits.testing.LimitsTestSupport;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Compliance's decisions about AML flags, in PostgreSQL: appended, never changed; the latest is the state. */
@ExtendWith(VertxExtension.class)
class AmlReviewsTest {

  private LimitsTestSupport.Member member;

  @AfterEach
  void stop() {
    member.close();
  }

  @Test
  @DisplayName("a flag is open until reviewed; each review is kept with who and why, the latest is its state, "
    + "and the queue filters by state, kind and owner")
  void reviewsAndQueue(Vertx vertx) {
    member = LimitsTestSupport.Member.withRules(vertx, LimitsTestSupport.newClusterName(), TestRules.permissive());
    Compliance compliance = member.limits().compliance();
    String owner = "aml-review-" + UUID.randomUUID();
    long flag = raise(owner, "structuring");
    long other = raise(owner, "large_transaction");

    assertThat(state(compliance, flag)).isEqualTo(AmlFlagState.OPEN);
    Await.result(compliance.review(flag, AmlFlagState.ESCALATED, "looks deliberate", "officer-1"));
    AmlReview last = Await.result(compliance.review(flag, AmlFlagState.DISMISSED, "explained by payroll", "officer-2"));

    AmlCase found = Await.result(compliance.flagCase(flag)).orElseThrow();
    assertThat(found.state()).isEqualTo(AmlFlagState.DISMISSED);
    assertThat(found.reviews()).extracting(AmlReview::actor, AmlReview::note).containsExactly(
      org.assertj.core.groups.Tuple.tuple("officer-1", "looks deliberate"),
      org.assertj.core.groups.Tuple.tuple("officer-2", "explained by payroll"));
    assertThat(last.state()).isEqualTo(AmlFlagState.DISMISSED);
    assertThat(ids(compliance, Optional.empty(), Optional.of(AmlFlagState.DISMISSED), owner)).containsExactly(flag);
    assertThat(ids(compliance, Optional.empty(), Optional.of(AmlFlagState.OPEN), owner)).containsExactly(other);
    assertThat(ids(compliance, Optional.of("large_transaction"), Optional.empty(), owner)).containsExactly(other);
    assertThat(ids(compliance, Optional.empty(), Optional.empty(), owner)).containsExactly(other, flag);
  }

  @Test
  @DisplayName("a review without a note, back to open, or of a flag that does not exist is refused; "
    + "a recorded review cannot be changed or deleted, even by the application role")
  void refusals(Vertx vertx) {
    member = LimitsTestSupport.Member.withRules(vertx, LimitsTestSupport.newClusterName(), TestRules.permissive());
    Compliance compliance = member.limits().compliance();
    long flag = raise("aml-review-" + UUID.randomUUID(), "structuring");

    for (Future<AmlReview> refused : List.of(compliance.review(flag, AmlFlagState.REVIEWED, " ", "officer"),
        compliance.review(flag, AmlFlagState.OPEN, "reopen", "officer"),
        compliance.review(Long.MAX_VALUE, AmlFlagState.REVIEWED, "no such flag", "officer"))) {
      assertThat(failure(refused)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(Await.result(compliance.flagCase(flag)).orElseThrow().reviews()).isEmpty();

    Await.result(compliance.review(flag, AmlFlagState.REVIEWED, "seen", "officer"));
    for (String change : List.of("UPDATE limits.aml_flag_reviews SET note = 'rewritten' WHERE flag_id = $1",
        "DELETE FROM limits.aml_flag_reviews WHERE flag_id = $1")) {
      Throwable refused = failure(member.pool().preparedQuery(change).execute(Tuple.of(flag)));
      assertThat(refused).isInstanceOf(PgException.class);
    }
    assertThat(Await.result(compliance.flagCase(flag)).orElseThrow().reviews()).extracting(AmlReview::note)
      .containsExactly("seen");
  }

  private static Throwable failure(Future<?> future) {
    return Await.result(future.transform(outcome -> Future.succeededFuture(outcome.cause())));
  }

  private long raise(String owner, String kind) {
    return Await.result(member.pool().preparedQuery("""
        INSERT INTO limits.aml_flags (dedupe_key, kind, owner_id, wallet_id, currency, total_minor, posting_ids,
                                      occurred_at, detail)
        VALUES ($1, $2, $3, NULL, 'USD', 100, ARRAY['p-test'], $4, 'test flag') RETURNING id""")
      .execute(Tuple.of(UUID.randomUUID().toString(), kind, owner, OffsetDateTime.now(ZoneOffset.UTC))))
      .iterator().next().getLong("id");
  }

  private static AmlFlagState state(Compliance compliance, long flag) {
    return Await.result(compliance.flagCase(flag)).orElseThrow().state();
  }

  private static List<Long> ids(Compliance compliance, Optional<String> kind, Optional<AmlFlagState> state,
                                String owner) {
    Instant now = Instant.now();
    return Await.result(compliance.queue(new AmlQueueFilter(now.minusSeconds(3_600), now.plusSeconds(60), kind,
      Optional.of(owner), state, 100))).stream().map(found -> found.flag().id()).toList();
  }
}
