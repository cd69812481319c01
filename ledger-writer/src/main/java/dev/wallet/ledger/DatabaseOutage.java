package dev.wallet.ledger;

import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.DatabaseException;
import java.util.Set;

/**
 * Whether a failed PostgreSQL call is an outage (retry later: 503) or the database's own answer (a
 * refusal the caller maps, or a bug). Not answering is an outage, and so are the errors a server
 * gives while it cannot serve: connection failures (class 08), insufficient resources such as too
 * many connections (53), and an operator's intervention such as a shutdown or a server still
 * starting (57).
 */
public final class DatabaseOutage {

  private static final Set<String> OUTAGE_CLASSES = Set.of("08", "53", "57");

  private DatabaseOutage() {
  }

  public static boolean is(Throwable failure) {
    if (failure instanceof PgException pg) {
      String state = pg.getSqlState();
      return state != null && state.length() == 5 && OUTAGE_CLASSES.contains(state.substring(0, 2));
    }
    return !(failure instanceof DatabaseException);
  }
}
