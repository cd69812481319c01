package dev.wallet.edge.console;

import dev.wallet.edge.console.LiveFigures.Chart;
import dev.wallet.edge.console.LiveFigures.Point;
import dev.wallet.edge.console.LiveFigures.Reading;
import dev.wallet.edge.console.LiveFigures.Series;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Draws a {@link Reading} as the Live page shows it, once, on the server: each chart's polylines in
 * an SVG view box, its axis labels, a sentence a screen reader can read, and a table of the figures
 * (one row a minute). The page renders this model; its refresh script receives the same model as
 * JSON and only puts the new coordinates and texts in place.
 */
public final class LivePlot {

  static final int WIDTH = 640;
  static final int HEIGHT = 200;
  static final int LEFT = 56;
  static final int RIGHT = 630;
  static final int TOP = 10;
  static final int BOTTOM = 176;
  private static final long ROW_EVERY_SECONDS = 60;
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter MINUTE = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneOffset.UTC);

  private LivePlot() {
  }

  /** The whole page's figures: where they came from, the window, and every chart. */
  public static Map<String, Object> view(Reading reading) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("state", reading.state().name().toLowerCase(Locale.ROOT));
    view.put("ok", reading.state() == LiveFigures.State.OK);
    view.put("message", reading.message());
    view.put("from", reading.from().toString());
    view.put("to", reading.to().toString());
    view.put("window", "from " + CLOCK.format(reading.from()) + " to " + CLOCK.format(reading.to()) + " UTC");
    view.put("stepSeconds", LiveFigures.STEP_SECONDS);
    view.put("status", reading.state() == LiveFigures.State.OK ? "Figures " + view.get("window") + " from "
      + reading.edges() + " edge(s) and " + reading.writers() + " ledger writer(s)." : reading.message());
    view.put("edges", reading.edges());
    view.put("writers", reading.writers());
    List<Map<String, Object>> charts = new ArrayList<>();
    for (Chart chart : LiveFigures.CHARTS) {
      charts.add(chart(chart, reading.series().getOrDefault(chart.id(), List.of()), reading));
    }
    view.put("charts", charts);
    view.put("geometry", Map.of("width", WIDTH, "height", HEIGHT, "left", LEFT, "right", RIGHT, "top", TOP,
      "bottom", BOTTOM, "middle", (TOP + BOTTOM) / 2));
    return view;
  }

  private static Map<String, Object> chart(Chart chart, List<Series> series, Reading reading) {
    double max = niceCeiling(series.stream().flatMap(s -> s.points().stream()).mapToDouble(Point::value).max()
      .orElse(0));
    long from = reading.from().getEpochSecond();
    long to = reading.to().getEpochSecond();
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("id", chart.id());
    view.put("title", chart.title());
    view.put("unit", chart.unit());
    view.put("empty", series.isEmpty());
    view.put("none", chart.none());
    view.put("hasTotals", chart.totalQuery().isPresent());
    view.put("yTicks", List.of(tick(max), tick(max / 2), "0"));
    view.put("xTicks", List.of(CLOCK.format(reading.from()), CLOCK.format(Instant.ofEpochSecond((from + to) / 2)),
      CLOCK.format(reading.to())));
    List<Map<String, Object>> lines = new ArrayList<>();
    for (int i = 0; i < series.size(); i++) {
      lines.add(line(series.get(i), i, max, from, to));
    }
    view.put("series", lines);
    view.put("summary", summary(chart, lines));
    view.put("columns", series.stream().map(Series::name).toList());
    view.put("rows", rows(series, from, to));
    return view;
  }

  private static Map<String, Object> line(Series series, int index, double max, long from, long to) {
    StringBuilder points = new StringBuilder();
    double peak = 0;
    long peakAt = from;
    for (Point point : series.points()) {
      double x = LEFT + (double) (point.epochSecond() - from) / Math.max(1, to - from) * (RIGHT - LEFT);
      double y = BOTTOM - (max == 0 ? 0 : point.value() / max) * (BOTTOM - TOP);
      points.append(points.isEmpty() ? "" : " ").append(coordinate(x)).append(',').append(coordinate(y));
      if (point.value() > peak) {
        peak = point.value();
        peakAt = point.epochSecond();
      }
    }
    double now = series.points().isEmpty() ? 0 : series.points().get(series.points().size() - 1).value();
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("name", series.name());
    line.put("style", "s" + (index % 8));
    line.put("points", points.toString());
    line.put("now", figure(now));
    line.put("peak", figure(peak));
    line.put("peakAt", peak > 0 ? CLOCK.format(Instant.ofEpochSecond(peakAt)) : "");
    line.put("total", series.total().map(String::valueOf).orElse(""));
    return line;
  }

  /** What a screen reader says for the chart: each series now, and its peak with its time. */
  private static String summary(Chart chart, List<Map<String, Object>> lines) {
    if (lines.isEmpty()) {
      return chart.title() + ": " + chart.none();
    }
    StringBuilder text = new StringBuilder(chart.title()).append(" (").append(chart.unit()).append("): ");
    for (int i = 0; i < lines.size(); i++) {
      Map<String, Object> line = lines.get(i);
      text.append(i == 0 ? "" : "; ").append("all".equals(line.get("name")) ? "" : line.get("name") + " ")
        .append("now ").append(line.get("now")).append(", peak ").append(line.get("peak"));
      if (!"".equals(line.get("peakAt"))) {
        text.append(" at ").append(line.get("peakAt")).append(" UTC");
      }
      if (!"".equals(line.get("total"))) {
        text.append(", ").append(line.get("total")).append(" counted by the running edges");
      }
    }
    return text.append('.').toString();
  }

  /** One row a minute, newest first: the time and each series' value then (blank where it had none). */
  private static List<Map<String, Object>> rows(List<Series> series, long from, long to) {
    List<Map<Long, Double>> bySecond = series.stream().map(s -> {
      Map<Long, Double> values = new HashMap<>();
      s.points().forEach(point -> values.put(point.epochSecond(), point.value()));
      return values;
    }).toList();
    List<Map<String, Object>> rows = new ArrayList<>();
    for (long at = to; at >= from && !series.isEmpty(); at -= ROW_EVERY_SECONDS) {
      List<String> cells = new ArrayList<>();
      for (Map<Long, Double> values : bySecond) {
        Double value = values.get(at);
        cells.add(value == null ? "" : figure(value));
      }
      rows.add(Map.of("time", MINUTE.format(Instant.ofEpochSecond(at)), "values", cells));
    }
    return rows;
  }

  /** 1, 2 or 5 times a power of ten, at least the peak (1 for a flat zero, so that the axis has labels). */
  static double niceCeiling(double peak) {
    if (peak <= 0) {
      return 1;
    }
    double magnitude = Math.pow(10, Math.floor(Math.log10(peak)));
    for (double step : new double[] {1, 2, 5, 10}) {
      if (step * magnitude >= peak) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  /** At most two decimals, none when whole: 12, 0.5, 1.33. */
  public static String figure(double value) {
    return BigDecimal.valueOf(value).setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
  }

  /** An axis label: two significant digits, so that half of 0.05 reads 0.025. */
  public static String tick(double value) {
    return BigDecimal.valueOf(value).round(new MathContext(2)).stripTrailingZeros().toPlainString();
  }

  private static String coordinate(double value) {
    return BigDecimal.valueOf(value).setScale(1, RoundingMode.HALF_UP).toPlainString();
  }
}
