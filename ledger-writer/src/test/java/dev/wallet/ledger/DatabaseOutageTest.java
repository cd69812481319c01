package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import io.vertx.pgclient.PgException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DatabaseOutageTest {

  @Test
  @DisplayName("a server that cannot serve (starting, shutting down, out of connections, cut off) is an outage; its other errors are its answer")
  void whatIsAnOutage() {
    assertThat(DatabaseOutage.is(new ConnectException("Connection refused"))).isTrue();
    assertThat(DatabaseOutage.is(VertxException.noStackTrace("Connection is closed"))).isTrue();
    assertThat(DatabaseOutage.is(pg("57P03", "the database system is starting up"))).isTrue();
    assertThat(DatabaseOutage.is(pg("57P01", "terminating connection due to administrator command"))).isTrue();
    assertThat(DatabaseOutage.is(pg("53300", "sorry, too many clients already"))).isTrue();
    assertThat(DatabaseOutage.is(pg("08006", "connection failure"))).isTrue();

    assertThat(DatabaseOutage.is(pg("23505", "duplicate key value violates unique constraint"))).isFalse();
    assertThat(DatabaseOutage.is(pg("42P01", "relation does not exist"))).isFalse();
    assertThat(DatabaseOutage.is(pg("P0001", "raised by a trigger"))).isFalse();
    assertThat(DatabaseOutage.is(pg("08P01", "protocol violation"))).as("the client's bug").isFalse();
  }

  @Test
  @DisplayName("a deadline passed or a placement out of date is an outage; a bug reading an answer is not")
  void whatIsABug() {
    assertThat(DatabaseOutage.is(new TimeoutException("no answer in 1000 ms"))).isTrue();
    assertThat(DatabaseOutage.is(new PlacementOutOfDateException("shard 2 moved to another database", null)))
      .isTrue();

    assertThat(DatabaseOutage.is(new IllegalArgumentException("unknown posting type"))).isFalse();
    assertThat(DatabaseOutage.is(new NullPointerException("a column that was null"))).isFalse();
    assertThat(DatabaseOutage.is(new IllegalStateException("a row of another shape"))).isFalse();
  }

  private static PgException pg(String sqlState, String message) {
    return new PgException(message, "ERROR", sqlState, null);
  }
}
