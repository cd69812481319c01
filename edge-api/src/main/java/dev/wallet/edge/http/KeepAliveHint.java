package dev.wallet.edge.http;

import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * Tells every client to let an unused connection go after N seconds ({@code Keep-Alive: timeout=N}),
 * half the idle timeout. The edge closes a connection that stays quiet for the
 * idle timeout; a client that keeps it in its pool for as long may send a request on it just as the
 * edge closes it, and that request gets no answer. Clients that honour the hint (Vert.x's, Apache
 * HttpClient's) let such a connection go well before. No hint under a 2 s idle timeout: a
 * timeout of 0 means "keep it for ever" to some clients.
 */
public final class KeepAliveHint {

  public static final String HEADER = "Keep-Alive";

  private final Optional<String> value;

  public KeepAliveHint(long idleTimeoutMs) {
    long seconds = idleTimeoutMs / 2_000;
    this.value = seconds >= 1 ? Optional.of("timeout=" + seconds) : Optional.empty();
  }

  public void handle(RoutingContext ctx) {
    value.ifPresent(hint -> ctx.response().putHeader(HEADER, hint));
    ctx.next();
  }
}
