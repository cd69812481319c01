package dev.wallet.edge.gateway.sandbox;

import dev.wallet.edge.config.ConfigLoader;
import dev.wallet.edge.config.EdgeConfig;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the sandbox gateway as its own process, as a real gateway would be: the edge reaches it at
 * WALLET_SANDBOX_URL and it delivers its webhooks to WALLET_SANDBOX_WEBHOOK_URLS. Same
 * configuration sources as the edge (environment, then the YAML file); it needs only the gateway's
 * settings, and its secrets follow the same rule (required outside WALLET_MODE=development).
 */
public final class SandboxMain {

  private static final Logger LOG = LoggerFactory.getLogger(SandboxMain.class);

  private SandboxMain() {
  }

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    ConfigLoader.load(vertx)
      .map(EdgeConfig::gatewayFrom)
      .compose(gateway -> vertx.deployVerticle(new SandboxGateway(gateway)).map(gateway))
      .onSuccess(gateway -> LOG.info("sandbox gateway listening on port {}, delivering webhooks to {} ({})",
        gateway.sandbox().port(), gateway.sandbox().webhookUrls(), gateway.sandbox()))
      .onFailure(failure -> {
        LOG.error("sandbox gateway failed to start", failure);
        vertx.close().onComplete(closed -> System.exit(1));
      });
  }
}
