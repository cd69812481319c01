package dev.wallet.edge.http;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;

/**
 * Marks every answer of the API and of its administration as one no cache may keep
 * ({@code Cache-Control: no-store}): balances, movements, KYC profiles and compliance reports are
 * a customer's, and so is a refusal. A shared cache should not keep an answer to a request with
 * credentials anyway; a browser's, a workstation's or a misconfigured proxy's may, on disk. The
 * console's pages say the same themselves ({@code ConsolePages}).
 */
public final class NotCached {

  private static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");

  private NotCached() {
  }

  public static void mark(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, NO_STORE);
    ctx.next();
  }
}
