package dev.wallet.edge.console;

import dev.wallet.edge.http.Reply;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * The console's Live page: transfers per second, refusals by code, 5xx, the saga backlog and the
 * ledger lag over the last minutes, for the whole system ({@link LiveFigures}), drawn on the server
 * ({@link LivePlot}). The page's script asks {@code /console/live/series} every few seconds for the
 * same drawing as JSON.
 */
public final class ConsoleLive {

  private final LiveFigures figures;
  private final ConsolePages pages;

  public ConsoleLive(LiveFigures figures, ConsolePages pages) {
    this.figures = figures;
    this.pages = pages;
  }

  /** GET /console/live */
  public void page(RoutingContext ctx) {
    Map<String, Object> model = ConsolePages.model(ctx, "live");
    pages.render(ctx, 200, "live", figures.read().map(reading -> {
      model.put("live", LivePlot.view(reading));
      return model;
    }));
  }

  /** GET /console/live/series: the page's figures as JSON (200 whatever Prometheus does: the state says). */
  public void series(RoutingContext ctx) {
    Reply.onContextOf(io.vertx.core.Vertx.currentContext(), figures.read())
      .onSuccess(reading -> ctx.response().putHeader("Content-Type", Reply.JSON)
        .end(new JsonObject(LivePlot.view(reading)).encode()))
      .onFailure(ctx::fail);
  }
}
