package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Tuple;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The writer makes the coming months' partitions ahead, so that no batch makes one on the commit path. */
@ExtendWith(VertxExtension.class)
class MonthsAheadTest {

  @Test
  @DisplayName("a started writer has made this month's partitions and the next two months'")
  void theNextTwoMonthsAreMadeAhead(Vertx vertx) {
    LedgerFixture ledger = new LedgerFixture(vertx);
    try {
      ledger.startWriter();
      LocalDate month = LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1);
      List<String> expected = List.of(0, 1, 2).stream().map(month::plusMonths)
        .flatMap(m -> List.of("postings", "entries").stream()
          .map(table -> String.format("%s_y%04dm%02d", table, m.getYear(), m.getMonthValue())))
        .toList();

      long made = Await.result(ledger.pool().preparedQuery("SELECT count(*) AS n FROM pg_class WHERE relname = "
        + "ANY($1) AND relnamespace = current_schema()::regnamespace")
        .execute(Tuple.of(expected.toArray(String[]::new)))).iterator().next().getLong("n");

      assertThat(made).as("partitions " + expected).isEqualTo(expected.size());
    } finally {
      ledger.close();
    }
  }
}
