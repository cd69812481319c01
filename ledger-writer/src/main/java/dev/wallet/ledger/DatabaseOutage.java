package dev.wallet.ledger;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.DatabaseException;
import java.time.DateTimeException;
import java.util.Set;

/**
 * Whether a failed PostgreSQL call is an outage (retry later: 503) or not: the database's own answer
 * (a refusal the caller maps, or a bug), or a bug in reading that answer. Not answering is an
 * outage (a connection refused or closed, a deadline passed, a placement out of date), and so are
 * the errors a server gives while it cannot serve: connection failures (class 08, but a protocol
 * violation, which is the client's bug), insufficient resources such as too many connections (53),
 * and an operator's intervention such as a shutdown or a server still starting (57).
 */
public final class DatabaseOutage {

  private static final Set<String> OUTAGE_CLASSES = Set.of("08", "53", "57");
  private static final String PROTOCOL_VIOLATION = "08P01";

  private DatabaseOutage() {
  }

  public static boolean is(Throwable failure) {
    if (failure instanceof PgException pg) {
      String state = pg.getSqlState();
      return state != null && state.length() == 5 && OUTAGE_CLASSES.contains(state.substring(0, 2))
        && !PROTOCOL_VIOLATION.equals(state);
    }
    if (failure instanceof PlacementOutOfDateException) {
      return true;
    }
    return !(failure instanceof DatabaseException || aBug(failure));
  }

  /** What code throws reading an answer it did not expect: a bug, never the database away. */
  private static boolean aBug(Throwable failure) {
    return failure instanceof IllegalArgumentException || failure instanceof IllegalStateException
      || failure instanceof NullPointerException || failure instanceof ClassCastException
      || failure instanceof IndexOutOfBoundsException || failure instanceof ArithmeticException
      || failure instanceof UnsupportedOperationException || failure instanceof DateTimeException;
  }
}
