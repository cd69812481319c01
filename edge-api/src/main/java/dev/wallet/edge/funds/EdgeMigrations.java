package dev.wallet.edge.funds;

import dev.wallet.ledger.LedgerDatabase;
import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the edge's own tables (deposits, withdrawals, gateway events) to the latest version:
 * Flyway, classpath:db/edge, in the database's schema "edge" (created if missing), history in
 * edge.edge_schema_history, so that it never mixes with the ledger's migrations, which own
 * "public", whichever runs first. Runs as the owner role; the application role gets only what the
 * migrations grant. Blocking (JDBC): call it on a worker thread.
 */
public final class EdgeMigrations {

  public static final String SCHEMA = "edge";
  public static final String HISTORY_TABLE = "edge_schema_history";

  private EdgeMigrations() {
  }

  public static MigrateResult migrate(LedgerDatabase owner, String appRole) {
    return Flyway.configure()
      .dataSource(owner.jdbcUrl(), owner.user(), owner.password())
      .locations("classpath:db/edge")
      .schemas(SCHEMA)
      .defaultSchema(SCHEMA)
      .createSchemas(true)
      .table(HISTORY_TABLE)
      .placeholders(Map.of("app_role", appRole))
      .load()
      .migrate();
  }
}
