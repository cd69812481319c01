package dev.wallet.balancecache.config;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Where secrets may come from, decided by the mode. In production (the default) every secret must
 * be given, and none may be a value published in this repository: with those, anyone could mint an
 * admin token or forge a deposit webhook. In development ({@code WALLET_MODE=development}, set by
 * scripts/run.sh, scripts/bench.sh and the tests) a secret that is not given takes its published
 * development value. The mode has no YAML path: it belongs to the environment a process is started
 * in, not to the configuration file a deployment shares.
 */
public final class Secrets {

  public static final String MODE_VARIABLE = "WALLET_MODE";

  /** For local development only: anyone who reads this file can mint tokens signed with it. */
  public static final String DEV_JWT_SECRET = "wallet-dev-only-jwt-secret-never-use-in-production";
  /** For local development only: anyone who reads this file can forge sandbox webhooks with it. */
  public static final String DEV_WEBHOOK_SECRET = "wallet-dev-only-sandbox-webhook-secret";
  public static final String DEV_SANDBOX_API_KEY = "wallet-dev-only-sandbox-api-key";
  /** For local development only: anyone who reads this file can forge settlements between regions with it. */
  public static final String DEV_REGION_SECRET = "wallet-dev-only-region-settlement-secret";
  /** The roles' passwords scripts/env.sh gives the local PostgreSQL. */
  public static final String DEV_PG_PASSWORD = "wallet-dev-app";
  public static final String DEV_PG_OWNER_PASSWORD = "wallet-dev-owner";
  private static final String DEV_PG_SUPERUSER_PASSWORD = "wallet-dev-superuser";

  private static final Set<String> PUBLISHED = Set.of(DEV_JWT_SECRET, DEV_WEBHOOK_SECRET, DEV_SANDBOX_API_KEY,
    DEV_REGION_SECRET, DEV_PG_PASSWORD, DEV_PG_OWNER_PASSWORD, DEV_PG_SUPERUSER_PASSWORD);

  /** Production unless the environment says development. */
  public enum Mode {
    PRODUCTION, DEVELOPMENT;

    static Mode parse(String text) {
      return switch (text.toLowerCase(Locale.ROOT)) {
        case "production" -> PRODUCTION;
        case "development" -> DEVELOPMENT;
        default -> throw new IllegalArgumentException(MODE_VARIABLE + " must be production or development, got '"
          + text + "'");
      };
    }
  }

  private final Settings settings;
  private final Mode mode;

  private Secrets(Settings settings, Mode mode) {
    this.settings = settings;
    this.mode = mode;
  }

  public static Secrets of(Settings settings) {
    return new Secrets(settings, Mode.parse(settings.text(MODE_VARIABLE, null, "production")));
  }

  public Mode mode() {
    return mode;
  }

  /**
   * The secret {@code env} (or its YAML {@code path}): required and not a published value in
   * production; {@code developmentValue} when not given in development.
   */
  public String secret(String env, String path, String developmentValue) {
    String given = settings.text(env, path, "");
    if (mode == Mode.DEVELOPMENT) {
      return given.isEmpty() ? developmentValue : given;
    }
    if (given.isEmpty()) {
      throw new IllegalArgumentException(env + " is not set. Outside development mode every secret must be given; "
        + MODE_VARIABLE + "=development (scripts/run.sh sets it) runs with the development values published in the "
        + "repository instead, never do that in production");
    }
    if (isPublished(given)) {
      throw new IllegalArgumentException(env + " is a development value published in the repository, known to "
        + "anyone: give a secret of your own (or " + MODE_VARIABLE + "=development for a local run)");
    }
    return given;
  }

  /**
   * A secret that may be absent (a rotation's previous key): empty when not given; given, it is
   * held to the same rule as {@link #secret} (never a published value outside development mode).
   */
  public Optional<String> optionalSecret(String env, String path) {
    String given = settings.text(env, path, "");
    if (given.isEmpty()) {
      return Optional.empty();
    }
    if (mode != Mode.DEVELOPMENT && isPublished(given)) {
      throw new IllegalArgumentException(env + " is a development value published in the repository, known to "
        + "anyone: give a secret of your own (or " + MODE_VARIABLE + "=development for a local run)");
    }
    return Optional.of(given);
  }

  public static boolean isPublished(String value) {
    return PUBLISHED.contains(value);
  }
}
