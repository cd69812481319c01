package dev.wallet.edge.config;

import dev.wallet.balancecache.config.Settings;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Reads the configuration with vertx-config: the YAML file first, then the environment's WALLET_*
 * variables over it (only the names {@link EdgeConfig#ENVIRONMENT} lists; the rest of the
 * environment is never read). The file is {@code WALLET_CONFIG_FILE}, else config/edge.yaml when
 * it exists; a file named explicitly must exist.
 */
public final class ConfigLoader {

  public static final String FILE_VARIABLE = "WALLET_CONFIG_FILE";
  public static final String DEFAULT_FILE = "config/edge.yaml";

  private ConfigLoader() {
  }

  public static Future<Settings> load(Vertx vertx) {
    String named = System.getenv(FILE_VARIABLE);
    boolean optional = named == null || named.isBlank();
    return load(vertx, optional ? DEFAULT_FILE : named, optional);
  }

  /** {@code file} may be missing only when {@code optional}. */
  public static Future<Settings> load(Vertx vertx, String file, boolean optional) {
    ConfigStoreOptions yaml = new ConfigStoreOptions().setType("file").setFormat("yaml").setOptional(optional)
      .setConfig(new JsonObject().put("path", file));
    ConfigStoreOptions env = new ConfigStoreOptions().setType("env")
      .setConfig(new JsonObject().put("raw-data", true).put("keys", new JsonArray(EdgeConfig.ENVIRONMENT.stream()
        .sorted().toList())));
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setIncludeDefaultStores(false)
      .addStore(yaml).addStore(env);
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig().map(Settings::new).eventually(retriever::close);
  }
}
