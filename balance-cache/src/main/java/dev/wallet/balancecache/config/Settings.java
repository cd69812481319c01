package dev.wallet.balancecache.config;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * Raw configuration values, looked up by environment variable first, then by their path in the
 * YAML file, then the default. Both sources arrive merged in one JsonObject (vertx-config puts the
 * environment's WALLET_* variables at the top level and the YAML document beside them), so every
 * setting has exactly one place where its precedence is decided: here.
 */
public final class Settings {

  private final JsonObject values;

  public Settings(JsonObject values) {
    this.values = values.copy();
  }

  /** For tests and tools: an environment and a YAML document, the environment winning. */
  public static Settings of(Map<String, String> env, JsonObject yaml) {
    JsonObject merged = yaml.copy();
    env.forEach(merged::put);
    return new Settings(merged);
  }

  /** For tests and tools: these settings with one environment variable set (or replaced). */
  public Settings with(String env, String value) {
    return new Settings(values.copy().put(env, value));
  }

  public String text(String env, String path, String fallback) {
    Object value = raw(env, path);
    if (value == null || value.toString().isBlank()) {
      return fallback;
    }
    return value.toString().trim();
  }

  public int integer(String env, String path, int fallback) {
    long value = number(env, path, fallback);
    if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
      throw invalid(env, path, "out of range");
    }
    return (int) value;
  }

  public long number(String env, String path, long fallback) {
    String text = text(env, path, Long.toString(fallback));
    try {
      return Long.parseLong(text);
    } catch (NumberFormatException e) {
      throw invalid(env, path, "must be a whole number, got '" + text + "'");
    }
  }

  /** A probability, 0 to 1. */
  public double rate(String env, String path, double fallback) {
    String text = text(env, path, Double.toString(fallback));
    try {
      double rate = Double.parseDouble(text);
      if (rate >= 0 && rate <= 1) {
        return rate;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw invalid(env, path, "must be a number between 0 and 1, got '" + text + "'");
  }

  public boolean flag(String env, String path, boolean fallback) {
    String text = text(env, path, Boolean.toString(fallback));
    return switch (text) {
      case "true" -> true;
      case "false" -> false;
      default -> throw invalid(env, path, "must be true or false, got '" + text + "'");
    };
  }

  /** A YAML map (only in the file: maps have no environment form). */
  public JsonObject section(String path) {
    Object value = atPath(path);
    if (value == null) {
      return new JsonObject();
    }
    if (!(value instanceof JsonObject section)) {
      throw new IllegalArgumentException(path + " must be a map");
    }
    return section;
  }

  private Object raw(String env, String path) {
    Object fromEnv = env == null ? null : values.getValue(env);
    return fromEnv != null ? fromEnv : atPath(path);
  }

  private Object atPath(String path) {
    if (path == null) {
      return null;
    }
    Object current = values;
    for (String part : path.split("\\.")) {
      if (!(current instanceof JsonObject object)) {
        return null;
      }
      current = object.getValue(part);
    }
    return current;
  }

  private static IllegalArgumentException invalid(String env, String path, String why) {
    return new IllegalArgumentException((env != null ? env : "") + (env != null && path != null ? " / " : "")
      + (path != null ? path : "") + " " + why);
  }
}
