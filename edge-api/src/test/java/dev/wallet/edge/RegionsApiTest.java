package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.transfer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.config.Secrets;
import dev.wallet.balancecache.model.ShardRange;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.edge.gateway.WebhookSignature;
import dev.wallet.edge.regions.RegionChannel;
import dev.wallet.ledger.LedgerDatabase;
import dev.wallet.ledger.LedgerMigrations;
import dev.wallet.ledger.LedgerPlacement;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.ledger.MoneyHalts;
import dev.wallet.ledger.ReconciliationReport;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two regions, each a complete wallet with its own Redis Cluster and PostgreSQL (region b's is the
 * second infrastructure scripts/test.sh brings up): a wallet's id names its home region, and a
 * request that reaches the other region's edge is sent home, never applied there; a transfer between
 * them is debited in its source region and settled in the other through the signed channel.
 */
@ExtendWith(VertxExtension.class)
class RegionsApiTest {

  private static final String SWEEP_INTERVAL_MS = "300";
  /** The secret regions a and b share, and no other pair: each region names it for the other. */
  private static final String PAIR_SECRET = "the-secret-of-regions-a-and-b-alone-0123456789";
  private static EdgeFixture regionA;
  private static EdgeFixture regionB;
  private static Map<String, String> regionAEnvironment;
  private static Map<String, String> regionBEnvironment;
  private static String urlA;
  private static String urlB;
  private static WebClient client;

