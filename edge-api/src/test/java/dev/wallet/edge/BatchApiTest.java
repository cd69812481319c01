package dev.wallet.edge;

import static dev.wallet.edge.WalletsApiTest.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.edge.http.Reply;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Bulk postings over HTTP against the real cluster: POST /v1/transfers/batch and
 * /v1/payments/batch, items failing alone or the whole batch atomic on one shard, item-by-item
 * replay, and the ledger recording each item once. Rules: tier "full" for everyone, at most
 * 100,000 per transfer or payment, so an item of 150,000 is limit_exceeded.
 */
@ExtendWith(VertxExtension.class)
class BatchApiTest {

  private static final long PER_TRANSACTION_MAX = 100_000;
  /** A hot merchant's owner: its wallets receive through credit stripes (not swept here). */
  private static final String HOT_SHOP = "shop-hot-batch-" + UUID.randomUUID();
  private static EdgeFixture edge;
  private static MoneyCore core;
  private static LedgerWriter writer;
  private static Path rules;

  @BeforeAll
  static void start(Vertx vertx) throws IOException {
    rules = Files.createTempFile("batch-risk-rules", ".yaml");
    Files.writeString(rules, TestRules.rules("full", PER_TRANSACTION_MAX, 1_000_000_000, 100_000));
    edge = EdgeFixture.start(vertx, Map.of("WALLET_RISK_RULES_FILE", rules.toString(),
      "WALLET_FEE_DEFAULT_BPS", "100", "WALLET_STRIPED_MERCHANT_OWNERS", HOT_SHOP,
      "WALLET_STRIPE_SWEEP_INTERVAL_MS", "0"));
    core = new MoneyCore(edge.cache);
    writer = EdgeFixture.startLedgerWriter(vertx, "batch-test");
  }

  @AfterAll
  static void stop() throws IOException {
    Await.result(writer.stop());
    edge.close();
    Files.deleteIfExists(rules);
  }

  @Test
  @DisplayName("a mixed batch answers each item as its single request would: applied, insufficient funds, unknown wallet, limit exceeded")
  void itemsFailAlone() {
    ApiCaller alice = edge.newUser();
    String source = funded(alice, 10_000);
    String bob = bobWalletNear(source);
    String unknown = WalletId.random(new WalletId(source).shard()).value();

    HttpResponse<Buffer> answer = transfers(alice, false, item("a", source, bob, 1_000),
      item("b", source, bob, 50_000), item("c", source, unknown, 500), item("d", source, bob, 150_000),
      item("e", source, bob, 2_000));

    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    JsonObject body = answer.bodyAsJsonObject();
    assertThat(body.getInteger("count")).isEqualTo(5);
    assertThat(body.getInteger("accepted")).isEqualTo(2);
    assertThat(body.getInteger("refused")).isEqualTo(3);
    assertApplied(itemAt(body, 0), "a", 1_000);
    assertRefused(itemAt(body, 1), 422, "insufficient_funds");
    assertRefused(itemAt(body, 2), 404, "not_found");
    assertRefused(itemAt(body, 3), 422, "limit_exceeded");
    assertApplied(itemAt(body, 4), "e", 2_000);
    assertThat(alice.available(source)).isEqualTo(7_000);
    assertThat(core.available(new WalletId(bob))).isEqualTo(3_000);
  }

