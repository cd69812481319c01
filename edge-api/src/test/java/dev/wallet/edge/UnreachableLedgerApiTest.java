package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.PaymentsApiTest.completedPayment;
import static dev.wallet.edge.PaymentsApiTest.refund;
import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.ledger.LedgerWriter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the hot tier no longer holds is read from the ledger; with the ledger unreachable (here the
 * edge's ledger reader pointed at a port nothing listens on, once the records have expired) such a
 * request is 503, retried later, never a 404 that would say the payment or authorization does not
 * exist, nor a refund decided without its bound.
 */
@ExtendWith(VertxExtension.class)
class UnreachableLedgerApiTest {

  private static Vertx vertx;
  private static EdgeFixture edge;
  private static LedgerWriter writer;
  private static Redis redis;

  @BeforeAll
  static void start(Vertx testVertx) {
    vertx = testVertx;
    edge = EdgeFixture.start(vertx);
    writer = EdgeFixture.startLedgerWriter(vertx, "unreachable-ledger", 1_000);
    redis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
  }

  @AfterAll
  static void stop() {
    Await.result(writer.stop());
    redis.close();
    edge.close();
  }

  @Test
  @DisplayName("with the ledger unreachable, a payment and an authorization whose records expired are 503 to read, "
    + "and a refund of the payment is 503 and moves nothing")
  void expiredRecordsWithoutTheLedgerAreUnavailable() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = alice.openWallet();
    alice.deposit(payer, 10_000);
    String merchant = new MoneyCore(edge.cache).openMerchant(shop.id(), Optional.of(new WalletId(payer))).value();
    String paymentId = completedPayment(alice, payer, merchant, 1_000);
    String authorization = alice.post("/v1/authorizations", AuthorizationsApiTest.authorization(payer, merchant, 500),
      newKey()).bodyAsJsonObject().getString("id");
    HttpResponse<Buffer> voided = shop.post("/v1/authorizations/" + authorization + "/void", new JsonObject(), newKey());
    String shard = new WalletId(payer).shard().tag();
    awaitGone(shard + ":x:" + paymentId);
    awaitGone(shard + ":pay:" + paymentId);
    awaitGone(shard + ":h:" + authorization);
    LedgerDatabase nowhere = new LedgerDatabase(TestEnvironment.pgHost(), EdgeFixture.freePort(),
      TestEnvironment.pgDatabase(), TestEnvironment.pgUser(), TestEnvironment.pgPassword());
    edge.cache.connectLedger(LedgerReader.create(EdgeFixture.pool(vertx, nowhere)));

    HttpResponse<Buffer> payment = alice.get("/v1/payments/" + paymentId);
    HttpResponse<Buffer> refunded = shop.post("/v1/payments/" + paymentId + "/refunds", refund(300), newKey());
    HttpResponse<Buffer> authorizationRead = alice.get("/v1/authorizations/" + authorization);

    assertThat(voided.statusCode()).as(voided.bodyAsString()).isEqualTo(200);
    assertProblem(payment, 503, "unavailable");
    assertProblem(refunded, 503, "unavailable");
    assertProblem(authorizationRead, 503, "unavailable");
    assertThat(alice.available(payer)).isEqualTo(9_000);
  }

  private static void awaitGone(String record) {
    HotRecords.awaitGone(redis, record);
  }
}
