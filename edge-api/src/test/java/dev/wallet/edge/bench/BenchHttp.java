package dev.wallet.edge.bench;

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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load generator's HTTP side: keep-alive connections to every edge, requests spread over the
 * edges in turn (as a balancer would), and tokens minted like scripts/dev-token.sh does. Lean on
 * purpose: bodies are built as text and nothing is parsed unless a caller asks for it, so the
 * generator spends its share of the two cores on sending, not on itself.
 */
final class BenchHttp {

  /** An answer: status and body. */
  record Answer(int status, Buffer body) {

    JsonObject json() {
      return body.toJsonObject();
    }

    /** The status and, for a problem answer, its code: "422 insufficient_funds"; the status alone otherwise. */
    String problem() {
      try {
        return status + Optional.ofNullable(json().getString("code")).map(code -> " " + code).orElse("");
      } catch (RuntimeException notAProblem) {
        return Integer.toString(status);
      }
    }

    Answer require(int... statuses) {
      for (int expected : statuses) {
        if (status == expected) {
          return this;
        }
      }
      throw new IllegalStateException("expected " + java.util.Arrays.toString(statuses) + ", got " + status + ": "
        + body);
    }
  }

  private static final int CLIENT_KEEP_ALIVE_SECONDS = 30;

  private final HttpClientAgent client;
  private final List<URI> edges;
  private final String secret;
  private final AtomicLong turn = new AtomicLong();

  BenchHttp(Vertx vertx, List<URI> edges, String secret, int connectionsPerEdge) {
    this.edges = List.copyOf(edges);
    this.secret = secret;
    // the pool lets a connection go after 30 s unused, well before an edge closes it (60 s; each
    // answer's Keep-Alive hint says as much), and never hands one out past that: otherwise a request
    // can be sent on a connection the edge is closing at that moment, and get no answer. The idle
    // timeout set here before did not do it: Vert.x's HTTP/1 client applies it only to a connection
    // with a request in flight, so unused ones stayed for the pool's default of 60 s, the edge's own
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
      .setKeepAliveTimeout(CLIENT_KEEP_ALIVE_SECONDS), new PoolOptions().setHttp1MaxSize(connectionsPerEdge));
  }

  List<URI> edges() {
    return edges;
  }

  Future<Answer> get(String path, String token) {
    return send(HttpMethod.GET, path, token, null, null);
  }

  Future<Answer> post(String path, String token, String idempotencyKey, String json) {
    return send(HttpMethod.POST, path, token, idempotencyKey, json);
  }

  Future<Answer> put(String path, String token, String json) {
    return send(HttpMethod.PUT, path, token, null, json);
  }

  private Future<Answer> send(HttpMethod method, String path, String token, String idempotencyKey, String json) {
    URI edge = edges.get((int) (turn.getAndIncrement() % edges.size()));
    RequestOptions options = new RequestOptions().setMethod(method).setHost(edge.getHost()).setPort(edge.getPort())
      .setURI(path);
    if (token != null) {
      options.putHeader("Authorization", "Bearer " + token);
    }
    if (idempotencyKey != null) {
      options.putHeader("Idempotency-Key", idempotencyKey);
    }
    if (json != null) {
      options.putHeader("Content-Type", "application/json");
    }
    return client.request(options)
      .compose(request -> json == null ? request.send() : request.send(json))
      .compose(response -> response.body().map(body -> new Answer(response.statusCode(), body)));
  }

  String token(String subject, String... roles) {
    return Tokens.forSystem(secret, subject, roles);
  }

  Future<Void> close() {
    return client.close();
  }
}
