package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.edge.console.Console;
import dev.wallet.edge.console.ConsoleSession;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.BiConsumer;
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
    withAccessLog(vertx, (edge, lines) -> {
      ApiCaller alice = edge.newUser();
      HttpResponse<Buffer> opened = Await.result(edge.http.post("/v1/wallets")
        .putHeader("Authorization", "Bearer " + alice.token()).putHeader("X-Request-Id", "trace-42")
        .putHeader("Content-Type", "application/json")
        .sendBuffer(new JsonObject().put("currency", "USD").put("type", "personal").toBuffer()));

      assertThat(opened.getHeader("X-Request-Id")).isEqualTo("trace-42");
      JsonObject line = lineOf(lines, "trace-42");
      assertThat(line.getString("logger")).isEqualTo("dev.wallet.edge.access");
      assertThat(line.getString("level")).isEqualTo("INFO");
      assertThat(line.getString("method")).isEqualTo("POST");
      assertThat(line.getString("route")).isEqualTo("/v1/wallets");
      assertThat(line.getString("status")).isEqualTo("201");
      assertThat(line.getString("caller")).isEqualTo(alice.id());
      assertThat(Double.parseDouble(line.getString("durationMs"))).isPositive();
      assertThat(line.getString("timestamp")).endsWith("Z");
    });
  }

  /** Until 2026-12-07 the console's lines said "-": who exported the regulator's report was nowhere. */
  @Test
  @DisplayName("a console operator is named on the lines of their sign-in, their pages and their refused posts")
  void consoleOperatorsAreNamed(Vertx vertx) {
    withAccessLog(vertx, (edge, lines) -> {
      String officer = "console-officer-" + UUID.randomUUID();
      String token = Tokens.valid(officer, "risk");
      String cookie = ConsoleSession.COOKIE + "=" + token;

      HttpResponse<Buffer> signIn = Await.result(edge.http.post("/console/sign-in").followRedirects(false)
        .putHeader("X-Request-Id", "console-sign-in").putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer("token=" + token)));
      int exported = Await.result(edge.http.get("/console/aml/export").putHeader("Cookie", cookie)
        .putHeader("X-Request-Id", "console-export").send()).statusCode();
      int forged = Await.result(edge.http.post("/console/kyc").putHeader("Cookie", cookie)
        .putHeader("X-Request-Id", "console-forged").putHeader("Content-Type", "application/x-www-form-urlencoded")
        .sendBuffer(Buffer.buffer("owner=someone&tier=vip"))).statusCode();

      assertThat(List.of(exported, forged)).containsExactly(200, 403);
      assertThat(signIn.statusCode()).as(signIn.bodyAsString()).isBetween(300, 399);
      assertThat(List.of("console-sign-in", "console-export", "console-forged"))
        .allSatisfy(requestId -> assertThat(lineOf(lines, requestId).getString("caller")).as(requestId)
          .isEqualTo(officer));
    });
  }

  @Test
  @DisplayName("a console sign-in is a token, not a large upload: a larger form is refused (413)")
  void consoleSignInIsSmall(Vertx vertx) {
    withAccessLog(vertx, (edge, lines) -> {
      String tooLarge = "token=" + "a".repeat(Console.SIGN_IN_LIMIT_BYTES);
      assertThat(Await.result(edge.http.post("/console/sign-in")
        .putHeader("Content-Type", "application/x-www-form-urlencoded").sendBuffer(Buffer.buffer(tooLarge)))
        .statusCode()).isEqualTo(413);
    });
  }

  private static void withAccessLog(Vertx vertx, BiConsumer<EdgeFixture, StringWriter> test) {
    StringWriter lines = new StringWriter();
    LoggerConfig access = capture(lines);
    EdgeFixture edge = EdgeFixture.start(vertx);
    try {
      test.accept(edge, lines);
    } finally {
      edge.close();
      access.removeAppender("capture");
      access.setLevel(Level.WARN);
      ((LoggerContext) LogManager.getContext(false)).updateLoggers();
    }
  }

  private static JsonObject lineOf(StringWriter lines, String requestId) {
    Eventually.await("the access-log line of " + requestId, Duration.ofSeconds(10),
      () -> lines.toString().contains(requestId));
    return logged(lines).stream().filter(json -> requestId.equals(json.getString("requestId"))).findFirst()
      .orElseThrow();
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
