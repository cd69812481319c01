package dev.wallet.edge.gateway.sandbox;

import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.PostgresText;
import dev.wallet.edge.gateway.Gateway;
import dev.wallet.edge.gateway.GatewayAck;
import dev.wallet.edge.gateway.GatewayEvent;
import dev.wallet.edge.gateway.GatewayFeedPage;
import dev.wallet.edge.gateway.GatewayRefusedException;
import dev.wallet.edge.gateway.GatewayRequest;
import dev.wallet.edge.gateway.GatewayStatus;
import dev.wallet.edge.gateway.GatewayUnavailableException;
import dev.wallet.balancecache.async.Deadline;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The sandbox gateway as the edge reaches it: over HTTP, like any bank or card gateway, with an
 * API key and a deadline. Anything but a clear answer in time is a
 * {@link GatewayUnavailableException}: the request may have reached the gateway or not, and
 * {@link #status} says which later.
 */
public final class SandboxGatewayClient implements Gateway {

  public static final String NAME = "sandbox";

  private final Vertx vertx;
  private final WebClient http;
  private final String baseUrl;
  private final String apiKey;
  private final long timeoutMs;

  public SandboxGatewayClient(Vertx vertx, WebClient http, String baseUrl, String apiKey, long timeoutMs) {
    this.vertx = vertx;
    this.http = http;
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Future<GatewayAck> collect(GatewayRequest request) {
    return submit("/v1/collections", request);
  }

  @Override
  public Future<GatewayAck> payout(GatewayRequest request) {
    return submit("/v1/payouts", request);
  }

  @Override
  public Future<GatewayStatus> status(String reference) {
    return withinDeadline(http.getAbs(baseUrl + "/v1/operations/" + URLEncoder.encode(reference, StandardCharsets.UTF_8))
      .bearerTokenAuthentication(apiKey)
      .idleTimeout(timeoutMs)
      .send())
      .map(SandboxGatewayClient::status);
  }

  @Override
  public Future<GatewayFeedPage> events(Optional<String> after, int limit) {
    HttpRequest<Buffer> request = http.getAbs(baseUrl + "/v1/events").addQueryParam("limit", Integer.toString(limit));
    after.ifPresent(id -> request.addQueryParam("after", id));
    return withinDeadline(request.bearerTokenAuthentication(apiKey).idleTimeout(timeoutMs).send())
      .map(SandboxGatewayClient::page);
  }

  private Future<GatewayAck> submit(String path, GatewayRequest request) {
    return withinDeadline(http.postAbs(baseUrl + path)
      .bearerTokenAuthentication(apiKey)
      .idleTimeout(timeoutMs)
      .sendJsonObject(SandboxProtocol.requestJson(request)))
      .map(SandboxGatewayClient::ack);
  }

  private Future<HttpResponse<Buffer>> withinDeadline(Future<HttpResponse<Buffer>> call) {
    return Deadline.within(vertx, call, timeoutMs)
      .recover(failure -> Future.failedFuture(new GatewayUnavailableException("the sandbox gateway did not answer: "
        + failure, failure)));
  }

  private static GatewayAck ack(HttpResponse<Buffer> response) {
    if (response.statusCode() == 400 || response.statusCode() == 422) {
      throw new GatewayRefusedException(response.statusCode(), "the sandbox gateway refused it, "
        + response.statusCode() + ": " + response.bodyAsString());
    }
    if (response.statusCode() != 202 && response.statusCode() != 200) {
      throw new GatewayUnavailableException("the sandbox gateway answered " + response.statusCode() + ": "
        + response.bodyAsString());
    }
    return new GatewayAck(response.bodyAsJsonObject().getString("gatewayRef"));
  }

  private static GatewayFeedPage page(HttpResponse<Buffer> response) {
    if (response.statusCode() != 200) {
      throw new GatewayUnavailableException("the sandbox gateway answered " + response.statusCode() + ": "
        + response.bodyAsString());
    }
    try {
      JsonObject body = PostgresText.withoutNul(response.bodyAsJsonObject());
      List<GatewayFeedPage.Entry> entries = body.getJsonArray("events").stream()
        .map(event -> entry((JsonObject) event)).toList();
      return new GatewayFeedPage(entries, body.getBoolean("more"));
    } catch (RuntimeException malformed) {
      throw new GatewayUnavailableException("the sandbox gateway's event feed did not read: " + malformed);
    }
  }

  /** An event that does not read, but has an id, is one entry of its own: the events after it still read. */
  private static GatewayFeedPage.Entry entry(JsonObject event) {
    try {
      return GatewayEvent.fromJson(event);
    } catch (RuntimeException unreadable) {
      String id = event.getString("id");
      if (id == null || id.isBlank()) {
        throw unreadable;
      }
      return new GatewayFeedPage.Unreadable(id, unreadable + " in " + event.encode());
    }
  }

  private static GatewayStatus status(HttpResponse<Buffer> response) {
    if (response.statusCode() == 404) {
      return GatewayStatus.unknown();
    }
    if (response.statusCode() != 200) {
      throw new GatewayUnavailableException("the sandbox gateway answered " + response.statusCode());
    }
    JsonObject body = PostgresText.withoutNul(response.bodyAsJsonObject());
    Optional<Money> amount = body.containsKey("amount")
      ? Optional.of(new Money(body.getLong("amount"), Currencies.parse(body.getString("currency"))))
      : Optional.empty();
    return new GatewayStatus(GatewayStatus.State.valueOf(body.getString("status").toUpperCase(Locale.ROOT)),
      Optional.ofNullable(body.getString("gatewayRef")), Optional.ofNullable(body.getString("reason")), amount);
  }
}
