package dev.wallet.edge.funds;

import dev.wallet.ledger.LedgerDatabase;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the edge's own tables (deposits, withdrawals, gateway events) to the latest version:
 * Flyway, classpath:db/edge, history in edge_schema_history so that it never mixes with the
 * ledger's. Runs as the owner role; the application role gets only what the migrations grant.
 * The database is shared with the ledger, so the schema is not empty the first time: the edge's
 * history starts from a baseline (version 0) instead of refusing. Blocking (JDBC): call it on a
 * worker thread.
 */
public final class EdgeMigrations {

  public static final String HISTORY_TABLE = "edge_schema_history";

  private EdgeMigrations() {
  }

  public static MigrateResult migrate(LedgerDatabase owner, String appRole) {
    return Flyway.configure()
      .dataSource(owner.jdbcUrl(), owner.user(), owner.password())
      .locations("classpath:db/edge")
      .table(HISTORY_TABLE)
      .baselineOnMigrate(true)
      .baselineVersion("0")
      .placeholders(Map.of("app_role", appRole))
      .load()
      .migrate();
  }
}
