package dev.wallet.edge.chaos;

import dev.wallet.balancecache.async.Deadline;
import dev.wallet.edge.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.List;

/**
 * The fault suite's HTTP side: every request names the edge it goes to (a client retrying an
 * unanswered request goes to the other edge, as it would behind a balancer that noticed), and
 * every request has a deadline, because a stalled dependency must show as an unknown outcome
 * rather than hold a client forever.
 */
final class ChaosHttp {

  /** An answer: status and body. */
  record Answer(int status, Buffer body) {

    /** The body as JSON; empty when it is none (a proxy's or a dying server's text). */
    JsonObject json() {
      try {
        return body.length() == 0 ? new JsonObject() : body.toJsonObject();
      } catch (io.vertx.core.json.DecodeException notJson) {
        return new JsonObject();
      }
    }
  }

  private final Vertx vertx;
  private final HttpClientAgent client;
  private final List<URI> edges;
  private final String secret;
  private final long timeoutMs;

  ChaosHttp(Vertx vertx, List<URI> edges, String secret, long timeoutMs) {
    this.vertx = vertx;
    this.edges = List.copyOf(edges);
    this.secret = secret;
    this.timeoutMs = timeoutMs;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
      .setConnectTimeout((int) timeoutMs), new PoolOptions().setHttp1MaxSize(64));
  }

  int edgeCount() {
    return edges.size();
  }

  URI edge(int index) {
    return edges.get(Math.floorMod(index, edges.size()));
  }

  Future<Answer> get(int edge, String path, String token) {
    return send(edge, HttpMethod.GET, path, token, null, null);
  }

  Future<Answer> post(int edge, String path, String token, String idempotencyKey, String json) {
    return send(edge, HttpMethod.POST, path, token, idempotencyKey, json);
  }

  private Future<Answer> send(int edge, HttpMethod method, String path, String token, String idempotencyKey,
                              String json) {
    URI target = edge(edge);
    RequestOptions options = new RequestOptions().setMethod(method).setHost(target.getHost())
      .setPort(target.getPort()).setURI(path).setIdleTimeout(timeoutMs);
    if (token != null) {
      options.putHeader("Authorization", "Bearer " + token);
    }
    if (idempotencyKey != null) {
      options.putHeader("Idempotency-Key", idempotencyKey);
    }
    if (json != null) {
      options.putHeader("Content-Type", "application/json");
    }
    Future<Answer> answer = client.request(options)
      .compose(request -> json == null ? request.send() : request.send(json))
      .compose(response -> response.body().map(body -> new Answer(response.statusCode(), body)));
    return Deadline.within(vertx, answer, timeoutMs);
  }

  String token(String subject, String... roles) {
    return Tokens.forSystem(secret, subject, roles);
  }

  Future<Void> close() {
    return client.close();
  }
}
