package dev.wallet.limits;

import java.util.Map;

/** The PostgreSQL role that owns the limits schema and runs its migrations (never the application role). */
public record SchemaOwner(String user, String password) {

  public static SchemaOwner fromEnvironment(Map<String, String> env) {
    HazelcastOptions.Env settings = new HazelcastOptions.Env(env);
    return new SchemaOwner(settings.text("WALLET_PG_OWNER", "wallet_owner"),
      settings.text("WALLET_PG_OWNER_PASSWORD", "wallet-dev-owner"));
  }

  /** Never prints the password (this record may end up in logs). */
  @Override
  public String toString() {
    return "SchemaOwner[" + user + "]";
  }
}
