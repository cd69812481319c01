package dev.wallet.limits;

import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the limits schema (PostgreSQL schema {@code limits}, Flyway at db/limits, history in
 * limits.limits_schema_history) to the latest version. A schema of its own keeps it apart from the
 * ledger's migrations, which expect to find their schema as they left it. Runs as the owner role;
 * the application role gets what the migrations grant. Blocking (JDBC): before deploying, or in
 * executeBlocking.
 */
public final class LimitsMigrations {

  public static final String SCHEMA = "limits";

  private LimitsMigrations() {
  }

  public static MigrateResult migrate(String jdbcUrl, String ownerUser, String ownerPassword, String appRole) {
    return Flyway.configure()
      .dataSource(jdbcUrl, ownerUser, ownerPassword)
      .schemas(SCHEMA)
      .table("limits_schema_history")
      .locations("classpath:db/limits")
      .placeholders(Map.of("app_role", appRole))
      .load()
      .migrate();
  }
}
