package dev.wallet.ledger;

import java.util.Map;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the ledger's schema to the latest version (Flyway, db/migration). Runs as the owner
 * role, which owns the tables; the application role only gets what the migrations grant it.
 * Blocking (JDBC): call it before deploying verticles or inside executeBlocking.
 */
public final class LedgerMigrations {

  private LedgerMigrations() {
  }

  /** Every database of the ledger ({@code owners}: the placement as the owner role). */
  public static void migrate(LedgerPlacement owners, String appRole) {
    owners.databases().forEach(database -> migrate(database, appRole));
  }

  public static MigrateResult migrate(LedgerDatabase owner, String appRole) {
    return Flyway.configure()
      .dataSource(owner.jdbcUrl(), owner.user(), owner.password())
      .locations("classpath:db/migration")
      .placeholders(Map.of("app_role", appRole))
      // V2 makes this month's and next month's partitions: their bounds are the session's TimeZone's,
      // which JDBC takes from the JVM (V21 fixes the function for every later caller)
      .initSql("SET TIME ZONE 'UTC'")
      .load()
      .migrate();
  }
}