  @Test
  @DisplayName("an atomic payroll on one shard applies every item in one step (201), each a transfer of its own in the ledger")
  void atomicPayroll() {
    ApiCaller employer = edge.newUser();
    String payroll = funded(employer, 100_000);
    List<String> staff = IntStream.range(0, 5).mapToObj(i -> bobWalletNear(payroll)).toList();
    List<JsonObject> items = IntStream.range(0, 5)
      .mapToObj(i -> item("pay-" + i, payroll, staff.get(i), 10_000 + i)).toList();

    HttpResponse<Buffer> answer = transfers(employer, true, items.toArray(JsonObject[]::new));

    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(201);
    JsonObject body = answer.bodyAsJsonObject();
    assertThat(body.getBoolean("atomic")).isTrue();
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 5; i++) {
      assertThat(itemAt(body, i).getInteger("status")).isEqualTo(201);
      ids.add(itemAt(body, i).getJsonObject("result").getString("id"));
      assertThat(core.available(new WalletId(staff.get(i)))).isEqualTo(10_000 + i);
    }
    assertThat(ids).hasSize(5);
    assertThat(employer.available(payroll)).isEqualTo(100_000 - 50_010);
    List<JsonObject> debits = awaitLedgerDebits(employer, payroll, 5);
    assertThat(debits.stream().map(entry -> entry.getString("transactionId"))).containsExactlyInAnyOrderElementsOf(ids);
  }

  @Test
  @DisplayName("an atomic batch with one item short of funds is refused whole (422 atomic_batch_refused): nothing moved, nothing recorded")
  void atomicAllOrNothing() {
    ApiCaller employer = edge.newUser();
    String payroll = funded(employer, 25_000);
    String first = bobWalletNear(payroll);
    String second = bobWalletNear(payroll);
    JsonObject[] items = {item("x-1", payroll, first, 10_000), item("x-2", payroll, second, 10_000),
      item("x-3", payroll, first, 10_000)};

    HttpResponse<Buffer> refused = transfers(employer, true, items);

    assertProblem(refused, 422, "atomic_batch_refused");
    JsonObject problem = refused.bodyAsJsonObject();
    assertThat(problem.getInteger("failedIndex")).isEqualTo(2);
    JsonArray answers = problem.getJsonArray("items");
    assertRefused(answers.getJsonObject(0), 422, "atomic_batch_refused");
    assertRefused(answers.getJsonObject(1), 422, "atomic_batch_refused");
    assertRefused(answers.getJsonObject(2), 422, "insufficient_funds");
    assertThat(employer.available(payroll)).isEqualTo(25_000);
    assertThat(core.available(new WalletId(first))).isZero();
    assertThat(core.available(new WalletId(second))).isZero();

    core.fund(new WalletId(payroll), 5_000);
    HttpResponse<Buffer> retried = transfers(employer, true, items);

    assertThat(retried.statusCode()).as("a refused atomic batch recorded nothing, so the same keys are decided anew: "
      + retried.bodyAsString()).isEqualTo(201);
    assertThat(employer.available(payroll)).isZero();
    assertThat(core.available(new WalletId(first))).isEqualTo(20_000);
  }

  @Test
  @DisplayName("an atomic batch whose wallets are on two shards is refused before anything moves (422 atomic_batch_spans_shards)")
  void atomicAcrossShards() {
    ApiCaller alice = edge.newUser();
    String source = funded(alice, 10_000);
    String near = bobWalletNear(source);
    String far = core.openElsewhere(MoneyCore.owner(), new WalletId(source)).value();

    HttpResponse<Buffer> refused = transfers(alice, true, item("s-1", source, near, 100), item("s-2", source, far, 100));

    assertProblem(refused, 422, "atomic_batch_spans_shards");
    assertThat(refused.bodyAsJsonObject().getJsonArray("shards")).hasSize(2);
    assertThat(alice.available(source)).isEqualTo(10_000);
    assertThat(core.available(new WalletId(near))).isZero();
    HttpResponse<Buffer> alone = transfers(alice, false, item("s-1", source, near, 100), item("s-2", source, far, 100));
    assertThat(alone.bodyAsJsonObject().getInteger("accepted")).as("the keys were not spent: " + alone.bodyAsString())
      .isEqualTo(2);
  }

  @Test
  @DisplayName("an atomic payment batch to a hot merchant on another shard is one script on the payer's shard (201, "
    + "paid on its stripe there); with another merchant there too it is refused before anything moves")
  void atomicPaymentsToAHotMerchant() {
    ApiCaller alice = edge.newUser();
    String payer = funded(alice, 10_000);
    ApiCaller shop = edge.as(HOT_SHOP, "user", "merchant");
    String hot = core.openMerchantElsewhere(HOT_SHOP, new WalletId(payer)).value();
    String other = core.openMerchantElsewhere(MoneyCore.owner(), new WalletId(payer)).value();

    HttpResponse<Buffer> paid = payments(alice, true, payment("h-1", payer, hot, 1_000), payment("h-2", payer, hot,
      2_000));
    HttpResponse<Buffer> refused = payments(alice, true, payment("h-3", payer, hot, 100), payment("h-4", payer, other,
      100));

    assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(201);
    assertThat(itemAt(paid.bodyAsJsonObject(), 1).getJsonObject("result").getString("merchantWalletId")).isEqualTo(hot);
    WalletId stripe = WalletId.derived(new WalletId(payer).shard(), "stripe|" + hot);
    assertThat(core.available(stripe)).as("on the stripe on the payer's shard").isEqualTo(3_000 - 30);
    assertThat(shop.available(hot)).isEqualTo(3_000 - 30);
    assertProblem(refused, 422, "atomic_batch_spans_shards");
    assertThat(refused.bodyAsJsonObject().getJsonArray("shards")).hasSize(2);
    assertThat(alice.available(payer)).isEqualTo(10_000 - 3_000);
    assertThat(payments(alice, false, payment("h-3", payer, hot, 100), payment("h-4", payer, other, 100))
      .bodyAsJsonObject().getInteger("accepted")).as("the keys were not spent").isEqualTo(2);
  }

  @Test
  @DisplayName("50 concurrent retries of one batch (same-shard and cross-shard items) apply each item exactly once, in Redis and in the ledger")
  void concurrentRetries() {
    ApiCaller alice = edge.newUser();
    String source = funded(alice, 1_000_000);
    List<String> receivers = new ArrayList<>();
    List<JsonObject> items = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      String to = i % 4 == 0 ? core.openElsewhere(MoneyCore.owner(), new WalletId(source)).value()
        : bobWalletNear(source);
      receivers.add(to);
      items.add(item("r-" + i, source, to, 1_000 + i));
    }
    JsonObject batch = new JsonObject().put("items", new JsonArray(items));

    List<Future<HttpResponse<Buffer>>> retries = IntStream.range(0, 50)
      .mapToObj(i -> edge.http.post("/v1/transfers/batch").putHeader("Authorization", "Bearer " + alice.token())
        .sendJsonObject(batch)).toList();
    Await.result(Future.all(retries), 60);

    Map<String, String> idByKey = new HashMap<>();
    for (Future<HttpResponse<Buffer>> retry : retries) {
      noteTransferIds(retry.result(), idByKey);
    }
    Eventually.await("a last retry to find every item decided", Duration.ofSeconds(30), () -> {
      HttpResponse<Buffer> last = alice.post("/v1/transfers/batch", batch, Optional.empty());
      noteTransferIds(last, idByKey);
      return last.bodyAsJsonObject().getJsonArray("items").stream().map(JsonObject.class::cast)
        .allMatch(one -> one.getInteger("status") == 201 && one.getBoolean("replayed"));
    });
    assertThat(idByKey).hasSize(20);
    long sent = IntStream.range(0, 20).mapToLong(i -> 1_000 + i).sum();
    assertThat(alice.available(source)).isEqualTo(1_000_000 - sent);
    for (int i = 0; i < 20; i++) {
      WalletId receiver = new WalletId(receivers.get(i));
      long expected = 1_000 + i;
      Eventually.await("receiver " + i + " credited once", Duration.ofSeconds(20),
        () -> core.available(receiver) == expected);
    }
    List<JsonObject> debits = awaitLedgerDebits(alice, source, 20);
    assertThat(debits.stream().map(entry -> entry.getString("transactionId")))
      .containsExactlyInAnyOrderElementsOf(idByKey.values());
  }

  /**
   * Every item answer names one transfer per key, whichever retry gave it: 201/202 (applied now or
   * replayed) and 409 (still in flight) name it; 503 (an item that did not get an answer in time under
   * this load, moved or not) names none and is retried like any 503.
   */
  private static void noteTransferIds(HttpResponse<Buffer> answer, Map<String, String> idByKey) {
    assertThat(answer.statusCode()).as(answer.bodyAsString()).isEqualTo(200);
    JsonArray answers = answer.bodyAsJsonObject().getJsonArray("items");
    for (int i = 0; i < answers.size(); i++) {
      JsonObject one = answers.getJsonObject(i);
      assertThat(one.getInteger("status")).as(one.encode()).isIn(201, 202, 409, 503);
      String id = switch (one.getInteger("status")) {
        case 409 -> one.getJsonObject("problem").getString("transferId");
        case 503 -> null;
        default -> one.getJsonObject("result").getString("id");
      };
      if (id != null) {
        assertThat(idByKey.putIfAbsent(one.getString("idempotencyKey"), id)).as("one transfer per key")
          .isIn(null, id);
      }
    }
  }

  @Test
  @DisplayName("50 concurrent retries of one atomic batch: one applies it, every other answer replays it")
  void concurrentAtomicRetries() {
    ApiCaller employer = edge.newUser();
    String payroll = funded(employer, 100_000);
    String first = bobWalletNear(payroll);
    String second = bobWalletNear(payroll);
    JsonObject batch = new JsonObject().put("atomic", true).put("items", new JsonArray()
      .add(item("c-1", payroll, first, 3_000)).add(item("c-2", payroll, second, 4_000)));

    List<Future<HttpResponse<Buffer>>> retries = IntStream.range(0, 50)
      .mapToObj(i -> edge.http.post("/v1/transfers/batch").putHeader("Authorization", "Bearer " + employer.token())
        .sendJsonObject(batch)).toList();
    Await.result(Future.all(retries), 60);

    int fresh = 0;
    for (Future<HttpResponse<Buffer>> retry : retries) {
      // 503: no answer in time under this load (applied or not); a retry under the same keys finds out
      assertThat(retry.result().statusCode()).as(retry.result().bodyAsString()).isIn(201, 503);
      if (retry.result().statusCode() == 201) {
        fresh += itemAt(retry.result().bodyAsJsonObject(), 0).getBoolean("replayed") ? 0 : 1;
      }
    }
    assertThat(fresh).isLessThanOrEqualTo(1);
    HttpResponse<Buffer> last = employer.post("/v1/transfers/batch", batch, Optional.empty());
    assertThat(last.statusCode()).as(last.bodyAsString()).isEqualTo(201);
    assertThat(itemAt(last.bodyAsJsonObject(), 1).getBoolean("replayed")).isTrue();
    assertThat(employer.available(payroll)).isEqualTo(93_000);
    assertThat(core.available(new WalletId(first))).isEqualTo(3_000);
    assertThat(core.available(new WalletId(second))).isEqualTo(4_000);
  }

  @Test
  @DisplayName("a half-failed batch retried replays every item: the applied ones are not applied again, the refused stay refused; a single request under an item's key is the same transfer")
  void replayHalfFailed() {
    ApiCaller alice = edge.newUser();
    String source = funded(alice, 5_000);
    String bob = bobWalletNear(source);
    JsonObject[] items = {item("h-1", source, bob, 3_000), item("h-2", source, bob, 9_000),
      item("h-3", source, bob, 1_500)};

    JsonObject first = transfers(alice, false, items).bodyAsJsonObject();
    core.fund(new WalletId(source), 20_000);
    JsonObject again = transfers(alice, false, items).bodyAsJsonObject();

    assertThat(first.getInteger("accepted")).isEqualTo(2);
    for (int i = 0; i < 3; i++) {
      JsonObject before = itemAt(first, i);
      JsonObject after = itemAt(again, i);
      assertThat(after.getBoolean("replayed")).isTrue();
      assertThat(after.getInteger("status")).isEqualTo(before.getInteger("status"));
    }
    assertThat(itemAt(again, 0).getJsonObject("result").getString("id"))
      .isEqualTo(itemAt(first, 0).getJsonObject("result").getString("id"));
    assertRefused(itemAt(again, 1), 422, "insufficient_funds");
    assertThat(alice.available(source)).isEqualTo(5_000 + 20_000 - 4_500);
    assertThat(core.available(new WalletId(bob))).isEqualTo(4_500);

    HttpResponse<Buffer> single = alice.post("/v1/transfers", ApiCaller.transfer(source, bob, 3_000), "h-1");
    assertThat(single.statusCode()).isEqualTo(201);
    assertThat(single.getHeader(Reply.REPLAYED_HEADER)).isEqualTo("true");
    assertThat(single.bodyAsJsonObject().getString("id")).isEqualTo(itemAt(first, 0).getJsonObject("result")
      .getString("id"));
  }

  /** An atomic batch over two shards is refused at once, after the body's size and schema were accepted. */
  @Test
  @DisplayName("1,000 items of the longest fields (255-character keys, 280-character descriptions) are within the "
    + "body's size; more than 1,000 is not")
  void thousandLongestItemsFit() {
    ApiCaller alice = edge.newUser();
    String source = funded(alice, 10_000);
    String near = bobWalletNear(source);
    String far = core.openElsewhere(MoneyCore.owner(), new WalletId(source)).value();
    String description = "é".repeat(280);
    JsonObject[] longest = IntStream.range(0, 1_000).mapToObj(i -> item(String.format("%0255d", i), source,
      i == 0 ? far : near, 1).put("description", description)).toArray(JsonObject[]::new);

    HttpResponse<Buffer> answer = transfers(alice, true, longest);

    assertProblem(answer, 422, "atomic_batch_spans_shards");
  }

  @Test
  @DisplayName("more than 1,000 items is 400 batch_too_large, whatever the items; a malformed item or a key used twice "
    + "is 400 naming the item; nothing moves")
  void malformedBatches() {
    ApiCaller alice = edge.newUser();
    String source = funded(alice, 10_000);
    String bob = bobWalletNear(source);
    JsonObject[] tooMany = IntStream.range(0, 1_001).mapToObj(i -> item("big-" + i, source, bob, 1))
      .toArray(JsonObject[]::new);

    HttpResponse<Buffer> tooLarge = transfers(alice, false, tooMany);
    JsonObject[] tooManyAndMalformed = tooMany.clone();
    tooManyAndMalformed[1_000] = tooMany[1_000].copy().put("amount", "x");
    // counted before the items are read: until 2026-12-07 a body of more could hold the event loop
    // for the schema's slow validator over every item first
    HttpResponse<Buffer> tooLargeFirst = transfers(alice, false, tooManyAndMalformed);
    HttpResponse<Buffer> badAmount = transfers(alice, false, item("m-1", source, bob, 1),
      item("m-2", source, bob, 1).put("amount", 1.5));
    HttpResponse<Buffer> twice = transfers(alice, false, item("m-3", source, bob, 1), item("m-3", source, bob, 2));
    HttpResponse<Buffer> empty = transfers(alice, false);

    assertProblem(tooLarge, 400, "batch_too_large");
    assertThat(tooLarge.bodyAsJsonObject().getInteger("maxItems")).isEqualTo(1_000);
    assertProblem(tooLargeFirst, 400, "batch_too_large");
    assertProblem(badAmount, 400, "invalid_request");
    assertThat(badAmount.bodyAsJsonObject().getString("detail")).contains("items/1");
    assertProblem(twice, 400, "invalid_request");
    assertThat(twice.bodyAsJsonObject().getString("detail")).contains("items 0 and 1");
    assertProblem(empty, 400, "invalid_request");
    assertThat(alice.available(source)).isEqualTo(10_000);
    assertThat(transfers(alice, false, tooMany[0]).bodyAsJsonObject().getInteger("accepted"))
      .as("a refused batch spent no key").isEqualTo(1);
  }

  @Test
  @DisplayName("a caller cannot move another customer's money through a batch, atomic or not: 404 per item, nothing moves")
  void othersMoney() {
    ApiCaller alice = edge.newUser();
    ApiCaller mallory = edge.newUser();
    String victim = funded(alice, 10_000);
    String loot = mallory.openWallet();
    String lootNear = core.openNear(mallory.id(), new WalletId(victim)).value();

    HttpResponse<Buffer> alone = transfers(mallory, false, item("t-1", victim, loot, 1_000));
    HttpResponse<Buffer> atomic = transfers(mallory, true, item("t-2", victim, lootNear, 1_000));

    assertRefused(itemAt(alone.bodyAsJsonObject(), 0), 404, "not_found");
    assertProblem(atomic, 422, "atomic_batch_refused");
    assertRefused(atomic.bodyAsJsonObject().getJsonArray("items").getJsonObject(0), 404, "not_found");
    assertThat(alice.available(victim)).isEqualTo(10_000);
    assertThat(core.available(new WalletId(lootNear))).isZero();
  }

  @Test
  @DisplayName("a batch of payments charges each its fee, alone or atomically beside the merchant; a payment to a personal wallet fails alone")
  void payments() {
    Checkout checkout = checkout();
    ApiCaller alice = checkout.alice();
    ApiCaller shop = checkout.shop();
    String payer = checkout.payer();
    String merchant = checkout.merchant();
    String personal = checkout.personal();

    HttpResponse<Buffer> alone = payments(alice, false, payment("p-1", payer, merchant, 10_000),
      payment("p-2", payer, personal, 10_000));
    HttpResponse<Buffer> atomic = payments(alice, true, payment("p-3", payer, merchant, 20_000),
      payment("p-4", payer, merchant, 30_000));

    assertThat(alone.statusCode()).as(alone.bodyAsString()).isEqualTo(200);
    JsonObject paid = itemAt(alone.bodyAsJsonObject(), 0);
    assertThat(paid.getInteger("status")).isEqualTo(201);
    assertThat(paid.getJsonObject("result").getLong("fee")).isEqualTo(100);
    assertRefused(itemAt(alone.bodyAsJsonObject(), 1), 404, "not_found");
    assertThat(atomic.statusCode()).as(atomic.bodyAsString()).isEqualTo(201);
    assertThat(itemAt(atomic.bodyAsJsonObject(), 1).getJsonObject("result").getLong("fee")).isEqualTo(300);
    assertThat(alice.available(payer)).isEqualTo(40_000);
    assertThat(shop.available(merchant)).isEqualTo(60_000 - 600);
  }

  /**
   * A refusal inside the script answers the items its keys applied before with their first answer;
   * until 2026-12-07 one at the edge answered them "not applied", and a client could pay one again
   * under a new key.
   */
  @Test
  @DisplayName("an atomic batch sent again with an item the edge refuses answers the items applied before with their "
    + "first answer (201, replayed) and applies nothing; an item new in it is decided anew later")
  void atomicSentAgainWithAnItemRefusedAtTheEdge() {
    Checkout checkout = checkout();
    ApiCaller alice = checkout.alice();
    String payer = checkout.payer();
    String merchant = checkout.merchant();
    String personal = checkout.personal();
    JsonObject first = payment("again-1", payer, merchant, 10_000);
    JsonObject second = payment("again-2", payer, merchant, 20_000);
    JsonObject added = payment("again-3", payer, merchant, 5_000);
    HttpResponse<Buffer> applied = payments(alice, true, first, second);

    HttpResponse<Buffer> again = payments(alice, true, first, second, added,
      payment("again-4", payer, personal, 5_000));
    HttpResponse<Buffer> addedAlone = payments(alice, true, added);

    assertThat(applied.statusCode()).as(applied.bodyAsString()).isEqualTo(201);
    assertProblem(again, 422, "atomic_batch_refused");
    JsonArray answers = again.bodyAsJsonObject().getJsonArray("items");
    for (int i = 0; i < 2; i++) {
      assertThat(answers.getJsonObject(i).getInteger("status")).as(answers.encode()).isEqualTo(201);
      assertThat(answers.getJsonObject(i).getBoolean("replayed")).isTrue();
      assertThat(answers.getJsonObject(i).getJsonObject("result").getString("id"))
        .isEqualTo(itemAt(applied.bodyAsJsonObject(), i).getJsonObject("result").getString("id"));
    }
    assertRefused(answers.getJsonObject(2), 422, "atomic_batch_refused");
    assertRefused(answers.getJsonObject(3), 404, "not_found");
    assertThat(addedAlone.statusCode()).as("nothing recorded under the new item's key: " + addedAlone.bodyAsString())
      .isEqualTo(201);
    assertThat(itemAt(addedAlone.bodyAsJsonObject(), 0).getBoolean("replayed")).isFalse();
    assertThat(alice.available(payer)).isEqualTo(100_000 - 35_000);
  }

  /**
   * The items that passed the edge are asked of the money core together, and a merchant on another
   * shard makes that batch span shards: until 2026-12-07 the item paid before was then answered "not
   * applied", and a client could pay it again under a new key.
   */
  @Test
  @DisplayName("an atomic batch with an item paid before to a merchant on another shard, and an item the edge refuses, "
    + "is refused as spanning shards (422), not with the paid item answered as not applied")
  void atomicWithAnItemPaidBeforeElsewhere() {
    Checkout checkout = checkout();
    ApiCaller alice = checkout.alice();
    String payer = checkout.payer();
    String elsewhere = core.openMerchantElsewhere(MoneyCore.owner(), new WalletId(payer)).value();
    JsonObject paidBefore = payment("elsewhere-1", payer, elsewhere, 10_000);
    HttpResponse<Buffer> alone = payments(alice, false, paidBefore);

    HttpResponse<Buffer> again = payments(alice, true, paidBefore,
      payment("elsewhere-2", payer, checkout.personal(), 5_000));

    assertThat(itemAt(alone.bodyAsJsonObject(), 0).getInteger("status")).as(alone.bodyAsString()).isIn(201, 202);
    assertProblem(again, 422, "atomic_batch_spans_shards");
    assertThat(alice.available(payer)).isEqualTo(100_000 - 10_000);
  }

  // ------------------------------------------------------------------ helpers

  /** Alice's wallet of 100,000, a merchant wallet of a shop on its shard, and a personal wallet beside them. */
  private record Checkout(ApiCaller alice, ApiCaller shop, String payer, String merchant, String personal) {
  }

  private static Checkout checkout() {
    ApiCaller alice = edge.newUser();
    ApiCaller shop = edge.newUser("user", "merchant");
    String payer = funded(alice, 100_000);
    return new Checkout(alice, shop, payer, core.openMerchant(shop.id(), Optional.of(new WalletId(payer))).value(),
      bobWalletNear(payer));
  }

  private static String funded(ApiCaller owner, long amount) {
    String wallet = owner.openWallet();
    core.fund(new WalletId(wallet), amount);
    return wallet;
  }

  /** A wallet of another customer, on {@code neighbour}'s shard (only the money core can place it there). */
  private static String bobWalletNear(String neighbour) {
    return core.openNear(MoneyCore.owner(), new WalletId(neighbour)).value();
  }

  static JsonObject item(String key, String from, String to, long amount) {
    return ApiCaller.transfer(from, to, amount).put("idempotencyKey", key);
  }

  static JsonObject payment(String key, String from, String merchant, long amount) {
    return PaymentsApiTest.payment(from, merchant, amount).put("idempotencyKey", key);
  }

  static HttpResponse<Buffer> transfers(ApiCaller caller, boolean atomic, JsonObject... items) {
    return batch(caller, "/v1/transfers/batch", atomic, items);
  }

  private static HttpResponse<Buffer> payments(ApiCaller caller, boolean atomic, JsonObject... items) {
    return batch(caller, "/v1/payments/batch", atomic, items);
  }

  private static HttpResponse<Buffer> batch(ApiCaller caller, String path, boolean atomic, JsonObject... items) {
    JsonObject body = new JsonObject().put("items", new JsonArray(List.of(items)));
    if (atomic) {
      body.put("atomic", true);
    }
    return caller.post(path, body, Optional.empty());
  }

  private static JsonObject itemAt(JsonObject answer, int index) {
    JsonObject item = answer.getJsonArray("items").getJsonObject(index);
    assertThat(item.getInteger("index")).isEqualTo(index);
    return item;
  }

  private static void assertApplied(JsonObject item, String key, long amount) {
    assertThat(item.getInteger("status")).as(item.encode()).isIn(201, 202);
    assertThat(item.getString("idempotencyKey")).isEqualTo(key);
    assertThat(item.getBoolean("replayed")).isFalse();
    assertThat(item.getJsonObject("result").getLong("amount")).isEqualTo(amount);
  }

  private static void assertRefused(JsonObject item, int status, String code) {
    assertThat(item.getInteger("status")).as(item.encode()).isEqualTo(status);
    assertThat(item.getJsonObject("problem").getString("code")).isEqualTo(code);
    assertThat(item.containsKey("result")).isFalse();
  }

  /** The debits of {@code wallet} in the ledger, once it holds exactly {@code count} of them (newest first). */
  private static List<JsonObject> awaitLedgerDebits(ApiCaller owner, String wallet, int count) {
    List<JsonObject> debits = new ArrayList<>();
    Eventually.await("the ledger to hold " + count + " debits of " + wallet, Duration.ofSeconds(30), () -> {
      HttpResponse<Buffer> page = owner.get("/v1/wallets/" + wallet + "/entries?limit=200");
      if (page.statusCode() != 200) {
        return false;
      }
      debits.clear();
      page.bodyAsJsonObject().getJsonArray("entries").stream().map(JsonObject.class::cast)
        .filter(entry -> entry.getLong("amount") < 0).forEach(debits::add);
      return debits.size() >= count;
    });
    assertThat(debits).hasSize(count);
    return debits;
  }
}
