package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.layout.template.json.JsonTemplateLayout;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The production log format (edge-log.json, JsonTemplateLayout) as an operator reads it. */
@ExtendWith(VertxExtension.class)
class AccessLogTest {

  @Test
  @DisplayName("each request leaves one JSON access-log line with its request id, route, status, caller and duration")
  void structuredAccessLog(Vertx vertx) {
    StringWriter lines = new StringWriter();
    LoggerConfig access = capture(lines);
    EdgeFixture edge = EdgeFixture.start(vertx);
    try {
      ApiCaller alice = edge.newUser();
      HttpResponse<Buffer> opened = Await.result(edge.http.post("/v1/wallets")
        .putHeader("Authorization", "Bearer " + alice.token()).putHeader("X-Request-Id", "trace-42")
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("currency", "USD").put("type", "personal").toBuffer()));

      assertThat(opened.getHeader("X-Request-Id")).isEqualTo("trace-42");
      Eventually.await("the access-log line", Duration.ofSeconds(10), () -> lines.toString().contains("trace-42"));
      JsonObject line = logged(lines).stream().filter(json -> "trace-42".equals(json.getString("requestId")))
        .findFirst().orElseThrow();
      assertThat(line.getString("logger")).isEqualTo("dev.wallet.edge.access");
      assertThat(line.getString("level")).isEqualTo("INFO");
      assertThat(line.getString("method")).isEqualTo("POST");
      assertThat(line.getString("route")).isEqualTo("/v1/wallets");
      assertThat(line.getString("status")).isEqualTo("201");
      assertThat(line.getString("caller")).isEqualTo(alice.id());
      assertThat(Double.parseDouble(line.getString("durationMs"))).isPositive();
      assertThat(line.getString("timestamp")).endsWith("Z");
    } finally {
      edge.close();
      access.removeAppender("capture");
      access.setLevel(Level.WARN);
      ((LoggerContext) LogManager.getContext(false)).updateLoggers();
    }
  }

  private static LoggerConfig capture(StringWriter lines) {
    LoggerContext context = (LoggerContext) LogManager.getContext(false);
    Configuration configuration = context.getConfiguration();
    WriterAppender appender = WriterAppender.newBuilder().setName("capture").setTarget(lines)
      .setLayout(JsonTemplateLayout.newBuilder().setConfiguration(configuration)
        .setEventTemplateUri("classpath:edge-log.json").build())
      .build();
    appender.start();
    LoggerConfig access = configuration.getLoggerConfig("dev.wallet.edge.access");
    access.addAppender(appender, Level.INFO, null);
    access.setLevel(Level.INFO);
    context.updateLoggers();
    return access;
  }

  private static List<JsonObject> logged(StringWriter lines) {
    return Arrays.stream(lines.toString().split("\n")).filter(line -> line.startsWith("{")).map(JsonObject::new)
      .toList();
  }
}
