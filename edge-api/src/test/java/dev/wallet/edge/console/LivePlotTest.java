package dev.wallet.edge.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.edge.console.LiveFigures.Point;
import dev.wallet.edge.console.LiveFigures.Reading;
import dev.wallet.edge.console.LiveFigures.Series;
import dev.wallet.edge.console.LiveFigures.State;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** How the Live page draws figures: the drawing is pure, so its numbers are checked exactly here. */
class LivePlotTest {

  private static final Instant FROM = Instant.parse("2026-11-30T02:00:00Z");
  private static final Instant TO = FROM.plusSeconds(900);

  @Test
  @DisplayName("a series is drawn from the left edge at the window's start to the right edge at its end, scaled to a "
    + "round ceiling above its peak, with its summary and one table row a minute, newest first")
  void drawsASeries() {
    Series transfers = new Series("all", List.of(new Point(FROM.getEpochSecond(), 0),
      new Point(FROM.getEpochSecond() + 450, 1.5), new Point(TO.getEpochSecond(), 0.75)), Optional.of(42L));
    Map<String, Object> view = LivePlot.view(new Reading(State.OK, "", FROM, TO, Map.of("transfers", List.of(transfers)),
      2, 1));

    Map<String, Object> chart = chart(view, "transfers");
    assertThat(chart.get("yTicks")).isEqualTo(List.of("2", "1", "0"));
    assertThat(chart.get("xTicks")).isEqualTo(List.of("02:00:00", "02:07:30", "02:15:00"));
    Map<?, ?> line = (Map<?, ?>) ((List<?>) chart.get("series")).get(0);
    assertThat(line.get("points")).isEqualTo("56.0,176.0 343.0,51.5 630.0,113.8");
    assertThat(chart.get("summary")).isEqualTo("Transfers per second (per second): now 0.75, peak 1.5 at 02:07:30 UTC, "
      + "42 counted by the running edges.");
    List<?> rows = (List<?>) chart.get("rows");
    assertThat(rows).hasSize(16);
    assertThat(rows.get(0)).isEqualTo(Map.of("time", "02:15", "values", List.of("0.75")));
    assertThat(rows.get(15)).isEqualTo(Map.of("time", "02:00", "values", List.of("0")));
    assertThat(view.get("status")).isEqualTo("Figures from 02:00:00 to 02:15:00 UTC from 2 edge(s) and 1 ledger writer(s).");
  }

  @Test
  @DisplayName("a chart without series says what that means; a reading without figures keeps its message")
  void emptyCharts() {
    Map<String, Object> view = LivePlot.view(new Reading(State.UNREACHABLE, "Prometheus does not answer", FROM, TO,
      Map.of(), 0, 0));
    assertThat(view.get("ok")).isEqualTo(false);
    assertThat(view.get("state")).isEqualTo("unreachable");
    assertThat(view.get("status")).isEqualTo("Prometheus does not answer");
    Map<String, Object> ledger = chart(view, "ledger");
    assertThat(ledger.get("empty")).isEqualTo(true);
    assertThat(ledger.get("summary")).isEqualTo("Ledger lag: outbox entries not yet in PostgreSQL: "
      + "No ledger writer is scraped.");
    assertThat(ledger.get("rows")).isEqualTo(List.of());
  }

  @Test
  @DisplayName("axis ceilings are 1, 2 or 5 times a power of ten, their labels two significant digits; figures "
    + "carry at most two decimals")
  void roundFigures() {
    assertThat(LivePlot.niceCeiling(0)).isEqualTo(1);
    assertThat(LivePlot.figure(LivePlot.niceCeiling(0.07))).isEqualTo("0.1");
    assertThat(LivePlot.figure(LivePlot.niceCeiling(0.3))).isEqualTo("0.5");
    assertThat(LivePlot.niceCeiling(1.2)).isEqualTo(2);
    assertThat(LivePlot.niceCeiling(3)).isEqualTo(5);
    assertThat(LivePlot.niceCeiling(7)).isEqualTo(10);
    assertThat(LivePlot.niceCeiling(120)).isEqualTo(200);
    assertThat(LivePlot.figure(0)).isEqualTo("0");
    assertThat(LivePlot.figure(12)).isEqualTo("12");
    assertThat(LivePlot.figure(1.0 / 3)).isEqualTo("0.33");
    assertThat(LivePlot.tick(0.025)).isEqualTo("0.025");
    assertThat(LivePlot.tick(2500)).isEqualTo("2500");
    assertThat(LivePlot.tick(0.5)).isEqualTo("0.5");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> chart(Map<String, Object> view, String id) {
    return ((List<Map<String, Object>>) view.get("charts")).stream().filter(chart -> id.equals(chart.get("id")))
      .findFirst().orElseThrow();
  }
}
