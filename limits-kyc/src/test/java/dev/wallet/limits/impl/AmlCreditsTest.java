package dev.wallet.limits.impl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.ledger.LedgerMovement;
import dev.wallet.ledger.LedgerMovements.Credited;
import dev.wallet.limits.testing.LimitsTestSupport;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The AML monitor's sums of credits by minute, against the real PostgreSQL. */
@ExtendWith(VertxExtension.class)
class AmlCreditsTest {

  /** A minute long gone, so that forgetting what came before it touches no other test's sums. */
  private static final Instant MINUTE = Instant.parse("2020-01-01T00:00:00Z");

  private Pool pool;
  private String wallet;

  @BeforeEach
  void start(Vertx vertx) {
    LimitsTestSupport.migrateOnce();
    pool = LimitsTestSupport.appPool(vertx);
    wallet = "w0001_aml" + System.nanoTime();
  }

  @AfterEach
  void stop() {
    Await.result(pool.preparedQuery("DELETE FROM limits.aml_credits WHERE wallet_id = $1").execute(Tuple.of(wallet)));
    Await.result(pool.close());
  }

  @Test
  @DisplayName("forgetting the minutes before a point inside a minute keeps that minute: a window starting after the "
    + "point still sums the credits of its seconds")
  void theMinuteOfThePointIsKept() {
    Instant whole = Await.result(pool.withConnection(conn -> {
      AmlCredits credits = new AmlCredits(conn, null, Instant.EPOCH);
      LedgerMovement credit = new LedgerMovement("p-" + wallet, PostingType.TRANSFER, MINUTE.plusSeconds(45), wallet,
        "owner-" + wallet, 700, "USD");
      return credits.add(List.of(credit)).compose(added -> credits.forgetBefore(MINUTE.plusSeconds(30)));
    }));
    List<Credited> credited = Await.result(pool.withConnection(conn -> new AmlCredits(conn, null, whole)
      .credited(List.of(wallet), MINUTE.plusSeconds(40), MINUTE.plusSeconds(50))));

    assertThat(whole).as("the sums are whole from the start of the point's minute").isEqualTo(MINUTE);
    assertThat(credited).singleElement().satisfies(c -> assertThat(c.creditedMinor()).isEqualTo(700));
  }
}
