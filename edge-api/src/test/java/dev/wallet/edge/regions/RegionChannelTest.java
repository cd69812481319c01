package dev.wallet.edge.regions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.RefusedByRegionException;
import dev.wallet.balancecache.RegionUnreachableException;
import dev.wallet.balancecache.Settlement;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.MovementKind;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.edge.gateway.WebhookSignature;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the channel between regions tells the sweeper when a delivery fails: a region that gave no
 * answer at all (the sweeper skips the whole region for the rest of its pass), one that answered
 * that it can take nothing now (only the destination's shard is skipped), or one that refused the
 * delivery itself (only that movement is passed over).
 */
@ExtendWith(VertxExtension.class)
class RegionChannelTest {

  @Test
  @DisplayName("no connection, or no reply in time, is a region unreachable; an answer that is no decision is not")
  void noAnswerIsUnreachable(Vertx vertx) {
    HttpServer answers503 = Await.result(vertx.createHttpServer()
      .requestHandler(request -> request.response().setStatusCode(503).end()).listen(0));
    HttpServer neverReplies = Await.result(vertx.createHttpServer().requestHandler(request -> { }).listen(0));
    Regions.Region self = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
    Regions regions = new Regions(List.of(self,
      new Regions.Region("b", 1, URI.create("http://127.0.0.1:" + answers503.actualPort())),
      new Regions.Region("c", 2, URI.create("http://127.0.0.1:" + neverReplies.actualPort())),
      new Regions.Region("d", 3, URI.create("http://127.0.0.1:" + closedPort(vertx)))), Optional.of(self));
    WebClient http = WebClient.create(vertx);
    RegionChannel channel = new RegionChannel(vertx, http, regions,
      region -> "a-secret-of-thirty-two-bytes-or-more-0123456789", 1_000, Clock.systemUTC());
    try {
      assertThat(failureOf(channel.credit("b", settlementTo(1_001)))).isNotInstanceOf(RegionUnreachableException.class)
        .hasMessageContaining("503");
      assertThat(failureOf(channel.credit("c", settlementTo(2_001)))).as("no reply in time")
        .isInstanceOf(RegionUnreachableException.class);
      assertThat(failureOf(channel.credit("d", settlementTo(3_001)))).as("no connection")
        .isInstanceOf(RegionUnreachableException.class);
    } finally {
      http.close();
      Await.result(answers503.close());
      Await.result(neverReplies.close());
    }
  }

  /**
   * With every connection of the pool held by a call the other region does not answer, the calls
   * queued behind it fail with their deadline and are never sent: the first call the region answers
   * after that is the next one it receives.
   */
  @Test
  @DisplayName("a call queued for a connection while the other region does not answer is dropped at its deadline, "
    + "not sent later")
  void aCallGivenUpIsNotSentLater(Vertx vertx) {
    AtomicBoolean answering = new AtomicBoolean();
    AtomicInteger received = new AtomicInteger();
    HttpServer region = Await.result(vertx.createHttpServer().requestHandler(request -> {
      received.incrementAndGet();
      if (answering.get()) {
        request.response().setStatusCode(503).end();
      }
    }).listen(0));
    WebClient http = WebClient.create(vertx, new WebClientOptions(), new PoolOptions().setHttp1MaxSize(1));
    RegionChannel channel = channelTo(vertx, http, region, "a-secret-of-thirty-two-bytes-or-more-0123456789");
    try {
      Promise<List<Future<OutcomeCode>>> asked = Promise.promise();
      vertx.runOnContext(turn -> asked.complete(List.of(channel.credit("b", settlementTo(1_001)),
        channel.credit("b", settlementTo(1_002)), channel.credit("b", settlementTo(1_003)))));
      for (Future<?> call : Await.result(asked.future())) {
        assertThat(failureOf(call)).isInstanceOf(RegionUnreachableException.class);
      }
      answering.set(true);

      assertThat(failureOf(channel.credit("b", settlementTo(1_004)))).hasMessageContaining("503");
      assertThat(received.get()).as("requests region b received: the first call's and the last").isEqualTo(2);
    } finally {
      http.close();
      Await.result(region.close());
    }
  }

  /**
   * Until 2026-12-07 a region's answer was believed as it came: one changed on its way to "refused"
   * made the source give the money back while the destination kept its credit.
   */
  @Test
  @DisplayName("a region's answer is believed only when it is signed with the pair's secret for the request it answers: "
    + "unsigned, signed with another secret, or signed for another request (replayed), it fails the call")
  void onlyAnAnswerSignedForTheRequestIsBelieved(Vertx vertx) {
    String secret = "a-secret-of-thirty-two-bytes-or-more-0123456789";
    AtomicInteger answering = new AtomicInteger();
    String[] firstRequestSignature = new String[1];
    HttpServer region = Await.result(vertx.createHttpServer().requestHandler(request -> {
      String requestSignature = request.getHeader(WebhookSignature.HEADER);
      byte[] body = new JsonObject().put("code", "OK").toBuffer().getBytes();
      String signedFor = switch (answering.get()) {
        case 0 -> { firstRequestSignature[0] = requestSignature; yield requestSignature; }
        case 2 -> firstRequestSignature[0];
        default -> requestSignature;
      };
      String key = answering.get() == 3 ? "another-secret-of-thirty-two-bytes-or-more-012" : secret;
      if (answering.get() != 1) {
        request.response().putHeader(RegionChannel.ANSWER_SIGNATURE_HEADER, new WebhookSignature(key)
          .header(Instant.now().getEpochSecond(), RegionChannel.answering(RegionChannel.PATH, signedFor, "b", body)));
      }
      request.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(body));
    }).listen(0));
    WebClient http = WebClient.create(vertx);
    RegionChannel channel = channelTo(vertx, http, region, secret);
    try {
      assertThat(Await.result(channel.credit("b", settlementTo(1_001)))).as("signed for it").isEqualTo(OutcomeCode.OK);
      answering.set(1);
      assertThat(failureOf(channel.credit("b", settlementTo(1_002)))).as("unsigned").hasMessageContaining("MALFORMED");
      answering.set(2);
      assertThat(failureOf(channel.credit("b", settlementTo(1_003)))).as("the first answer's signature, replayed")
        .hasMessageContaining("BAD_SIGNATURE");
      answering.set(3);
      assertThat(failureOf(channel.credit("b", settlementTo(1_004)))).as("another secret")
        .hasMessageContaining("BAD_SIGNATURE");
    } finally {
      http.close();
      Await.result(region.close());
    }
  }

  /**
   * Until 2026-12-07 every answer but a decision failed a delivery alike, and the sweeper took a
   * refusal of one movement (answered on each delivery) for its destination shard failing: the
   * movements after it to that shard waited for good.
   */
  @Test
  @DisplayName("an answer that refuses the message itself (400, 404, 500, a decision this region does not know) "
    + "fails it as refused by the region; one that says the region can take nothing now (401, 429, 503) does not")
  void aRefusalOfTheMessageIsToldApartFromNotNow(Vertx vertx) {
    String secret = "a-secret-of-thirty-two-bytes-or-more-0123456789";
    AtomicInteger status = new AtomicInteger();
    HttpServer region = Await.result(vertx.createHttpServer().requestHandler(request -> {
      byte[] body = new JsonObject().put("code", "A_CODE_OF_A_NEWER_RELEASE").toBuffer().getBytes();
      request.response().putHeader(RegionChannel.ANSWER_SIGNATURE_HEADER, new WebhookSignature(secret).header(
        Instant.now().getEpochSecond(), RegionChannel.answering(RegionChannel.PATH,
          request.getHeader(WebhookSignature.HEADER), "b", body)));
      request.response().setStatusCode(status.get()).putHeader("Content-Type", "application/json")
        .end(Buffer.buffer(body));
    }).listen(0));
    WebClient http = WebClient.create(vertx);
    RegionChannel channel = channelTo(vertx, http, region, secret);
    try {
      for (int refusal : List.of(200, 400, 404, 500)) {
        status.set(refusal);
        assertThat(failureOf(channel.credit("b", settlementTo(1_001)))).as("answered " + refusal)
          .isInstanceOf(RefusedByRegionException.class);
      }
      for (int notNow : List.of(401, 429, 503)) {
        status.set(notNow);
        assertThat(failureOf(channel.credit("b", settlementTo(1_001)))).as("answered " + notNow)
          .isNotInstanceOf(RefusedByRegionException.class).isNotInstanceOf(RegionUnreachableException.class)
          .hasMessageContaining(Integer.toString(notNow));
      }
    } finally {
      http.close();
      Await.result(region.close());
    }
  }

  /** This region's channel to region b, answered by {@code region}, both signing with {@code secret}. */
  private static RegionChannel channelTo(Vertx vertx, WebClient http, HttpServer region, String secret) {
    Regions.Region self = new Regions.Region("a", 0, URI.create("http://127.0.0.1:1"));
    Regions regions = new Regions(List.of(self,
      new Regions.Region("b", 1, URI.create("http://127.0.0.1:" + region.actualPort()))), Optional.of(self));
    return new RegionChannel(vertx, http, regions, name -> secret, 1_000, Clock.systemUTC());
  }

  /** A port nothing listens on any more. */
  private static int closedPort(Vertx vertx) {
    HttpServer server = Await.result(vertx.createHttpServer().requestHandler(request -> { }).listen(0));
    int port = server.actualPort();
    Await.result(server.close());
    return port;
  }

  private static Settlement settlementTo(int shard) {
    return new Settlement("t0001_" + "0".repeat(24), MovementKind.TRANSFER, WalletId.random(new ShardId(1)),
      WalletId.random(new ShardId(shard)), new Money(100, Currency.getInstance("USD")), "a");
  }

  private static Throwable failureOf(Future<?> call) {
    AsyncResult<?> done = Await.result(call.<AsyncResult<?>>transform(Future::succeededFuture));
    assertThat(done.failed()).as("the call failed").isTrue();
    return done.cause();
  }
}