  @BeforeAll
  static void start(Vertx vertx) {
    int portA = EdgeFixture.freePort();
    int portB = EdgeFixture.freePort();
    urlA = "http://127.0.0.1:" + portA;
    urlB = "http://127.0.0.1:" + portB;
    String regions = "a=" + urlA + ",b=" + urlB;
    // both of region b's ledger databases: a deposit there asks its shard's database first whether it has it
    LedgerMigrations.migrate(LedgerPlacement.parse(TestEnvironment.regionBLedgerPlacement(), regionBDatabase(),
      new ShardRange(1000, Integer.parseInt(TestEnvironment.env("WALLET_SHARDS", "64")))).as(TestEnvironment.pgOwner(), TestEnvironment.pgOwnerPassword()),
      TestEnvironment.pgUser());
    // both sweep, as every edge of a deployment does: a settlement that did not get through is asked again
    // region a also checks its books against b's on a timer, as every edge does (every minute by default)
    regionAEnvironment = Map.of("WALLET_REGION", "a", "WALLET_REGIONS", regions,
      "WALLET_HTTP_PORT", Integer.toString(portA), "WALLET_SWEEP_INTERVAL_MS", SWEEP_INTERVAL_MS,
      "WALLET_SANDBOX_WEBHOOK_URLS", urlA + "/v1/webhooks/gateway/sandbox", "WALLET_REGION_CHECK_INTERVAL_MS", "500",
      "WALLET_REGION_SECRETS", "b=" + PAIR_SECRET);
    regionA = EdgeFixture.start(vertx, regionAEnvironment);
    regionBEnvironment = Map.of("WALLET_REGION", "b", "WALLET_REGIONS", regions,
      "WALLET_HTTP_PORT", Integer.toString(portB), "WALLET_SWEEP_INTERVAL_MS", SWEEP_INTERVAL_MS,
      "WALLET_SANDBOX_WEBHOOK_URLS", urlB + "/v1/webhooks/gateway/sandbox",
      "WALLET_REDIS_NODES", String.join(",", TestEnvironment.regionBRedisNodes()),
      "WALLET_PG_PORT", Integer.toString(TestEnvironment.regionBPgPort()),
      "WALLET_LEDGER_PLACEMENT", TestEnvironment.regionBLedgerPlacement(), "WALLET_REGION_SECRETS", "a=" + PAIR_SECRET,
      "WALLET_FEE_DEFAULT_BPS", "250");
    regionB = EdgeFixture.start(vertx, regionBEnvironment);
    client = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false));
  }

  @AfterAll
  static void stop() {
    client.close();
    regionB.close();
    regionA.close();
  }

  private static LedgerDatabase regionBDatabase() {
    return new LedgerDatabase(TestEnvironment.pgHost(), TestEnvironment.regionBPgPort(), TestEnvironment.pgDatabase(),
      TestEnvironment.pgUser(), TestEnvironment.pgPassword());
  }

  @Test
  @DisplayName("each region opens wallets on its own shards: region a from 0, region b from 1000")
  void walletsOpenOnTheirRegionsShards() {
    String inA = regionA.newUser().openWallet();
    String inB = regionB.newUser().openWallet();

    assertThat(new WalletId(inA).shard().number()).isBetween(0, regionA.cache.shardCount() - 1);
    assertThat(new WalletId(inB).shard().number()).isBetween(1000, 1000 + regionB.cache.shardCount() - 1);
  }

  @Test
  @DisplayName("a read of another region's wallet is answered 307 with the same request at its home region, which "
    + "answers it")
  void readSentHome() {
    ApiCaller bob = regionB.newUser();
    String wallet = bob.openWallet();

    HttpResponse<Buffer> atA = send(HttpMethod.GET, urlA + "/v1/wallets/" + wallet, bob, null, null);

    assertWrongRegion(atA, "b", urlB + "/v1/wallets/" + wallet);
    HttpResponse<Buffer> followed = send(HttpMethod.GET, atA.getHeader("Location"), bob, null, null);
    assertThat(followed.statusCode()).as(followed.bodyAsString()).isEqualTo(200);
    assertThat(followed.bodyAsJsonObject()).isEqualTo(bob.wallet(wallet));
  }

  @Test
  @DisplayName("a region halted by its reconciliation still sends another region's customers home (307), refuses "
    + "its own (503 halted), and answers a request between regions it cannot verify 401, not whether it is halted")
  void aHaltedRegionSendsOthersHome(Vertx vertx) {
    ApiCaller alice = regionA.newUser();
    String from = alice.openWallet();
    String to = alice.openWallet();
    alice.deposit(from, 500);
    whileRegionBHalted(vertx, () -> {
      HttpResponse<Buffer> atB = send(HttpMethod.POST, urlB + "/v1/transfers", alice, transfer(from, to, 120), newKey());
      HttpResponse<Buffer> forgedRefund = askRegionB(RegionChannel.REFUNDS_PATH, new JsonObject(),
        "a-secret-no-region-of-this-deployment-has", "a");

      WalletsApiTest.assertProblem(forgedRefund, 401, "unauthorized");
      assertThat(forgedRefund.getHeader("WWW-Authenticate")).startsWith(WebhookSignature.HEADER + " ");
      assertWrongRegion(atB, "a", urlA + "/v1/transfers");
      assertThat(alice.available(from)).isEqualTo(500);
    });
  }

  /**
   * Runs {@code whileHalted} with region b halted by a finding of its reconciliation (seen by its
   * edge: a transfer there is 503), then releases it and waits until region b moves money again:
   * every edge reads the halts once a second, and the tests after this one need region b.
   */
  private static void whileRegionBHalted(Vertx vertx, Runnable whileHalted) {
    ApiCaller bob = regionB.newUser();
    String bobs = bob.openWallet();
    bob.deposit(bobs, 500);
    Pool ledgerB = EdgeFixture.pool(vertx, regionBDatabase());
    MoneyHalts halts = MoneyHalts.create(ledgerB);
    try {
      Await.result(halts.raise(new Discrepancy(ReconciliationReport.Kind.LEDGER_TOTAL, "XTS-" + UUID.randomUUID(),
        "raised by RegionsApiTest"), "regions-test", Instant.now()));
      Eventually.await("region b to halt", Duration.ofSeconds(10), () -> send(HttpMethod.POST, urlB + "/v1/transfers",
        bob, transfer(bobs, bob.openWallet(), 1), newKey()).statusCode() == 503);
      whileHalted.run();
    } finally {
      Await.result(halts.releaseAll("regions-test", "released after RegionsApiTest"));
      Await.result(ledgerB.close());
      Eventually.await("region b to move money again", Duration.ofSeconds(10), () -> send(HttpMethod.POST,
        urlB + "/v1/transfers", bob, transfer(bobs, bob.openWallet(), 1), newKey()).statusCode() != 503);
    }
  }

  @Test
  @DisplayName("money leaving another region's wallet is sent home untouched; the same request there moves it once")
  void transferSentHome() {
    ApiCaller bob = regionB.newUser();
    String from = bob.openWallet();
    String to = bob.openWallet();
    bob.deposit(from, 500);
    String key = newKey();
    JsonObject body = transfer(from, to, 120);

    HttpResponse<Buffer> atA = send(HttpMethod.POST, urlA + "/v1/transfers", bob, body, key);

    assertWrongRegion(atA, "b", urlB + "/v1/transfers");
    assertThat(bob.available(from)).isEqualTo(500);
    HttpResponse<Buffer> atHome = send(HttpMethod.POST, atA.getHeader("Location"), bob, body, key);
    assertThat(atHome.statusCode()).as(atHome.bodyAsString()).isEqualTo(201);
    HttpResponse<Buffer> replayed = send(HttpMethod.POST, urlB + "/v1/transfers", bob, body, key);
    assertThat(replayed.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(bob.available(from)).isEqualTo(380);
    assertThat(bob.available(to)).isEqualTo(120);
  }

  @Test
  @DisplayName("a transfer to another region's wallet is debited at once, answered 202 pending, and settles there; "
    + "told that it is finished, that region lets its decision marker expire")
  void transferBetweenRegionsSettles(Vertx vertx) {
    Parties p = between(300, 0);

    HttpResponse<Buffer> sent = p.alice().post("/v1/transfers", transfer(p.inA(), p.inB(), 100), newKey());

    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    assertThat(sent.bodyAsJsonObject().getString("status")).isEqualTo("pending");
    String id = sent.bodyAsJsonObject().getString("id");
    assertThat(awaitTransfer(p.alice(), id)).isEqualTo("completed");
    assertThat(p.alice().available(p.inA())).isEqualTo(200);
    assertThat(p.bob().available(p.inB())).isEqualTo(100);
    // the transfer lives in region a, which cannot tell that bob owns a wallet of region b: his history is there
    WalletsApiTest.assertProblem(send(HttpMethod.GET, urlA + "/v1/transfers/" + id, p.bob(), null, null), 404,
      "not_found");
    String marker = new WalletId(p.inB()).shard().tag() + ":in:" + id;
    Redis regionBRedis = regionBRedis(vertx);
    try {
      Eventually.await("region b's decision marker to get its lifetime", Duration.ofSeconds(10),
        () -> Await.result(regionBRedis.send(Request.cmd(Command.PTTL).arg(marker))).toLong() > 0);
    } finally {
      regionBRedis.close();
    }
  }

  @Test
  @DisplayName("each region's live feed follows its own side of a transfer between them: the sender's debit "
    + "here, the receiver's credit there")
  void liveFeedsOnBothSides(Vertx vertx) {
    Parties p = between(300, 0);
    LiveSocket sender = LiveSocket.open(vertx, regionA.port(), p.inA(), p.alice().token());
    LiveSocket receiver = LiveSocket.open(vertx, regionB.port(), p.inB(), p.bob().token());
    try {
      HttpResponse<Buffer> sent = p.alice().post("/v1/transfers", transfer(p.inA(), p.inB(), 120), newKey());
      String id = sent.bodyAsJsonObject().getString("id");

      JsonObject debited = sender.awaitMessage("the debit on the sender's feed",
        message -> id.equals(message.getString("transactionId")));
      JsonObject credited = receiver.awaitMessage("the credit on the receiver's feed",
        message -> id.equals(message.getString("transactionId")));
      assertThat(debited.getLong("available")).isEqualTo(180);
      assertThat(credited.getLong("available")).isEqualTo(120);
      assertThat(credited.getString("walletId")).isEqualTo(p.inB());
    } finally {
      sender.socket.close();
      receiver.socket.close();
    }
  }

  @Test
  @DisplayName("a transfer the other region refuses (its wallet is in another currency) is reversed here, once")
  void refusedThereReversedHere() {
    ApiCaller alice = regionA.newUser();
    String from = alice.openWallet();
    alice.deposit(from, 300);
    ApiCaller bob = regionB.newUser();
    HttpResponse<Buffer> opened = bob.post("/v1/wallets", new JsonObject().put("currency", "EUR")
      .put("type", "personal"), Optional.empty());
    String euros = opened.bodyAsJsonObject().getString("id");

    HttpResponse<Buffer> sent = alice.post("/v1/transfers", transfer(from, euros, 100), newKey());

    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    assertThat(awaitTransfer(alice, sent.bodyAsJsonObject().getString("id"))).isEqualTo("reversed");
    assertThat(alice.available(from)).isEqualTo(300);
    assertThat(bob.wallet(euros).getJsonObject("balance").getLong("available")).isZero();
  }

  @Test
  @DisplayName("the receiver's limits are its region's to apply: a receiver whose tier may not receive is refused "
    + "there, and the transfer comes back")
  void receiverLimitsAppliedThere() {
    Parties p = between(300, 0);
    // the test rules' basic tier may not receive
    LimitsApiTest.setTier(regionB.as("officer-" + UUID.randomUUID(), "risk"), p.bob().id(), "basic", null);

    String key = newKey();
    HttpResponse<Buffer> sent = p.alice().post("/v1/transfers", transfer(p.inA(), p.inB(), 100), key);

    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    String id = sent.bodyAsJsonObject().getString("id");
    assertThat(awaitTransfer(p.alice(), id)).isEqualTo("reversed");
    assertThat(p.alice().get("/v1/transfers/" + id).bodyAsJsonObject().getString("reversalCode"))
      .as("as within a region: the receiver's limits are not the sender's business").isEqualTo("receiver_cannot_accept");
    HttpResponse<Buffer> replayed = p.alice().post("/v1/transfers", transfer(p.inA(), p.inB(), 100), key);
    WalletsApiTest.assertProblem(replayed, 422, "receiver_cannot_accept");
    assertThat(replayed.bodyAsJsonObject().getString("transferStatus")).isEqualTo("reversed");
    assertThat(p.alice().available(p.inA())).isEqualTo(300);
    assertThat(p.bob().available(p.inB())).isZero();
  }

  @Test
  @DisplayName("20 concurrent transfers each way between two regions all settle, and the money of both adds up")
  void concurrentTransfersBothWays(Vertx vertx) {
    Parties p = between(1_000, 1_000);

    List<Future<HttpResponse<Buffer>>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(sendAsync(HttpMethod.POST, urlA + "/v1/transfers", p.alice(), transfer(p.inA(), p.inB(), 30),
        newKey()));
      sent.add(sendAsync(HttpMethod.POST, urlB + "/v1/transfers", p.bob(), transfer(p.inB(), p.inA(), 20),
        newKey()));
    }
    Await.result(Future.all(sent));

    for (Future<HttpResponse<Buffer>> answer : sent) {
      HttpResponse<Buffer> response = answer.result();
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(202);
      ApiCaller sender = response.bodyAsJsonObject().getString("fromWalletId").equals(p.inA()) ? p.alice() : p.bob();
      assertThat(awaitTransfer(sender, response.bodyAsJsonObject().getString("id"))).isEqualTo("completed");
    }
    assertThat(p.alice().available(p.inA())).isEqualTo(1_000 - 20 * 30 + 20 * 20);
    assertThat(p.bob().available(p.inB())).isEqualTo(1_000 + 20 * 30 - 20 * 20);
  }

  @Test
  @DisplayName("with the other region stopped a transfer waits pending, and settles once when it is back; a payment "
    + "to a merchant of it that this region has not asked about yet, whose fee only it can say, is answered 503 and "
    + "moves nothing; one to a merchant it answered about a moment ago waits pending like the transfer")
  void otherRegionDownThenBack(Vertx vertx) {
    Parties p = between(300, 0);
    Checkout c = checkoutAcrossRegions(200);
    Checkout known = checkoutAcrossRegions(300);
    paid(known, 10);
    regionB.close();
    long failedDeliveries = regionA.cache.sagaCounts().sweepFailures();
    String id;
    String knownPayment;
    try {
      HttpResponse<Buffer> sent = p.alice().post("/v1/transfers", transfer(p.inA(), p.inB(), 100), newKey());
      assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
      id = sent.bodyAsJsonObject().getString("id");
      HttpResponse<Buffer> sameRegion = p.alice().post("/v1/transfers", transfer(p.inA(), p.alice().openWallet(), 50),
        newKey());
      assertThat(sameRegion.statusCode()).as("region a's own traffic goes on").isEqualTo(201);
      HttpResponse<Buffer> payment = c.payer().post("/v1/payments", PaymentsApiTest.payment(c.from(), c.shop(), 50),
        newKey());
      WalletsApiTest.assertProblem(payment, 503, "unavailable");
      assertThat(c.payer().available(c.from())).isEqualTo(200);
      HttpResponse<Buffer> toKnown = known.payer().post("/v1/payments",
        PaymentsApiTest.payment(known.from(), known.shop(), 40), newKey());
      assertThat(toKnown.statusCode()).as(toKnown.bodyAsString()).isEqualTo(202);
      knownPayment = toKnown.bodyAsJsonObject().getString("id");
      // the sweeper (every 300 ms, for movements older than 5 s) tries to deliver it while region b is away
      Eventually.await("a delivery to fail while region b is stopped", Duration.ofSeconds(20),
        () -> regionA.cache.sagaCounts().sweepFailures() > failedDeliveries);
      assertThat(p.alice().get("/v1/transfers/" + id).bodyAsJsonObject().getString("status")).isEqualTo("pending");
      assertThat(p.alice().available(p.inA())).isEqualTo(150);
      Eventually.await("region a's gauges to count what waits for region b", Duration.ofSeconds(15),
        () -> waitingFor(regionA, "b") >= 2);
    } finally {
      regionB = EdgeFixture.start(vertx, regionBEnvironment);
    }

    assertThat(awaitTransfer(p.alice(), id)).isEqualTo("completed");
    assertThat(regionB.as(p.bob().id()).available(p.inB())).isEqualTo(100);
    assertThat(p.alice().available(p.inA())).isEqualTo(150);
    assertThat(awaitPayment(known.payer(), knownPayment).getString("status")).isEqualTo("completed");
    assertThat(known.payer().available(known.from())).isEqualTo(300 - 10 - 40);
  }

  /**
   * Region b answers every delivery of one movement 500 (its receiver's key holds no wallet, so its
   * credit fails there every time). Until 2026-12-07 region a's sweeper took that answer for the
   * destination shard failing, skipped it for the rest of the pass, and the movement, the oldest,
   * failed first in every pass: nothing more to that shard was ever credited.
   */
  @Test
  @DisplayName("a movement the other region refuses on every delivery (500) does not hold back the later movements to "
    + "its shard there; once it can be credited it settles too, and the money adds up")
  void aMovementTheOtherRegionAlwaysRefusesDoesNotBlockItsShard(Vertx vertx) {
    Parties p = between(300, 0);
    String poisoned = p.inB();
    String next = p.bob().openWalletNear(poisoned);
    ReceiverKey receiver = new ReceiverKey(vertx, poisoned);
    String failing;
    String behind;
    regionB.close();
    try {
      failing = pendingTransfer(p.alice(), p.inA(), poisoned, 100);
      behind = pendingTransfer(p.alice(), p.inA(), next, 50);
      receiver.holdNoWallet();
    } finally {
      regionB = EdgeFixture.start(vertx, regionBEnvironment);
    }
    try {
      assertThat(awaitTransfer(p.alice(), behind)).isEqualTo("completed");
      assertThat(p.alice().get("/v1/transfers/" + failing).bodyAsJsonObject().getString("status")).isEqualTo("pending");
    } finally {
      receiver.restore();
    }

    assertThat(awaitTransfer(p.alice(), failing)).isEqualTo("completed");
    assertThat(p.alice().available(p.inA())).isEqualTo(150);
    assertThat(regionB.as(p.bob().id()).available(poisoned)).isEqualTo(100);
    assertThat(regionB.as(p.bob().id()).available(next)).isEqualTo(50);
  }

  /** A transfer from region a to region b, answered 202 pending: its id. */
  private static String pendingTransfer(ApiCaller sender, String from, String to, long amount) {
    HttpResponse<Buffer> sent = sender.post("/v1/transfers", transfer(from, to, amount), newKey());
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(202);
    return sent.bodyAsJsonObject().getString("id");
  }

  /** A wallet's key in region b's Redis, set aside for a string (every script on it fails) and put back. */
  private static final class ReceiverKey {

    private final Redis redis;
    private final String key;
    private final String aside;
    private boolean heldAside;

    ReceiverKey(Vertx vertx, String wallet) {
      this.redis = regionBRedis(vertx);
      this.key = new WalletId(wallet).shard().tag() + ":w:" + wallet;
      this.aside = key + ":aside";
    }

    void holdNoWallet() {
      Await.result(redis.send(Request.cmd(Command.RENAME).arg(key).arg(aside)));
      heldAside = true;
      Await.result(redis.send(Request.cmd(Command.SET).arg(key).arg("no wallet")));
    }

    void restore() {
      try {
        if (heldAside) {
          Await.result(redis.send(Request.cmd(Command.DEL).arg(key)));
          Await.result(redis.send(Request.cmd(Command.RENAME).arg(aside).arg(key)));
        }
      } finally {
        redis.close();
      }
    }
  }

  /** wallet_saga_pending_to_region{peer} of an edge: its movements to that region not yet settled; -1 before the first read. */
  private static double waitingFor(EdgeFixture edge, String peer) {
    Gauge waiting = edge.registry.find("wallet_saga_pending_to_region").tag("peer", peer).gauge();
    return waiting == null ? -1 : waiting.value();
  }

  @Test
  @DisplayName("while the channel to the other region holds every delivery, this region answers its transfers to "
    + "that region (202) and its own (201) all the same; the held transfer settles once the channel lets go")
  void heldChannelHoldsNoAnswerHere(Vertx vertx) {
    HeldChannel channel = HeldChannel.start(vertx, urlB);
    EdgeFixture edge = edgeOfABehind(vertx, channel);
    try {
      ApiCaller alice = edge.newUser();
      String from = alice.openWallet();
      String mine = alice.openWallet();
      alice.deposit(from, 300);
      ApiCaller bob = regionB.newUser();
      String to = bob.openWallet();

      HttpResponse<Buffer> abroad = alice.post("/v1/transfers", transfer(from, to, 100), newKey());
      Eventually.await("the delivery to be held in the channel", Duration.ofSeconds(10), () -> channel.held() > 0);
      HttpResponse<Buffer> home = alice.post("/v1/transfers", transfer(from, mine, 50), newKey());

      assertThat(abroad.statusCode()).as(abroad.bodyAsString()).isEqualTo(202);
      assertThat(home.statusCode()).as(home.bodyAsString()).isEqualTo(201);
      String id = abroad.bodyAsJsonObject().getString("id");
      assertThat(alice.get("/v1/transfers/" + id).bodyAsJsonObject().getString("status")).isEqualTo("pending");
      assertThat(bob.available(to)).isZero();
      channel.letGo();
      assertThat(awaitTransfer(alice, id)).isEqualTo("completed");
      assertThat(bob.available(to)).isEqualTo(100);
      assertThat(alice.available(from)).isEqualTo(150);
    } finally {
      edge.close();
      channel.close();
    }
  }

  /**
   * Until 2026-12-07 answers between regions were not signed: region a believed the forged refusal,
   * gave alice her money back, and region b kept the credit it had made.
   */
  @Test
  @DisplayName("an answer between regions changed on its way is not believed: a credit answered \"refused\" by a "
    + "forger is not given back, and completes with the real answer")
  void aForgedAnswerIsNotBelieved(Vertx vertx) {
    HeldChannel channel = HeldChannel.start(vertx, urlB);
    channel.forgeDeliveryAnswers(new JsonObject().put("code", "WALLET_INACTIVE"));
    channel.letGo();
    EdgeFixture edge = edgeOfABehind(vertx, channel);
    try {
      ApiCaller alice = edge.newUser();
      String from = alice.openWallet();
      alice.deposit(from, 300);
      ApiCaller bob = regionB.newUser();
      String to = bob.openWallet();

      HttpResponse<Buffer> abroad = alice.post("/v1/transfers", transfer(from, to, 100), newKey());
      assertThat(abroad.statusCode()).as(abroad.bodyAsString()).isEqualTo(202);
      String id = abroad.bodyAsJsonObject().getString("id");
      Eventually.await("region b to credit bob, and its answer to be forged", Duration.ofSeconds(20),
        () -> bob.available(to) == 100 && channel.forged() >= 1);

      // pending, or completed by region a's other edge, whose way to b is not the forger's; never reversed
      assertThat(alice.get("/v1/transfers/" + id).bodyAsJsonObject().getString("status")).isIn("pending", "completed");
      assertThat(alice.available(from)).as("not given back").isEqualTo(200);
      channel.forgeDeliveryAnswers(null);
      assertThat(awaitTransfer(alice, id)).isEqualTo("completed");
      assertThat(alice.available(from)).isEqualTo(200);
      assertThat(bob.available(to)).isEqualTo(100);
    } finally {
      edge.close();
      channel.close();
    }
  }

  @Test
  @DisplayName("a \"finished\" notice the other region did not get is owed until it has it: the sweeper tells it, "
    + "and its decision marker gets its lifetime")
  void finishedNoticeOwedUntilDelivered(Vertx vertx) {
    HeldChannel channel = HeldChannel.start(vertx, urlB);
    channel.refuseFinishedNotices(1);
    channel.letGo();
    // its way to region b refuses the first notice
    EdgeFixture edge = edgeOfABehind(vertx, channel);
    Redis regionBRedis = regionBRedis(vertx);
    Redis regionARedis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
    try {
      ApiCaller alice = edge.newUser();
      String from = alice.openWallet();
      alice.deposit(from, 300);
      String to = regionB.newUser().openWallet();

      String id = alice.post("/v1/transfers", transfer(from, to, 100), newKey()).bodyAsJsonObject().getString("id");

      assertThat(awaitTransfer(alice, id)).isEqualTo("completed");
      Eventually.await("the first notice to be refused", Duration.ofSeconds(10), () -> channel.refused() == 1);
      String marker = new WalletId(to).shard().tag() + ":in:" + id;
      Eventually.await("region b's decision marker to get its lifetime", Duration.ofSeconds(20),
        () -> Await.result(regionBRedis.send(Request.cmd(Command.PTTL).arg(marker))).toLong() > 0);
      String owed = new WalletId(from).shard().tag() + ":notices";
      Eventually.await("the notice to be struck off", Duration.ofSeconds(10),
        () -> Await.result(regionARedis.send(Request.cmd(Command.HEXISTS).arg(owed).arg(id))).toLong() == 0);
    } finally {
      regionARedis.close();
      regionBRedis.close();
      edge.close();
      channel.close();
    }
  }

  /** Another edge of region a, whose way to region b is {@code channel}. */
  private static EdgeFixture edgeOfABehind(Vertx vertx, HeldChannel channel) {
    int port = EdgeFixture.freePort();
    String url = "http://127.0.0.1:" + port;
    return EdgeFixture.start(vertx, Map.of("WALLET_REGION", "a", "WALLET_REGIONS", "a=" + url + ",b=" + channel.url(),
      "WALLET_HTTP_PORT", Integer.toString(port), "WALLET_SANDBOX_WEBHOOK_URLS", url + "/v1/webhooks/gateway/sandbox",
      "WALLET_REGION_SECRETS", "b=" + PAIR_SECRET));
  }

  /**
   * A channel between regions that holds every request until {@link #letGo}, then forwards each (and
   * every later one) to {@code target}: a delay of any length, without a clock. It may refuse (503) the
   * first "finished" notices it is given.
   */
  private static final class HeldChannel {

    private final Vertx vertx;
    private final String target;
    private final WebClient forward;
    private final List<Runnable> waiting = new ArrayList<>();
    private HttpServer server;
    private int held;
    private boolean open;
    private int toRefuse;
    private int refused;
    private JsonObject forgedDeliveryAnswer;
    private int forged;

    private HeldChannel(Vertx vertx, String target) {
      this.vertx = vertx;
      this.target = target;
      this.forward = WebClient.create(vertx, new WebClientOptions().setFollowRedirects(false));
    }

    static HeldChannel start(Vertx vertx, String target) {
      HeldChannel channel = new HeldChannel(vertx, target);
      channel.server = Await.result(vertx.createHttpServer().requestHandler(channel::hold).listen(0));
      return channel;
    }

    String url() {
      return "http://127.0.0.1:" + server.actualPort();
    }

    synchronized int held() {
      return held;
    }

    synchronized void refuseFinishedNotices(int count) {
      toRefuse = count;
    }

    synchronized int refused() {
      return refused;
    }

    /** Every answer to a delivery is changed on its way to {@code body}, its signature kept. */
    synchronized void forgeDeliveryAnswers(JsonObject body) {
      forgedDeliveryAnswer = body;
    }

    synchronized int forged() {
      return forged;
    }

    private synchronized Buffer forged(HttpServerRequest request, Buffer body) {
      if (forgedDeliveryAnswer == null || !request.path().equals(RegionChannel.PATH)) {
        return body;
      }
      forged++;
      return forgedDeliveryAnswer.toBuffer();
    }

    private synchronized boolean refusing(HttpServerRequest request) {
      if (toRefuse == 0 || !request.path().equals(RegionChannel.FINISHED_PATH)) {
        return false;
      }
      toRefuse--;
      refused++;
      return true;
    }

    private void hold(HttpServerRequest request) {
      if (refusing(request)) {
        request.response().setStatusCode(503).end();
        return;
      }
      request.body().onSuccess(body -> {
        Runnable relay = () -> forward.requestAbs(request.method(), target + request.uri())
          .putHeaders(request.headers().remove("Host")).sendBuffer(body)
          .onSuccess(answer -> {
            if (!request.response().closed()) {
              Optional.ofNullable(answer.getHeader(RegionChannel.ANSWER_SIGNATURE_HEADER))
                .ifPresent(signature -> request.response().putHeader(RegionChannel.ANSWER_SIGNATURE_HEADER, signature));
              Buffer answered = answer.bodyAsBuffer() == null ? Buffer.buffer() : answer.bodyAsBuffer();
              request.response().setStatusCode(answer.statusCode())
                .putHeader("Content-Type", "application/json").end(forged(request, answered));
            }
          });
        synchronized (this) {
          held++;
          if (!open) {
            waiting.add(relay);
            return;
          }
        }
        relay.run();
      });
    }

    void letGo() {
      List<Runnable> relays;
      synchronized (this) {
        open = true;
        relays = List.copyOf(waiting);
        waiting.clear();
      }
      relays.forEach(relay -> vertx.runOnContext(v -> relay.run()));
    }

    void close() {
      forward.close();
      Await.result(server.close());
    }
  }

  @Test
  @DisplayName("a settlement delivered again is answered with its first decision and credits nothing more; one not "
    + "signed with the secret of the pair, naming no other region, of another region's movement, or signed for "
    + "another path (a delivery replayed as the finished notice) is refused 401")
  void deliveredAgainCreditedOnce() {
    Parties p = between(300, 0);
    JsonObject settlement = settledTransfer(p, 100);

    HttpResponse<Buffer> again = deliver(settlement, PAIR_SECRET, "a");
    HttpResponse<Buffer> forged = deliver(settlement, "a-secret-no-region-of-this-deployment-has", "a");
    HttpResponse<Buffer> withTheSharedSecret = deliver(settlement, Secrets.DEV_REGION_SECRET, "a");
    HttpResponse<Buffer> asItself = deliver(settlement, PAIR_SECRET, "b");
    HttpResponse<Buffer> asNoRegion = deliver(settlement, PAIR_SECRET, "c");
    HttpResponse<Buffer> ofAnotherRegion = deliver(settlement.copy().put("sourceRegion", "c"), PAIR_SECRET, "a");
    HttpResponse<Buffer> replayedAsFinished = askRegionB(RegionChannel.FINISHED_PATH, RegionChannel.PATH, settlement,
      PAIR_SECRET, "a");

    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getString("code")).isEqualTo("OK");
    for (HttpResponse<Buffer> refused : List.of(forged, withTheSharedSecret, asItself, asNoRegion, ofAnotherRegion,
        replayedAsFinished)) {
      WalletsApiTest.assertProblem(refused, 401, "unauthorized");
    }
    assertThat(p.bob().available(p.inB())).isEqualTo(100);
  }

  @Test
  @DisplayName("a settlement delivered again while the receiving region's limits are away is answered with its first "
    + "decision: its receiver was judged when it was credited")
  void deliveredAgainWhileTheLimitsAreAway(Vertx vertx) {
    Parties p = between(300, 0);
    JsonObject settlement = settledTransfer(p, 100);
    regionB.app.limits().hazelcast().shutdown();
    try {
      assertDecidedAnsweredAgain(p, settlement, "unavailable");
    } finally {
      regionB.close();
      regionB = EdgeFixture.start(vertx, regionBEnvironment);
    }
  }

  @Test
  @DisplayName("a settlement delivered again while the receiving region is halted is answered with its first decision; "
    + "one not decided there is refused 503 halted")
  void deliveredAgainWhileTheRegionIsHalted(Vertx vertx) {
    Parties p = between(300, 0);
    JsonObject settlement = settledTransfer(p, 100);
    whileRegionBHalted(vertx, () -> assertDecidedAnsweredAgain(p, settlement, "halted"));
  }

  /**
   * {@code settlement} (credited 100 to bob) delivered again is answered with its first decision and
   * credits nothing more; one not decided in region b is refused 503 with {@code undecidedCode}.
   */
  private static void assertDecidedAnsweredAgain(Parties p, JsonObject settlement, String undecidedCode) {
    HttpResponse<Buffer> again = deliver(settlement, PAIR_SECRET, "a");
    String id = settlement.getString("movementId");
    JsonObject undecided = settlement.copy().put("movementId", id.substring(0, id.length() - 4) + "beef");
    HttpResponse<Buffer> never = deliver(undecided, PAIR_SECRET, "a");

    assertThat(again.statusCode()).as(again.bodyAsString()).isEqualTo(200);
    assertThat(again.bodyAsJsonObject().getString("code")).isEqualTo("OK");
    WalletsApiTest.assertProblem(never, 503, undecidedCode);
    assertThat(p.bob().available(p.inB())).isEqualTo(100);
  }

  /**
   * Through a second edge of region a that remembers no merchant's answer (a merchant lifetime of
   * 0), as an edge does once the answer it remembered has aged out while the merchant's region is away.
   */
  @Test
  @DisplayName("a payment to another region's merchant, asked again under its key while that region is away and its "
    + "answer about the merchant forgotten, replays it (as it stands now); a new one is 503 and moves nothing; one from "
    + "a wallet the caller does not own is 404, the merchant's region not asked")
  void aPaymentAskedAgainWhileTheMerchantsRegionIsAway(Vertx vertx) {
    Map<String, String> forgetful = new HashMap<>(regionAEnvironment);
    forgetful.put("WALLET_HTTP_PORT", Integer.toString(EdgeFixture.freePort()));
    forgetful.put("WALLET_REGION_MERCHANT_LIFETIME_MS", "0");
    EdgeFixture edgeOfA = EdgeFixture.start(vertx, forgetful);
    Checkout c = checkoutAcrossRegions(300);
    ApiCaller payer = edgeOfA.as(c.payer().id());
    String key = newKey();
    JsonObject body = PaymentsApiTest.payment(c.from(), c.shop(), 100);
    HttpResponse<Buffer> first = payer.post("/v1/payments", body, key);
    assertThat(first.statusCode()).as(first.bodyAsString()).isEqualTo(202);
    assertThat(awaitPayment(c.payer(), first.bodyAsJsonObject().getString("id")).getString("status"))
      .isEqualTo("completed");
    regionB.close();
    HttpResponse<Buffer> again;
    HttpResponse<Buffer> another;
    HttpResponse<Buffer> notTheirs;
    try {
      again = payer.post("/v1/payments", body, key);
      another = payer.post("/v1/payments", body, newKey());
      notTheirs = edgeOfA.newUser().post("/v1/payments", body, newKey());
    } finally {
      regionB = EdgeFixture.start(vertx, regionBEnvironment);
      edgeOfA.close();
    }

    assertThat(again.statusCode()).as("the payment as it stands: completed").isEqualTo(201);
    assertThat(again.getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.bodyAsJsonObject().getString("id")).isEqualTo(first.bodyAsJsonObject().getString("id"));
    WalletsApiTest.assertProblem(another, 503, "unavailable");
    WalletsApiTest.assertProblem(notTheirs, 404, "not_found");
    assertThat(c.payer().available(c.from())).isEqualTo(200);
  }

  @Test
  @DisplayName("only the region a question is signed by is answered who a merchant is, and a region may ask refunds "
    + "of its own payments only")
  void questionsAboutMerchantsSigned() {
    Checkout c = checkoutAcrossRegions(300);
    JsonObject aboutShop = new JsonObject().put("walletId", c.shop());
    JsonObject refundOfRegionBsPayment = new JsonObject().put("paymentId", "p1042_" + "0".repeat(24))
      .put("merchantWalletId", c.shop()).put("amount", 10).put("currency", "USD").put("actor", c.merchant().id())
      .put("idempotencyScope", c.merchant().id()).put("idempotencyKey", newKey());

    HttpResponse<Buffer> answered = askRegionB(RegionChannel.MERCHANTS_PATH, aboutShop, PAIR_SECRET, "a");
    HttpResponse<Buffer> aboutAPersonalWallet = askRegionB(RegionChannel.MERCHANTS_PATH,
      new JsonObject().put("walletId", regionB.newUser().openWallet()), PAIR_SECRET, "a");
    HttpResponse<Buffer> forged = askRegionB(RegionChannel.MERCHANTS_PATH, aboutShop,
      "a-secret-no-region-of-this-deployment-has", "a");
    HttpResponse<Buffer> notItsPayment = askRegionB(RegionChannel.REFUNDS_PATH, refundOfRegionBsPayment, PAIR_SECRET,
      "a");

    assertThat(answered.statusCode()).as(answered.bodyAsString()).isEqualTo(200);
    assertThat(answered.bodyAsJsonObject().getMap()).containsEntry("ownerId", c.merchant().id())
      .containsEntry("currency", "USD").containsEntry("feeBps", 250);
    assertThat(aboutAPersonalWallet.bodyAsJsonObject().isEmpty()).isTrue();
    WalletsApiTest.assertProblem(forged, 401, "unauthorized");
    WalletsApiTest.assertProblem(notItsPayment, 401, "unauthorized");
    assertThat(c.merchant().available(c.shop())).isZero();
  }

  @Test
  @DisplayName("the check between regions finds their books agree once transfers, a payment and its refund have "
    + "settled, and finds a unit changed in one of them")
  void clearingBetweenRegions(Vertx vertx) {
    Parties p = between(500, 500);
    String there = p.alice().post("/v1/transfers", transfer(p.inA(), p.inB(), 70), newKey()).bodyAsJsonObject()
      .getString("id");
    String back = p.bob().post("/v1/transfers", transfer(p.inB(), p.inA(), 30), newKey()).bodyAsJsonObject()
      .getString("id");
    assertThat(awaitTransfer(p.alice(), there)).isEqualTo("completed");
    assertThat(awaitTransfer(p.bob(), back)).isEqualTo("completed");
    Checkout c = checkoutAcrossRegions(300);
    String payment = paid(c, 200);
    HttpResponse<Buffer> refund = regionA.as(c.merchant().id(), "merchant").post("/v1/payments/" + payment
      + "/refunds", new JsonObject().put("amount", 40), newKey());
    assertThat(refund.statusCode()).as(refund.bodyAsString()).isEqualTo(202);
    awaitAvailable(c.payer(), c.from(), 140);
    ApiCaller auditor = regionA.as("auditor-" + UUID.randomUUID(), "admin");

    JsonObject agreeing = clearingCheck(auditor);

    assertThat(agreeing.getString("region")).isEqualTo("a");
    assertThat(agreeing.getJsonArray("peers").getJsonObject(0).getMap()).containsEntry("region", "b")
      .containsEntry("concluded", true).containsEntry("agree", true);
    String clearing = new WalletId(p.inB()).shard().tag() + ":a:region.a:USD";
    Redis regionBRedis = regionBRedis(vertx);
    try {
      Await.result(regionBRedis.send(Request.cmd(Command.HINCRBY).arg(clearing).arg("avail").arg(1)));
      JsonObject differing = clearingCheck(auditor).getJsonArray("peers").getJsonObject(0);
      assertThat(differing.getBoolean("agree")).isFalse();
      assertThat(differing.getJsonObject("difference").getLong("USD")).isEqualTo(1);
      Eventually.await("the check on region a's timer to report the disagreement", Duration.ofSeconds(20),
        () -> clearingGauge("wallet_region_clearing_disagrees") == 1);
    } finally {
      Await.result(regionBRedis.send(Request.cmd(Command.HINCRBY).arg(clearing).arg("avail").arg(-1)));
      regionBRedis.close();
    }
    Eventually.await("the timer's check to agree again", Duration.ofSeconds(20),
      () -> clearingGauge("wallet_region_clearing_disagrees") == 0);
    assertThat(clearingGauge("wallet_region_clearing_last_concluded_seconds") * 1000)
      .as("concluded within the last minute").isGreaterThan(System.currentTimeMillis() - 60_000);
  }

  /** Region a's gauge of its check against region b. */
  private static double clearingGauge(String name) {
    return regionA.registry.get(name).tag("peer", "b").gauge().value();
  }

  private static JsonObject clearingCheck(ApiCaller auditor) {
    HttpResponse<Buffer> checked = auditor.get("/admin/regions/clearing");
    assertThat(checked.statusCode()).as(checked.bodyAsString()).isEqualTo(200);
    return checked.bodyAsJsonObject();
  }

  @Test
  @DisplayName("a payment to another region's merchant is debited here at once, answered 202 pending, and credited "
    + "there less the fee that region charges; the payer reads it completed here")
  void paymentBetweenRegionsSettles() {
    Checkout c = checkoutAcrossRegions(1_000);

    HttpResponse<Buffer> paid = c.payer().post("/v1/payments", PaymentsApiTest.payment(c.from(), c.shop(), 400)
      .put("orderRef", "order-1"), newKey());

    assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(202);
    assertThat(paid.bodyAsJsonObject().getString("status")).isEqualTo("pending");
    // 250 basis points of 400: region b's rate for its merchants; region a charges none
    assertThat(paid.bodyAsJsonObject().getLong("fee")).isEqualTo(10);
    assertThat(c.payer().available(c.from())).isEqualTo(600);
    JsonObject payment = awaitPayment(c.payer(), paid.bodyAsJsonObject().getString("id"));
    assertThat(payment.getString("status")).isEqualTo("completed");
    assertThat(payment.getString("merchantWalletId")).isEqualTo(c.shop());
    assertThat(payment.getString("orderRef")).isEqualTo("order-1");
    assertThat(c.merchant().available(c.shop())).isEqualTo(390);
    // the payment lives in region a, which asks region b who owns its merchant's wallet
    HttpResponse<Buffer> byMerchant = regionA.as(c.merchant().id(), "merchant").get("/v1/payments/" + payment.getString("id"));
    assertThat(byMerchant.statusCode()).as(byMerchant.bodyAsString()).isEqualTo(200);
    assertThat(byMerchant.bodyAsJsonObject().getLong("fee")).isEqualTo(10);
    WalletsApiTest.assertProblem(regionA.newUser().get("/v1/payments/" + payment.getString("id")), 404, "not_found");
  }

  @Test
  @DisplayName("a merchant's standing is its region's to judge: a payment to a merchant whose owner lives in a country "
    + "that region blocks is refused there, and comes back to the payer")
  void merchantStandingJudgedThere() {
    Checkout c = checkoutAcrossRegions(1_000);
    LimitsApiTest.setTier(regionB.as("officer-" + UUID.randomUUID(), "risk"), c.merchant().id(), "full", "KP");

    HttpResponse<Buffer> paid = c.payer().post("/v1/payments", PaymentsApiTest.payment(c.from(), c.shop(), 400),
      newKey());

    assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(202);
    JsonObject payment = awaitPayment(c.payer(), paid.bodyAsJsonObject().getString("id"));
    assertThat(payment.getString("status")).isEqualTo("reversed");
    assertThat(payment.getString("reversalCode")).isEqualTo("receiver_cannot_accept");
    awaitAvailable(c.payer(), c.from(), 1_000);
    assertThat(c.merchant().available(c.shop())).isZero();
  }

  @Test
  @DisplayName("a payment to a wallet of another region that is no merchant's is answered 404 as within a region "
    + "(that region says it is none), before anything moves here")
  void paymentToPersonalWalletOfAnotherRegion() {
    Parties p = between(300, 0);

    HttpResponse<Buffer> refused = p.alice().post("/v1/payments", PaymentsApiTest.payment(p.inA(), p.inB(), 100),
      newKey());

    WalletsApiTest.assertProblem(refused, 404, "not_found");
    assertThat(p.alice().available(p.inA())).isEqualTo(300);
    assertThat(Await.result(regionA.cache.pendingMovements(new WalletId(p.inA()).shard()))).isEmpty();
  }

  @Test
  @DisplayName("a merchant refunds a payment from another region where the payment was made: the refund is made in "
    + "the merchant's region, within what was paid, replayed under its key, and comes back to the payer")
  void refundAcrossRegions() {
    Checkout c = checkoutAcrossRegions(1_000);
    String paymentId = paid(c, 400);
    ApiCaller merchantInA = regionA.as(c.merchant().id(), "merchant");
    String key = newKey();

    HttpResponse<Buffer> refunded = merchantInA.post("/v1/payments/" + paymentId + "/refunds",
      new JsonObject().put("amount", 150), key);
    // a replay while the refund is still on its way to the payer is answered 409, as for any saga in flight
    List<HttpResponse<Buffer>> again = new ArrayList<>();
    Eventually.await("the refund's replay to be answered other than 409", Duration.ofSeconds(20), () -> {
      again.add(0, merchantInA.post("/v1/payments/" + paymentId + "/refunds", new JsonObject().put("amount", 150), key));
      return again.get(0).statusCode() != 409;
    });
    HttpResponse<Buffer> beyond = merchantInA.post("/v1/payments/" + paymentId + "/refunds",
      new JsonObject().put("amount", 251), newKey());
    HttpResponse<Buffer> byAnother = regionA.as("merchant-" + UUID.randomUUID(), "merchant")
      .post("/v1/payments/" + paymentId + "/refunds", new JsonObject().put("amount", 10), newKey());

    assertThat(refunded.statusCode()).as(refunded.bodyAsString()).isEqualTo(202);
    assertThat(refunded.bodyAsJsonObject().getString("paymentId")).isEqualTo(paymentId);
    assertThat(again.get(0).getHeader("Idempotent-Replayed")).isEqualTo("true");
    assertThat(again.get(0).bodyAsJsonObject().getString("id")).isEqualTo(refunded.bodyAsJsonObject().getString("id"));
    WalletsApiTest.assertProblem(beyond, 422, "refund_exceeds_payment");
    WalletsApiTest.assertProblem(byAnother, 404, "not_found");
    awaitAvailable(c.payer(), c.from(), 600 + 150);
    assertThat(c.merchant().available(c.shop())).isEqualTo(390 - 150);
    assertThat(awaitPayment(c.payer(), paymentId).getLong("refunded")).isEqualTo(150);
  }

  @Test
  @DisplayName("a payment to another region's merchant keeps no record in the payer's region once that region's "
    + "ledger has it (a writer retiring keys after 1 s): it reads the same from the ledger there, refunds made before "
    + "and after come back to the payer within what was paid, and what came back reads from the ledger")
  void paymentsAcrossRegionsOutliveTheirRecords(Vertx vertx) {
    LedgerWriter writer = EdgeFixture.startLedgerWriter(vertx, "regions-records", 1_000);
    Redis regionARedis = Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.redisNodes()));
    try {
      Checkout c = checkoutAcrossRegions(1_000);
      String paymentId = paid(c, 400);
      ApiCaller merchantInA = regionA.as(c.merchant().id(), "merchant");
      String refunds = "/v1/payments/" + paymentId + "/refunds";
      HttpResponse<Buffer> whileHot = merchantInA.post(refunds, new JsonObject().put("amount", 100), newKey());
      awaitAvailable(c.payer(), c.from(), 600 + 100);
      JsonObject hot = awaitRefunded(c.payer(), paymentId, 100);
      String record = new WalletId(c.from()).shard().tag() + ":x:" + paymentId;
      HotRecords.awaitGone(regionARedis, record);

      HttpResponse<Buffer> fromLedger = c.payer().get("/v1/payments/" + paymentId);
      HttpResponse<Buffer> after = merchantInA.post(refunds, new JsonObject().put("amount", 150), newKey());
      HttpResponse<Buffer> beyond = merchantInA.post(refunds, new JsonObject().put("amount", 151), newKey());

      assertThat(whileHot.statusCode()).as(whileHot.bodyAsString()).isEqualTo(202);
      assertThat(fromLedger.bodyAsJsonObject()).isEqualTo(hot);
      assertThat(after.statusCode()).as(after.bodyAsString()).isEqualTo(202);
      WalletsApiTest.assertProblem(beyond, 422, "refund_exceeds_payment");
      awaitAvailable(c.payer(), c.from(), 600 + 250);
      assertThat(awaitRefunded(c.payer(), paymentId, 250).getString("status")).isEqualTo("completed");
    } finally {
      regionARedis.close();
      Await.result(writer.stop());
    }
  }

  /** The payment as its payer reads it in region a once {@code refunded} has come back. */
  private static JsonObject awaitRefunded(ApiCaller payer, String paymentId, long refunded) {
    JsonObject[] payment = new JsonObject[1];
    Eventually.await(paymentId + " to read " + refunded + " refunded", Duration.ofSeconds(30), () -> {
      payment[0] = payer.get("/v1/payments/" + paymentId).bodyAsJsonObject();
      return payment[0].getLong("refunded", -1L) == refunded;
    });
    return payment[0];
  }

  @Test
  @DisplayName("10 concurrent payments to another region's merchant all settle, and 10 concurrent refunds of one of "
    + "them that together exceed it: exactly what it allows comes back; the money of both regions adds up")
  void concurrentPaymentsAndRefundsAcrossRegions() {
    Checkout c = checkoutAcrossRegions(1_000);
    List<Future<HttpResponse<Buffer>>> payments = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      payments.add(sendAsync(HttpMethod.POST, urlA + "/v1/payments", c.payer(),
        PaymentsApiTest.payment(c.from(), c.shop(), 80), newKey()));
    }
    Await.result(Future.all(payments));
    List<String> ids = payments.stream().map(answer -> answer.result().bodyAsJsonObject().getString("id")).toList();
    ids.forEach(id -> assertThat(awaitPayment(c.payer(), id).getString("status")).isEqualTo("completed"));
    ApiCaller merchantInA = regionA.as(c.merchant().id(), "merchant");

    List<Future<HttpResponse<Buffer>>> refunds = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      refunds.add(sendAsync(HttpMethod.POST, urlA + "/v1/payments/" + ids.get(0) + "/refunds", merchantInA,
        new JsonObject().put("amount", 10), newKey()));
    }
    Await.result(Future.all(refunds));

    List<Integer> statuses = refunds.stream().map(answer -> answer.result().statusCode()).sorted().toList();
    assertThat(statuses).containsExactly(202, 202, 202, 202, 202, 202, 202, 202, 422, 422);
    // each payment: 80 from the payer, 78 to the merchant and 2 (250 basis points) to region b's fee account
    awaitAvailable(c.payer(), c.from(), 1_000 - 10 * 80 + 80);
    assertThat(c.merchant().available(c.shop())).isEqualTo(10 * 78 - 80);
    assertThat(awaitPayment(c.payer(), ids.get(0)).getLong("refunded")).isEqualTo(80);
  }

  @Test
  @DisplayName("an authorization for another region's merchant holds here; the merchant's partial capture at the "
    + "authorization's region is paid there less that region's fee (202 until it settles) and releases the rest, and "
    + "is refundable; another merchant does not see it")
  void authorizationAcrossRegionsCapturedAndRefunded() {
    Checkout c = checkoutAcrossRegions(1_000);
    ApiCaller merchantInA = regionA.as(c.merchant().id(), "merchant");
    HttpResponse<Buffer> authorized = c.payer().post("/v1/authorizations",
      PaymentsApiTest.payment(c.from(), c.shop(), 300), newKey());
    assertThat(authorized.statusCode()).as(authorized.bodyAsString()).isEqualTo(201);
    String id = authorized.bodyAsJsonObject().getString("id");

    HttpResponse<Buffer> byAnother = regionA.as("merchant-" + UUID.randomUUID(), "merchant")
      .post("/v1/authorizations/" + id + "/captures", new JsonObject().put("amount", 200), newKey());
    HttpResponse<Buffer> seen = merchantInA.get("/v1/authorizations/" + id);
    HttpResponse<Buffer> captured = merchantInA.post("/v1/authorizations/" + id + "/captures",
      new JsonObject().put("amount", 200), newKey());

    WalletsApiTest.assertProblem(byAnother, 404, "not_found");
    assertThat(seen.statusCode()).as(seen.bodyAsString()).isEqualTo(200);
    assertThat(captured.statusCode()).as(captured.bodyAsString()).isEqualTo(202);
    JsonObject payment = captured.bodyAsJsonObject().getJsonObject("payment");
    // 250 basis points of 200: region b's rate for its merchant
    assertThat(payment.getLong("fee")).isEqualTo(5);
    assertThat(awaitPayment(c.payer(), payment.getString("id")).getString("status")).isEqualTo("completed");
    JsonObject balance = c.payer().wallet(c.from()).getJsonObject("balance");
    assertThat(balance.getLong("available")).isEqualTo(800);
    assertThat(balance.getLong("held")).isZero();
    assertThat(c.merchant().available(c.shop())).isEqualTo(195);

    HttpResponse<Buffer> refunded = merchantInA.post("/v1/payments/" + payment.getString("id") + "/refunds",
      new JsonObject().put("amount", 50), newKey());
    assertThat(refunded.statusCode()).as(refunded.bodyAsString()).isEqualTo(202);
    awaitAvailable(c.payer(), c.from(), 850);
    assertThat(c.merchant().available(c.shop())).isEqualTo(145);
  }

  @Test
  @DisplayName("the merchant voids an authorization from another region at its region: the hold goes back to the payer")
  void authorizationAcrossRegionsVoided() {
    Checkout c = checkoutAcrossRegions(300);
    String id = c.payer().post("/v1/authorizations", PaymentsApiTest.payment(c.from(), c.shop(), 100), newKey())
      .bodyAsJsonObject().getString("id");
    assertThat(c.payer().wallet(c.from()).getJsonObject("balance").getLong("held")).isEqualTo(100);

    HttpResponse<Buffer> voided = regionA.as(c.merchant().id(), "merchant")
      .post("/v1/authorizations/" + id + "/void", new JsonObject(), newKey());

    assertThat(voided.statusCode()).as(voided.bodyAsString()).isEqualTo(200);
    assertThat(voided.bodyAsJsonObject().getString("status")).isEqualTo("released");
    JsonObject balance = c.payer().wallet(c.from()).getJsonObject("balance");
    assertThat(balance.getLong("available")).isEqualTo(300);
    assertThat(balance.getLong("held")).isZero();
    assertThat(c.merchant().available(c.shop())).isZero();
  }

  @Test
  @DisplayName("a batch at region a: an item whose money leaves a wallet of region b is that item's wrong_region "
    + "(the batch route there, nothing moved), the others go on, one of them to region b")
  void batchItemOfAnotherRegion() {
    Parties p = between(500, 500);
    String mine = p.alice().openWallet();
    JsonObject batch = new JsonObject().put("items", new JsonArray()
      .add(BatchApiTest.item("here", p.inA(), mine, 100))
      .add(BatchApiTest.item("there", p.inB(), mine, 50))
      .add(BatchApiTest.item("abroad", p.inA(), p.inB(), 25)));

    HttpResponse<Buffer> answer = p.alice().post("/v1/transfers/batch", batch, Optional.empty());

    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    JsonObject body = answer.bodyAsJsonObject();
    assertThat(List.of(body.getInteger("accepted"), body.getInteger("refused"))).containsExactly(2, 1);
    JsonArray items = body.getJsonArray("items");
    assertThat(items.getJsonObject(0).getInteger("status")).isEqualTo(201);
    JsonObject elsewhere = items.getJsonObject(1);
    assertThat(elsewhere.getInteger("status")).isEqualTo(307);
    assertThat(elsewhere.getJsonObject("problem").getString("code")).isEqualTo("wrong_region");
    assertThat(elsewhere.getJsonObject("problem").getString("homeRegion")).isEqualTo("b");
    assertThat(elsewhere.getJsonObject("problem").getString("location")).isEqualTo(urlB + "/v1/transfers/batch");
    assertThat(items.getJsonObject(2).getInteger("status")).isEqualTo(202);
    assertThat(awaitTransfer(p.alice(), items.getJsonObject(2).getJsonObject("result").getString("id")))
      .isEqualTo("completed");
    assertThat(p.alice().available(p.inA())).isEqualTo(500 - 100 - 25);
    assertThat(p.alice().available(mine)).isEqualTo(100);
    assertThat(p.bob().available(p.inB())).as("nothing left it").isEqualTo(500 + 25);
  }

  @Test
  @DisplayName("an atomic batch at region a whose money leaves a wallet of region b is refused whole (422, its item "
    + "wrong_region with the batch route there), nothing moved")
  void atomicBatchOfAnotherRegion() {
    Parties p = between(500, 500);
    String nearB = p.bob().openWalletNear(p.inB());
    ApiCaller bobAtA = regionA.as(p.bob().id(), "user");
    JsonObject batch = new JsonObject().put("atomic", true).put("items", new JsonArray()
      .add(BatchApiTest.item("there-" + newKey(), p.inB(), nearB, 50)));

    HttpResponse<Buffer> answer = bobAtA.post("/v1/transfers/batch", batch, Optional.empty());

    WalletsApiTest.assertProblem(answer, 422, "atomic_batch_refused");
    JsonObject item = answer.bodyAsJsonObject().getJsonArray("items").getJsonObject(0);
    assertThat(item.getInteger("status")).isEqualTo(307);
    assertThat(item.getJsonObject("problem").getString("code")).isEqualTo("wrong_region");
    assertThat(item.getJsonObject("problem").getString("location")).isEqualTo(urlB + "/v1/transfers/batch");
    assertThat(p.bob().available(p.inB())).isEqualTo(500);
  }

  @Test
  @DisplayName("an id on a shard no region owns names nothing: 404")
  void idOfNoRegion() {
    ApiCaller alice = regionA.newUser();
    String nowhere = "w5042_" + "0".repeat(24);

    HttpResponse<Buffer> read = send(HttpMethod.GET, urlA + "/v1/wallets/" + nowhere, alice, null, null);

    WalletsApiTest.assertProblem(read, 404, "not_found");
  }

  /** A payer of region a whose wallet {@code from} holds money, and a merchant of region b with its wallet {@code shop}. */
  private record Checkout(ApiCaller payer, String from, ApiCaller merchant, String shop) {
  }

  private static Checkout checkoutAcrossRegions(long funds) {
    ApiCaller payer = regionA.newUser();
    String from = payer.openWallet();
    payer.deposit(from, funds);
    ApiCaller merchant = regionB.as("merchant-" + UUID.randomUUID(), "merchant");
    return new Checkout(payer, from, merchant, merchant.openMerchantWallet());
  }

  /** A payment of {@code amount} in {@code c}, once it has settled in the merchant's region. */
  private static String paid(Checkout c, long amount) {
    HttpResponse<Buffer> paid = c.payer().post("/v1/payments", PaymentsApiTest.payment(c.from(), c.shop(), amount),
      newKey());
    assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(202);
    String id = paid.bodyAsJsonObject().getString("id");
    assertThat(awaitPayment(c.payer(), id).getString("status")).isEqualTo("completed");
    return id;
  }

  /** The payment once it is no longer pending, read from the payer's region. */
  private static JsonObject awaitPayment(ApiCaller payer, String id) {
    JsonObject[] payment = new JsonObject[1];
    Eventually.await("payment " + id + " to settle", Duration.ofSeconds(30), () -> {
      HttpResponse<Buffer> read = payer.get("/v1/payments/" + id);
      payment[0] = read.statusCode() == 200 ? read.bodyAsJsonObject() : null;
      return payment[0] != null && !payment[0].getString("status").equals("pending");
    });
    return payment[0];
  }

  private static void awaitAvailable(ApiCaller owner, String wallet, long expected) {
    Eventually.await(wallet + " to hold " + expected, Duration.ofSeconds(30),
      () -> owner.available(wallet) == expected);
  }

  /** A user of region a whose wallet holds {@code fundsInA}, one of region b whose wallet holds {@code fundsInB}. */
  private record Parties(ApiCaller alice, String inA, ApiCaller bob, String inB) {
  }

  private static Parties between(long fundsInA, long fundsInB) {
    ApiCaller alice = regionA.newUser();
    String inA = alice.openWallet();
    alice.deposit(inA, fundsInA);
    ApiCaller bob = regionB.newUser();
    String inB = bob.openWallet();
    if (fundsInB > 0) {
      bob.deposit(inB, fundsInB);
    }
    return new Parties(alice, inA, bob, inB);
  }

  /** A client of region b's Redis Cluster, to read or change what only a test looks at there. */
  private static Redis regionBRedis(Vertx vertx) {
    return Redis.createClient(vertx, new RedisOptions().setType(RedisClientType.CLUSTER)
      .setEndpoints(TestEnvironment.regionBRedisNodes()));
  }

  /** The transfer's status once it is no longer pending, read from its source region. */
  private static String awaitTransfer(ApiCaller sender, String id) {
    String[] status = new String[1];
    Eventually.await("transfer " + id + " to settle", Duration.ofSeconds(30), () -> {
      HttpResponse<Buffer> read = sender.get("/v1/transfers/" + id);
      status[0] = read.statusCode() == 200 ? read.bodyAsJsonObject().getString("status") : null;
      return status[0] != null && !status[0].equals("pending");
    });
    return status[0];
  }

  /** A transfer of {@code amount} from a to b, once completed, as region a delivers its settlement to b. */
  private static JsonObject settledTransfer(Parties p, long amount) {
    HttpResponse<Buffer> sent = p.alice().post("/v1/transfers", transfer(p.inA(), p.inB(), amount), newKey());
    String id = sent.bodyAsJsonObject().getString("id");
    assertThat(awaitTransfer(p.alice(), id)).isEqualTo("completed");
    return new JsonObject().put("movementId", id).put("kind", "transfer").put("fromWalletId", p.inA())
      .put("toWalletId", p.inB()).put("amount", amount).put("currency", "USD").put("sourceRegion", "a");
  }

  /** To region b, as region {@code from} signing with {@code secret}. */
  private static HttpResponse<Buffer> deliver(JsonObject settlement, String secret, String from) {
    return askRegionB(RegionChannel.PATH, settlement, secret, from);
  }

  /** {@code message} to {@code path} at region b, as region {@code from} signing with {@code secret}. */
  private static HttpResponse<Buffer> askRegionB(String path, JsonObject message, String secret, String from) {
    return askRegionB(path, path, message, secret, from);
  }

  /** The same, signed for {@code signedFor} (a request captured on its way there) and sent to {@code path}. */
  private static HttpResponse<Buffer> askRegionB(String path, String signedFor, JsonObject message, String secret,
                                                 String from) {
    Buffer body = Buffer.buffer(message.encode());
    return Await.result(client.postAbs(urlB + path)
      .putHeader(RegionChannel.REGION_HEADER, from)
      .putHeader(WebhookSignature.HEADER, new WebhookSignature(secret).header(Instant.now().getEpochSecond(),
        RegionChannel.addressed("POST", signedFor, from, body.getBytes())))
      .putHeader("Content-Type", "application/json").sendBuffer(body));
  }

  private static void assertWrongRegion(HttpResponse<Buffer> answer, String region, String location) {
    WalletsApiTest.assertProblem(answer, 307, "wrong_region");
    assertThat(answer.getHeader("Location")).isEqualTo(location);
    assertThat(answer.bodyAsJsonObject().getString("homeRegion")).isEqualTo(region);
    assertThat(answer.bodyAsJsonObject().getString("location")).isEqualTo(location);
  }

  private static HttpResponse<Buffer> send(HttpMethod method, String url, ApiCaller caller, JsonObject body,
                                           String idempotencyKey) {
    return Await.result(sendAsync(method, url, caller, body, idempotencyKey));
  }

  private static Future<HttpResponse<Buffer>> sendAsync(HttpMethod method, String url, ApiCaller caller,
                                                        JsonObject body, String idempotencyKey) {
    HttpRequest<Buffer> request = client.requestAbs(method, url).putHeader("Authorization", "Bearer " + caller.token());
    Optional.ofNullable(idempotencyKey).ifPresent(key -> request.putHeader("Idempotency-Key", key));
    return body == null ? request.send()
      : request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(body.encode()));
  }
}
