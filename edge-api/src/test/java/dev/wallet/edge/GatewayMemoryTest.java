package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.deposit;
import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.withdrawal;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.edge.gateway.WebhookSignature;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the wallet does when the gateway did not get a request, or got it and forgot it; and the
 * sandbox's journal, which keeps it from forgetting across its restarts as a real gateway does.
 */
@ExtendWith(VertxExtension.class)
class GatewayMemoryTest {

  @Test
  @DisplayName("a deposit the gateway never got (it was unreachable) is asked of it again once it is back, and credited once")
  void neverReceivedIsAskedAgain(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.start(vertx);
    try {
      ApiCaller alice = edge.newUser();
      String wallet = alice.openWallet();
      edge.stopSandbox();

      HttpResponse<Buffer> deposited = alice.post("/v1/deposits", deposit(wallet, 800, "bank"), newKey());
      assertThat(deposited.statusCode()).as(deposited.bodyAsString()).isEqualTo(202);
      edge.startSandbox();

      alice.awaitStatus("/v1/deposits/" + deposited.bodyAsJsonObject().getString("id"), "completed");
      assertThat(alice.available(wallet)).isEqualTo(800);
    } finally {
      edge.close();
    }
  }

  /**
   * A freeze (the risk team's, a reconciliation's, a chargeback waiting for the wallet's held money)
   * stops money leaving the wallet. Until 2026-12-07 a payout the gateway had not received when the
   * wallet was frozen was sent once it was back, and the held money paid out of the frozen wallet. It
   * is not failed either: the first asking, which got no answer, may yet reach the gateway.
   */
  @Test
  @DisplayName("a payout the gateway never got is not sent while its wallet is frozen, its money held; once the "
    + "wallet is active again it is sent and paid")
  void aPayoutNeverReceivedIsNotSentFromAFrozenWallet(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.start(vertx);
    try {
      ApiCaller alice = edge.newUser();
      ApiCaller admin = edge.as("risk-admin-" + UUID.randomUUID(), "admin");
      String wallet = alice.openWallet();
      alice.deposit(wallet, 5_000);
      edge.stopSandbox();
      String payout = withdrawn(alice, wallet, "DE89 3704 0044");
      setStatus(admin, wallet, "frozen");

      edge.startSandbox();
      awaitTwoClaims(vertx, "withdrawals", payout);

      assertThat(edge.askSandbox(payout).statusCode()).as("not asked of the gateway while frozen").isEqualTo(404);
      assertThat(alice.get("/v1/withdrawals/" + payout).bodyAsJsonObject().getString("status")).isEqualTo("pending");
      assertThat(alice.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 3_000).put("held", 2_000));

      setStatus(admin, wallet, "active");
      alice.awaitStatus("/v1/withdrawals/" + payout, "completed");
      assertThat(alice.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 3_000).put("held", 0));
    } finally {
      edge.close();
    }
  }

  private static void setStatus(ApiCaller admin, String wallet, String status) {
    HttpResponse<Buffer> changed = admin.post("/admin/wallets/" + wallet + "/status",
      new JsonObject().put("status", status).put("reason", "test: fraud suspected, then cleared"), Optional.empty());
    assertThat(changed.statusCode()).as(changed.bodyAsString()).isEqualTo(200);
  }

  @Test
  @DisplayName("a payout and a deposit the gateway acknowledged and then forgot are not sent again: counted for the "
    + "contradiction alert, each waits, the payout's money held")
  void forgottenMovementsAreNotSentAgain(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.start(vertx);
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice);
    double before = contradictions(edge, "withdrawal");
    String payout = withdrawn(alice, wallet, "pending");
    String collection = alice.post("/v1/deposits", deposit(wallet, 700, "bank", "pending"), newKey())
      .bodyAsJsonObject().getString("id");
    try {
      assertThat(edge.askSandbox(payout).statusCode()).isEqualTo(200);
      assertThat(edge.askSandbox(collection).statusCode()).isEqualTo(200);
      edge.stopSandbox();
      edge.startSandbox();

      awaitTwoClaims(vertx, "withdrawals", payout);
      awaitTwoClaims(vertx, "deposits", collection);
      assertThat(edge.askSandbox(payout).statusCode()).as("the payout was not asked of the gateway again").isEqualTo(404);
      assertThat(edge.askSandbox(collection).statusCode()).as("the deposit was not asked of the gateway again")
        .isEqualTo(404);
      assertThat(contradictions(edge, "withdrawal")).isGreaterThan(before);
      assertThat(alice.get("/v1/withdrawals/" + payout).bodyAsJsonObject().getString("status")).isEqualTo("pending");
      assertThat(alice.get("/v1/deposits/" + collection).bodyAsJsonObject().getString("status")).isEqualTo("pending");
      assertThat(alice.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 3_000).put("held", 2_000));

      // what an operator does once the gateway confirms it moved nothing: its word, signed, ends each
      assertThat(deliver(edge, "payout.failed", payout, 2_000).statusCode()).isEqualTo(200);
      alice.awaitStatus("/v1/withdrawals/" + payout, "failed");
      assertThat(alice.available(wallet)).isEqualTo(5_000);
    } finally {
      settle(edge, payout, collection);
      edge.close();
    }
  }

  @Test
  @DisplayName("a payout whose acknowledgement was lost is acknowledged by the gateway's answer when asked, and so is "
    + "not sent again once the gateway forgets it")
  void anAnswerIsAnAcknowledgement(Vertx vertx) {
    EdgeFixture funding = EdgeFixture.start(vertx);
    ApiCaller alice = funding.newUser();
    String wallet = funded(alice);
    funding.close();
    EdgeFixture edge = EdgeFixture.start(vertx, Map.of("WALLET_SANDBOX_DELAY_MS", "600000"));
    ApiCaller owner = edge.as(alice.id());
    String payout = withdrawn(owner, wallet, "timeout");
    try {
      Eventually.await("the reconciler to record the gateway's answer as its acknowledgement", Duration.ofSeconds(30),
        () -> "submitted".equals(withdrawalStatus(vertx, payout)));
      edge.stopSandbox();
      edge.startSandbox();

      awaitTwoClaims(vertx, "withdrawals", payout);
      assertThat(edge.askSandbox(payout).statusCode()).as("the payout was not asked of the gateway again").isEqualTo(404);
      assertThat(owner.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 3_000).put("held", 2_000));
    } finally {
      settle(edge, payout);
      edge.close();
    }
  }

  @Test
  @DisplayName("a sandbox with a journal remembers across its restarts what it took, decides after one what it had "
    + "not decided yet, and leaves out a last line a crash cut short")
  void aJournalRemembers(Vertx vertx) throws IOException {
    Path journal = newJournal();
    EdgeFixture edge = EdgeFixture.start(vertx, Map.of("WALLET_SANDBOX_JOURNAL", journal.toString(),
      "WALLET_SANDBOX_DELAY_MS", "3000"));
    ApiCaller alice = edge.newUser();
    String wallet = funded(alice);
    String payout = withdrawn(alice, wallet, "pending");
    String collection = alice.post("/v1/deposits", deposit(wallet, 700, "bank"), newKey()).bodyAsJsonObject()
      .getString("id");
    try {
      String payoutRef = edge.askSandbox(payout).bodyAsJsonObject().getString("gatewayRef");
      String collectionRef = edge.askSandbox(collection).bodyAsJsonObject().getString("gatewayRef");

      edge.stopSandbox();
      Files.writeString(journal, "{\"kind\":\"PAYOUT\",\"requ", StandardOpenOption.APPEND);
      edge.startSandbox();

      assertThat(edge.askSandbox(payout).bodyAsJsonObject().getString("gatewayRef")).isEqualTo(payoutRef);
      assertThat(edge.askSandbox(collection).bodyAsJsonObject().getString("gatewayRef")).isEqualTo(collectionRef);
      alice.awaitStatus("/v1/deposits/" + collection, "completed");
      assertThat(alice.wallet(wallet).getJsonObject("balance"))
        .isEqualTo(new JsonObject().put("available", 3_700).put("held", 2_000));
      edge.stopSandbox();
      edge.startSandbox();
      assertThat(edge.askSandbox(collection).bodyAsJsonObject().getString("status")).isEqualTo("succeeded");
    } finally {
      settle(edge, payout);
      edge.close();
      deleteJournal(journal);
    }
  }

  @Test
  @DisplayName("a chargeback whose webhooks never reached the edge (the gateway gives up on them) is read from the "
    + "gateway's event feed, and the completed deposit is reversed (the edge does not ask about completed movements)")
  void aChargebackNoWebhookBroughtIsReadFromTheFeed(Vertx vertx) {
    EdgeFixture edge = EdgeFixture.start(vertx, Map.of("WALLET_SANDBOX_WEBHOOK_URLS", nobodyListens(),
      "WALLET_SANDBOX_REVERSAL_DELAY_MS", "3000"));
    try {
      ApiCaller alice = edge.newUser();
      String wallet = alice.openWallet();

      String collection = chargedBack(alice, wallet);
      assertThat(alice.available(wallet)).isZero();
      assertThat(recordedEvents(vertx, collection)).as("the deposit's success and its chargeback, each once")
        .containsOnlyKeys("deposit.succeeded", "deposit.reversed");
    } finally {
      edge.close();
    }
  }

  @Test
  @DisplayName("a chargeback whose webhook no edge took before the sandbox stopped is announced again after its "
    + "restart, under the same event id as in its feed")
  void anUntakenReversalIsAnnouncedAgain(Vertx vertx) throws IOException {
    Path journal = newJournal();
    EdgeFixture edge = EdgeFixture.start(vertx, Map.of("WALLET_SANDBOX_JOURNAL", journal.toString(),
      "WALLET_SANDBOX_WEBHOOK_URLS", nobodyListens(), "WALLET_SANDBOX_REVERSAL_DELAY_MS", "3000"));
    List<JsonObject> announced = new CopyOnWriteArrayList<>();
    HttpServer receiver = Await.result(vertx.createHttpServer()
      .requestHandler(request -> request.body().onSuccess(body -> {
        announced.add(body.toJsonObject());
        request.response().setStatusCode(200).end();
      }))
      .listen(0));
    try {
      ApiCaller alice = edge.newUser();
      String collection = chargedBack(alice, alice.openWallet());

      edge.stopSandbox();
      edge.startSandbox(List.of("http://127.0.0.1:" + receiver.actualPort() + "/webhooks"));

      Eventually.await("the sandbox to announce the chargeback again", Duration.ofSeconds(20),
        () -> announced.stream().anyMatch(event -> "deposit.reversed".equals(event.getString("type"))));
      JsonObject reversal = announced.stream().filter(event -> "deposit.reversed".equals(event.getString("type")))
        .findFirst().orElseThrow();
      assertThat(reversal.getJsonObject("data").getString("reference")).isEqualTo(collection);
      assertThat(reversal.getString("id")).as("the event the edge read from the feed")
        .isEqualTo(recordedEvents(vertx, collection).get("deposit.reversed"));
    } finally {
      Await.result(receiver.close());
      edge.close();
      deleteJournal(journal);
    }
  }

  @Test
  @DisplayName("an event of the gateway's feed that this wallet cannot read (a type the gateway added) is counted "
    + "with the contradictions and read past: the events after it are still read")
  void anUnreadableFeedEventIsReadPast(Vertx vertx) {
    JsonObject unreadable = feedEvent("evt_" + UUID.randomUUID(), "dispute.opened", "d_" + UUID.randomUUID());
    try (FeedOfOnePage feed = FeedOfOnePage.start(vertx, unreadable)) {
      feed.awaitReadPast();
      assertThat(feed.edge.registry.counter("wallet_gateway_contradictions_total", "gateway", "sandbox", "movement",
        "unreadable").count()).isEqualTo(1);
      assertThat(feed.edge.registry.counter("wallet_gateway_feed_events_total", "gateway", "sandbox", "result",
        "refused").count()).as("the event after it, of a deposit the wallet does not have").isEqualTo(1);
    }
  }

  /**
   * PostgreSQL's text refuses NUL; the webhook route refuses it (400), but the feed and the status
   * answers are read another way. Until 2026-12-07 such an event failed each round of the feed at the
   * same place, and every event after it (a chargeback among them) was never learnt.
   */
  @Test
  @DisplayName("an event of the feed with a NUL in its id, reference and reason is read as U+FFFD, and the feed reads "
    + "past it")
  void aNulInTheFeedDoesNotStopIt(Vertx vertx) {
    JsonObject withNul = feedEvent("evt_\u0000" + UUID.randomUUID(), "deposit.failed", "d_\u0000" + UUID.randomUUID());
    withNul.getJsonObject("data").put("reason", "declined\u0000");
    try (FeedOfOnePage feed = FeedOfOnePage.start(vertx, withNul)) {
      feed.awaitReadPast();
      assertThat(feed.edge.registry.counter("wallet_gateway_feed_events_total", "gateway", "sandbox", "result",
        "refused").count()).as("both, of deposits the wallet does not have").isEqualTo(2);
    }
  }

  private static JsonObject feedEvent(String id, String type, String reference) {
    return new JsonObject().put("id", id).put("type", type).put("created", Instant.now().getEpochSecond())
      .put("data", new JsonObject().put("reference", reference).put("amount", 100).put("currency", "USD"));
  }

  /**
   * An edge whose gateway's feed is one page: {@code first}, then a reversal of a deposit the wallet does
   * not have, the page's last event; asked after that one, the feed is empty.
   */
  private record FeedOfOnePage(HttpServer gateway, EdgeFixture edge, Set<String> askedAfter, String last)
    implements AutoCloseable {

    static FeedOfOnePage start(Vertx vertx, JsonObject first) {
      String last = "evt_" + UUID.randomUUID();
      JsonObject page = new JsonObject().put("more", false).put("events", new JsonArray().add(first)
        .add(feedEvent(last, "deposit.reversed", "d_" + UUID.randomUUID())));
      Set<String> askedAfter = ConcurrentHashMap.newKeySet();
      HttpServer gateway = Await.result(vertx.createHttpServer().requestHandler(request -> {
        String position = request.getParam("after", "");
        askedAfter.add(position);
        request.response().putHeader("Content-Type", "application/json").end(last.equals(position)
          ? new JsonObject().put("more", false).put("events", new JsonArray()).encode()
          : page.encode());
      }).listen(0));
      EdgeFixture edge = EdgeFixture.start(vertx, Map.of("WALLET_SANDBOX_URL", "http://127.0.0.1:"
        + gateway.actualPort(), "WALLET_FUNDS_STALE_AFTER_MS", "3600000"));
      return new FeedOfOnePage(gateway, edge, askedAfter, last);
    }

    void awaitReadPast() {
      Eventually.await("the feed read past both events", Duration.ofSeconds(20), () -> askedAfter.contains(last));
    }

    @Override
    public void close() {
      edge.close();
      Await.result(gateway.close());
    }
  }

  /** A deposit of 900 to {@code wallet} that the gateway charges back, once the edge has reversed it; its id. */
  private static String chargedBack(ApiCaller owner, String wallet) {
    String collection = owner.post("/v1/deposits", deposit(wallet, 900, "card", "reverse"), newKey())
      .bodyAsJsonObject().getString("id");
    owner.awaitStatus("/v1/deposits/" + collection, "reversed");
    return collection;
  }

  private static String nobodyListens() {
    return "http://127.0.0.1:" + EdgeFixture.freePort() + "/nobody-listens";
  }

  /** The gateway events the edge recorded about {@code reference}: the id of each, by type. */
  private static Map<String, String> recordedEvents(Vertx vertx, String reference) {
    Pool app = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      Map<String, String> events = new HashMap<>();
      Await.result(app.preparedQuery("SELECT type, event_id FROM edge.gateway_events WHERE reference = $1")
        .execute(Tuple.of(reference))).forEach(row -> assertThat(events.put(row.getString(0), row.getString(1)))
          .as("one event of each type").isNull());
      return events;
    } finally {
      Await.result(app.close());
    }
  }

  /** A wallet of {@code owner}'s holding 5,000. */
  private static String funded(ApiCaller owner) {
    String wallet = owner.openWallet();
    owner.deposit(wallet, 5_000);
    return wallet;
  }

  /** The id of a withdrawal of 2,000 to {@code account} (the sandbox's fate), asked for now. */
  private static String withdrawn(ApiCaller owner, String wallet, String account) {
    HttpResponse<Buffer> requested = owner.post("/v1/withdrawals", withdrawal(wallet, 2_000, account), newKey());
    assertThat(requested.statusCode()).as(requested.bodyAsString()).isEqualTo(202);
    return requested.bodyAsJsonObject().getString("id");
  }

  /** Where a sandbox of the test keeps its journal: a file not there yet, in a folder of its own. */
  private static Path newJournal() throws IOException {
    return Files.createTempDirectory("sandbox-journal").resolve("journal.jsonl");
  }

  private static void deleteJournal(Path journal) throws IOException {
    Files.deleteIfExists(journal);
    Files.deleteIfExists(journal.resolveSibling(journal.getFileName() + ".new"));
    Files.deleteIfExists(journal.getParent());
  }

  /**
   * Movements left pending would be asked about by every later test's edge, of sandboxes that never
   * knew them: each is ended by the gateway's signed word that it moved nothing.
   */
  private static void settle(EdgeFixture edge, String payout, String... collections) {
    deliver(edge, "payout.failed", payout, 2_000);
    for (String collection : collections) {
      deliver(edge, "deposit.failed", collection, 700);
    }
  }

  /**
   * Waits until the reconciler has claimed the movement twice from now: the first round has asked
   * the gateway about it then (an edge's rounds do not overlap, and a claim comes before the asking).
   */
  private static void awaitTwoClaims(Vertx vertx, String table, String id) {
    Pool app = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      OffsetDateTime from = claimed(app, table, id);
      Set<OffsetDateTime> claims = new HashSet<>();
      Eventually.await("the reconciler to claim " + id + " twice", Duration.ofSeconds(30), () -> {
        OffsetDateTime last = claimed(app, table, id);
        if (last.isAfter(from)) {
          claims.add(last);
        }
        return claims.size() >= 2;
      });
    } finally {
      Await.result(app.close());
    }
  }

  private static OffsetDateTime claimed(Pool app, String table, String id) {
    return Await.result(app.preparedQuery("SELECT updated_at FROM edge." + table + " WHERE id = $1")
      .execute(Tuple.of(id))).iterator().next().getOffsetDateTime(0);
  }

  private static String withdrawalStatus(Vertx vertx, String id) {
    Pool app = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      return Await.result(app.preparedQuery("SELECT status FROM edge.withdrawals WHERE id = $1")
        .execute(Tuple.of(id))).iterator().next().getString(0);
    } finally {
      Await.result(app.close());
    }
  }

  /** The gateway's signed word about a movement, delivered to the edge's webhook. */
  private static HttpResponse<Buffer> deliver(EdgeFixture edge, String type, String reference, long amount) {
    String body = new JsonObject().put("id", "evt_test_" + UUID.randomUUID().toString().replace("-", ""))
      .put("type", type).put("created", Instant.now().getEpochSecond())
      .put("data", new JsonObject().put("reference", reference).put("amount", amount).put("currency", "USD")
        .put("reason", "nothing moved, the gateway confirms")).encode();
    String signature = new WebhookSignature(EdgeFixture.WEBHOOK_SECRET).header(Instant.now().getEpochSecond(),
      body.getBytes(StandardCharsets.UTF_8));
    return Await.result(edge.http.post("/v1/webhooks/gateway/sandbox").putHeader("Content-Type", "application/json")
      .putHeader(WebhookSignature.HEADER, signature).sendBuffer(Buffer.buffer(body)));
  }

  private static double contradictions(EdgeFixture edge, String movement) {
    Counter counter = edge.registry.find("wallet_gateway_contradictions_total").tags("gateway", "sandbox", "movement",
      movement).counter();
    return counter == null ? 0 : counter.count();
  }
}
