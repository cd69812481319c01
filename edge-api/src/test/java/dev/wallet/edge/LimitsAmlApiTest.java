package dev.wallet.edge;

import static dev.wallet.edge.ApiCaller.newKey;
import static dev.wallet.edge.ApiCaller.transfer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.limits.Compliance;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The AML monitors over the real ledger: transfers go through the API and the money core, the
 * ledger writer carries them into PostgreSQL, the monitors read them from there.
 */
@ExtendWith(VertxExtension.class)
class LimitsAmlApiTest {

  private LimitsEdges cluster;
  private LedgerWriter writer;

  @AfterEach
  void stop() {
    if (writer != null) {
      Await.result(writer.stop());
    }
    cluster.close();
  }

  @Test
  @DisplayName("structuring, a large transaction and a rapid in-and-out each raise a flag with its postings, "
    + "listed at /admin/aml/flags and in the CSV reports; running the monitors again raises nothing twice")
  void flagsAndReports(Vertx vertx) {
    Instant start = Instant.now().minusSeconds(60);
    cluster = new LimitsEdges(vertx);
    EdgeFixture edge = cluster.start(Optional.empty());
    LimitsApiTest.publish(edge, TestRules.permissive());
    writer = EdgeFixture.startLedgerWriter(vertx, "limits-aml");
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    String from = alice.openWallet();
    String bobs = new MoneyCore(edge.cache).openNear(bob.id(), new WalletId(from)).value();
    String carols = new MoneyCore(edge.cache).openNear("carol-" + UUID.randomUUID(), new WalletId(from)).value();
    alice.deposit(from, 5_000_000);

    List<String> nearThreshold = List.of(send(alice, from, bobs, 950_000), send(alice, from, bobs, 960_000),
      send(alice, from, bobs, 990_000));
    String large = send(alice, from, bobs, 1_200_000);
    String out = send(bob, bobs, carols, 3_500_000);
    ApiCaller compliance = edge.as("compliance-officer", "admin");
    // the monitors read the whole ledger in order; the suites before this one leave it tens of
    // thousands of postings to catch up on first. Bob is flagged for the large transfer he received
    // before his own transfer out is old enough for the monitors (WALLET_AML_SETTLE_MS): wait for
    // the flag that needs it
    Eventually.await("the monitors to flag alice and bob", Duration.ofMinutes(5), () -> {
      Await.result(edge.app.limits().compliance().runMonitors());
      return flags(compliance, start, alice.id()).size() >= 3 && flags(compliance, start, bob.id()).stream()
        .anyMatch(f -> f.getString("kind").equals("rapid_in_out"));
    });
    Await.result(edge.app.limits().compliance().runMonitors());

    List<JsonObject> alices = flags(compliance, start, alice.id());
    assertThat(alices).filteredOn(f -> f.getString("kind").equals("structuring")).singleElement()
      .satisfies(f -> {
        assertThat(f.getJsonArray("postingIds").getList()).containsExactlyElementsOf(nearThreshold);
        assertThat(f.getLong("totalMinor")).isEqualTo(2_900_000);
        assertThat(f.getString("walletId")).isEqualTo(from);
      });
    assertThat(alices).filteredOn(f -> f.getString("kind").equals("large_transaction"))
      .extracting(f -> f.getJsonArray("postingIds").getString(0)).contains(large);
    assertThat(flags(compliance, start, bob.id())).filteredOn(f -> f.getString("kind").equals("rapid_in_out"))
      .singleElement().satisfies(f -> assertThat(f.getJsonArray("postingIds").getList())
        .containsAll(nearThreshold).contains(large, out));

    String to = Instant.now().plusSeconds(60).toString();
    HttpResponse<Buffer> largeCsv = compliance.get("/admin/reports/large-transactions?from=" + start + "&to=" + to);
    HttpResponse<Buffer> flagsCsv = compliance.get("/admin/reports/aml-flags?from=" + start + "&to=" + to);

    assertThat(largeCsv.statusCode()).isEqualTo(200);
    assertThat(largeCsv.getHeader("Content-Type")).startsWith("text/csv");
    List<String> largeRows = Arrays.asList(largeCsv.bodyAsString().split("\r\n"));
    assertThat(largeRows.get(0)).isEqualTo("posting_id,posting_type,created_at,wallet_id,owner_id,direction,"
      + "amount_minor,currency,amount,threshold_minor");
    assertThat(largeRows).anySatisfy(row -> assertThat(row).startsWith(large + ",transfer,")
      .endsWith("," + from + "," + alice.id() + ",out,1200000,USD,12000.00,1000000"));
    assertThat(largeRows).noneMatch(row -> nearThreshold.stream().anyMatch(row::startsWith));
    List<String> flagRows = Arrays.asList(flagsCsv.bodyAsString().split("\r\n"));
    assertThat(flagRows).anySatisfy(row -> assertThat(row).contains(",structuring,").contains("," + alice.id() + ","
      + from + ",USD,2900000,29000.00," + String.join(" ", nearThreshold) + ","));
    assertThat(compliance.get("/admin/reports/aml-flags?from=" + start).statusCode()).isEqualTo(400);
    assertThat(alice.get("/admin/aml/flags").statusCode()).isEqualTo(403);

    // bob again, larger, within the same window: until 2026-12-07 it had the first flag's key (the
    // window's first credit) and was never flagged
    List<Object> firstEvidence = rapidFlags(compliance, start, bob.id()).get(0).getJsonArray("postingIds").getList();
    alice.deposit(from, 3_000_000);
    String secondIn = send(alice, from, bobs, 2_000_000);
    String secondOut = send(bob, bobs, carols, 1_900_000);
    Eventually.await("the monitors to flag bob's second rapid in-and-out", Duration.ofMinutes(2), () -> {
      Await.result(edge.app.limits().compliance().runMonitors());
      return rapidFlags(compliance, start, bob.id()).size() >= 2;
    });
    assertThat(rapidFlags(compliance, start, bob.id())).hasSize(2)
      .filteredOn(f -> f.getJsonArray("postingIds").contains(secondOut)).singleElement()
      .satisfies(f -> assertThat(f.getJsonArray("postingIds").getList()).containsExactly(secondIn, secondOut)
        .doesNotContainAnyElementsOf(firstEvidence));
  }

  @Test
  @DisplayName("money sent out, given back and sent out again is flagged at the second exit: what came back came in "
    + "(until 2026-12-07 the first exit's flag held the credit, the return was not read, and the second exit went unflagged)")
  void aReturnedSendCameIn(Vertx vertx) {
    Instant start = Instant.now().minusSeconds(60);
    cluster = new LimitsEdges(vertx);
    EdgeFixture edge = cluster.start(Optional.empty());
    LimitsApiTest.publish(edge, TestRules.permissive());
    writer = EdgeFixture.startLedgerWriter(vertx, "limits-aml-returned");
    Compliance monitors = edge.app.limits().compliance();
    ApiCaller compliance = edge.as("compliance-officer", "admin");
    ApiCaller alice = edge.newUser();
    ApiCaller bob = edge.newUser();
    String from = alice.openWallet();
    MoneyCore core = new MoneyCore(edge.cache);
    String bobs = core.openNear(bob.id(), new WalletId(from)).value();
    String carols = core.openNear("carol-" + UUID.randomUUID(), new WalletId(from)).value();
    String frozen = core.openElsewhere("dave-" + UUID.randomUUID(), new WalletId(bobs)).value();
    assertThat(Await.result(edge.cache.setStatus(new WalletId(frozen), WalletStatus.FROZEN, "test")).code())
      .isEqualTo(OutcomeCode.OK);
    alice.deposit(from, 1_000_000);
    String in = send(alice, from, bobs, 900_000);
    HttpResponse<Buffer> refused = bob.post("/v1/transfers", transfer(bobs, frozen, 900_000), newKey());
    assertThat(refused.statusCode()).as(refused.bodyAsString()).isEqualTo(422);
    String returned = refused.bodyAsJsonObject().getString("transferId") + ".reversed";

    String out = send(bob, bobs, carols, 900_000);

    // the refused send is flagged with the credit when its return came later than it (shards of two
    // masters); a saga within one master returns it at the same instant, and one flag holds it all
    Eventually.await("the monitors to flag bob's exit after the return", Duration.ofMinutes(5), () -> {
      Await.result(monitors.runMonitors());
      return rapidFlags(compliance, start, bob.id()).stream().anyMatch(f -> f.getJsonArray("postingIds").contains(out));
    });
    assertThat(rapidFlags(compliance, start, bob.id())).filteredOn(f -> f.getJsonArray("postingIds").contains(out))
      .singleElement().satisfies(f -> assertThat(f.getJsonArray("postingIds").getList()).contains(returned, out));
    assertThat(rapidFlags(compliance, start, bob.id())).anySatisfy(f -> assertThat(f.getJsonArray("postingIds").getList())
      .contains(in));
  }

  @Test
  @DisplayName("/admin/aml/flags gives a period of more flags than a page one page after the other: next, then after "
    + "(until 2026-12-07 the oldest page alone, without a sign that newer flags existed)")
  void flagsPageByPage(Vertx vertx) {
    Instant start = Instant.now().minusSeconds(1);
    cluster = new LimitsEdges(vertx);
    EdgeFixture edge = cluster.start(Optional.empty());
    ApiCaller compliance = edge.as("compliance-officer", "admin");
    String owner = "paged-" + UUID.randomUUID();
    Pool db = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    List<Long> raised;
    try {
      raised = IntStream.range(0, 3).mapToObj(i -> raise(db, owner)).toList();
    } finally {
      db.close();
    }

    String period = "/admin/aml/flags?limit=2&from=" + start;
    JsonObject page = page(compliance, period);
    assertThat(page.getJsonArray("flags")).hasSize(2);
    assertThat(page.getLong("next")).as("more than a page").isNotNull();
    List<Long> seen = new ArrayList<>(ownersFlags(page, owner));
    for (int pages = 1; page.containsKey("next") && pages < 1_000; pages++) {
      page = page(compliance, period + "&after=" + page.getLong("next"));
      seen.addAll(ownersFlags(page, owner));
    }

    assertThat(page.containsKey("next")).as("the last page").isFalse();
    assertThat(seen).containsExactlyElementsOf(raised);
  }

  private static JsonObject page(ApiCaller compliance, String path) {
    HttpResponse<Buffer> listed = compliance.get(path);
    assertThat(listed.statusCode()).as(listed.bodyAsString()).isEqualTo(200);
    return listed.bodyAsJsonObject();
  }

  private static List<Long> ownersFlags(JsonObject page, String owner) {
    return page.getJsonArray("flags").stream().map(JsonObject.class::cast)
      .filter(flag -> owner.equals(flag.getString("ownerId"))).map(flag -> flag.getLong("id")).toList();
  }

  /** A flag about {@code owner}, as a monitor raises one. */
  private static long raise(Pool db, String owner) {
    return Await.result(db.preparedQuery("""
        INSERT INTO limits.aml_flags (dedupe_key, kind, owner_id, wallet_id, currency, total_minor, posting_ids,
                                      occurred_at, detail)
        VALUES ($1, 'large_transaction', $2, NULL, 'USD', 100, ARRAY['p-test'], now(), 'test flag') RETURNING id""")
      .execute(Tuple.of(UUID.randomUUID().toString(), owner))).iterator().next().getLong("id");
  }

  private static List<JsonObject> rapidFlags(ApiCaller compliance, Instant from, String owner) {
    return flags(compliance, from, owner).stream().filter(f -> f.getString("kind").equals("rapid_in_out")).toList();
  }

  @Test
  @DisplayName("payments to a hot merchant land on its stripes, yet a large one and a rapid in-and-out are flagged "
    + "on the merchant's wallet")
  void hotMerchantFlaggedOnItsWallet(Vertx vertx) {
    Instant start = Instant.now().minusSeconds(60);
    String shopOwner = "shop-hot-aml-" + UUID.randomUUID();
    cluster = new LimitsEdges(vertx);
    EdgeFixture edge = cluster.start(Optional.empty(), Map.of("WALLET_STRIPED_MERCHANT_OWNERS", shopOwner,
      "WALLET_STRIPE_SWEEP_INTERVAL_MS", "300"));
    LimitsApiTest.publish(edge, TestRules.permissive());
    writer = EdgeFixture.startLedgerWriter(vertx, "limits-aml-hot-merchant");
    ApiCaller shop = edge.as(shopOwner, "user", "merchant");
    String merchant = shop.openMerchantWallet();
    List<ApiCaller> payers = edge.usersOnOtherShards(merchant, 2);
    ApiCaller big = payers.get(0);
    ApiCaller small = payers.get(1);
    String large = pay(big, merchant, 1_200_000);
    String modest = pay(small, merchant, 300_000);
    long received = shop.available(merchant);
    HttpResponse<Buffer> payout = shop.post("/v1/withdrawals", ApiCaller.withdrawal(merchant, received, "DE89 3704"),
      newKey());
    assertThat(payout.statusCode()).as(payout.bodyAsString()).isEqualTo(202);
    shop.awaitStatus("/v1/withdrawals/" + payout.bodyAsJsonObject().getString("id"), "completed");
    ApiCaller compliance = edge.as("compliance-officer", "admin");

    // as above: the monitors first catch up on whatever the ledger holds unread from earlier suites
    Eventually.await("the monitors to flag the merchant's large payment in and its rapid in-and-out",
      Duration.ofMinutes(5), () -> {
        Await.result(edge.app.limits().compliance().runMonitors());
        List<JsonObject> flags = flags(compliance, start, shopOwner);
        return flags.stream().anyMatch(f -> f.getString("kind").equals("rapid_in_out"))
          && flags.stream().anyMatch(f -> f.getString("kind").equals("large_transaction"));
      });

    List<JsonObject> flags = flags(compliance, start, shopOwner);
    assertThat(flags).extracting(f -> f.getString("walletId")).containsOnly(merchant);
    // the payout of it all is large too, and flagged on the same wallet
    assertThat(flags).filteredOn(f -> f.getString("kind").equals("large_transaction"))
      .anySatisfy(f -> assertThat(f.getJsonArray("postingIds").getList()).containsExactly(large));
    assertThat(flags).filteredOn(f -> f.getString("kind").equals("rapid_in_out")).singleElement()
      .satisfies(f -> assertThat(f.getJsonArray("postingIds").getList()).contains(large, modest));
  }

  /**
   * What WalletAmlMonitorsNotRunning reads: a run that found another process holding the monitors'
   * lock read nothing (until 2026-12-07 it counted as a run, and an edge whose runs never got the lock
   * kept the figure fresh while the monitors stood still).
   */
  @Test
  @DisplayName("a run to the end of the ledger counts as the monitors' run; one that finds their lock held "
    + "elsewhere does not")
  void aRunBehindAnotherProcesssLockIsNoRun(Vertx vertx) {
    cluster = new LimitsEdges(vertx);
    EdgeFixture edge = cluster.start(Optional.empty());
    LimitsApiTest.publish(edge, TestRules.permissive());
    Compliance monitors = edge.app.limits().compliance();
    Instant before = Instant.now();
    Await.result(monitors.runMonitors(), 300);
    Instant ran = monitors.monitorsRanAt();
    Pool db = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    SqlConnection holder = Await.result(db.getConnection());
    try {
      Await.result(holder.query("SELECT pg_advisory_lock(hashtext('limits.aml-monitor'))").execute());
      Await.result(monitors.runMonitors());

      assertThat(ran).as("the run to the end").isAfterOrEqualTo(before.truncatedTo(ChronoUnit.SECONDS));
      assertThat(monitors.monitorsRanAt()).as("the run behind another's lock").isEqualTo(ran);
    } finally {
      Await.result(holder.query("SELECT pg_advisory_unlock_all()").execute());
      Await.result(holder.close());
      Await.result(db.close());
    }
  }

  @Test
  @DisplayName("rapid in-and-out reads what came in from the monitors' sums by minute, each credit counted once "
    + "however often they run, and from the ledger for a window that starts before the sums hold everything")
  void rapidInOutFromSumsByMinute(Vertx vertx) {
    Instant start = Instant.now().minusSeconds(60);
    cluster = new LimitsEdges(vertx);
    EdgeFixture edge = cluster.start(Optional.empty());
    LimitsApiTest.publish(edge, TestRules.permissive());
    writer = EdgeFixture.startLedgerWriter(vertx, "limits-aml-sums");
    Compliance monitors = edge.app.limits().compliance();
    ApiCaller compliance = edge.as("compliance-officer", "admin");
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    MoneyCore core = new MoneyCore(edge.cache);
    String sink = core.openNear("sink-" + UUID.randomUUID(), new WalletId(from)).value();
    List<ApiCaller> receivers = List.of(edge.newUser(), edge.newUser(), edge.newUser());
    List<String> wallets = receivers.stream()
      .map(receiver -> core.openNear(receiver.id(), new WalletId(from)).value()).toList();
    alice.deposit(from, 2_000_000);
    // 600,000 in, in two credits, for each: above the rules' minimum of 500,000
    wallets.forEach(wallet -> {
      send(alice, from, wallet, 250_000);
      send(alice, from, wallet, 350_000);
    });
    Pool db = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    Eventually.await("the monitors to count the credits", Duration.ofMinutes(5), () -> {
      Await.result(monitors.runMonitors());
      return wallets.stream().allMatch(wallet -> summed(db, wallet) == 600_000);
    });
    // this test moves where the sums are trusted from; a run before it on the same database may have too
    Object creditsFrom = Await.result(db.query("SELECT credits_from FROM limits.aml_position WHERE monitor = 'aml'")
      .execute()).iterator().next().getValue(0);
    try {
      Await.result(db.query("UPDATE limits.aml_position SET credits_from = now() - interval '2 hours'").execute());
      Await.result(monitors.runMonitors());
      assertThat(wallets).allSatisfy(wallet -> assertThat(summed(db, wallet)).isEqualTo(600_000));

      // the first sends out what came in: flagged from the sums
      String first = send(receivers.get(0), wallets.get(0), sink, 550_000);
      // the second's sums are gone: not flagged, which shows that the sums are what is read
      forget(db, wallets.get(1));
      String second = send(receivers.get(1), wallets.get(1), sink, 550_000);
      Eventually.await("the monitors to pass both transfers out", Duration.ofSeconds(60), () -> {
        Await.result(monitors.runMonitors());
        return passed(db, first) && passed(db, second);
      });
      assertThat(flags(compliance, start, receivers.get(0).id()))
        .filteredOn(f -> f.getString("kind").equals("rapid_in_out")).singleElement()
        .satisfies(f -> assertThat(f.getJsonArray("postingIds").getList()).contains(first));
      assertThat(flags(compliance, start, receivers.get(1).id())).isEmpty();

      // the third's sums are gone too, but the sums now hold only what was created from now on (as
      // after an upgrade): its window is summed in the ledger, and it is flagged
      forget(db, wallets.get(2));
      Await.result(db.query("UPDATE limits.aml_position SET credits_from = now()").execute());
      String third = send(receivers.get(2), wallets.get(2), sink, 550_000);
      Eventually.await("the monitors to flag the third", Duration.ofSeconds(60), () -> {
        Await.result(monitors.runMonitors());
        return flags(compliance, start, receivers.get(2).id()).stream()
          .anyMatch(f -> f.getString("kind").equals("rapid_in_out") && f.getJsonArray("postingIds").contains(third));
      });
    } finally {
      Await.result(db.preparedQuery("UPDATE limits.aml_position SET credits_from = $1 WHERE monitor = 'aml'")
        .execute(Tuple.of(creditsFrom)));
      db.close();
    }
  }

  /** What the monitors' sums say came into {@code wallet}. */
  private static long summed(Pool db, String wallet) {
    return Await.result(db.preparedQuery("SELECT coalesce(sum(credited), 0) FROM limits.aml_credits WHERE wallet_id = $1")
      .execute(Tuple.of(wallet))).iterator().next().getLong(0);
  }

  private static void forget(Pool db, String wallet) {
    Await.result(db.preparedQuery("DELETE FROM limits.aml_credits WHERE wallet_id = $1").execute(Tuple.of(wallet)));
  }

  /** Whether the monitors' position is at or past the posting {@code postingId}. */
  private static boolean passed(Pool db, String postingId) {
    return Await.result(db.preparedQuery("""
        SELECT EXISTS (SELECT 1 FROM limits.aml_position m JOIN postings p ON p.id = $1
                        WHERE m.monitor = 'aml' AND (m.recorded_at, m.posting_id) >= (p.recorded_at, p.id))""")
      .execute(Tuple.of(postingId))).iterator().next().getBoolean(0);
  }

  /** A payment of {@code amount} from a new wallet of {@code payer}, completed at once on its stripe. */
  private static String pay(ApiCaller payer, String merchant, long amount) {
    String wallet = payer.openWallet();
    payer.deposit(wallet, amount);
    HttpResponse<Buffer> paid = payer.post("/v1/payments", PaymentsApiTest.payment(wallet, merchant, amount), newKey());
    assertThat(paid.statusCode()).as(paid.bodyAsString()).isEqualTo(201);
    return paid.bodyAsJsonObject().getString("id");
  }

  @Test
  @DisplayName("one run of the monitors reads every posting recorded since the last, however many batches that is")
  void oneRunCatchesUp(Vertx vertx) {
    cluster = new LimitsEdges(vertx);
    EdgeFixture edge = cluster.start(Optional.empty());
    LimitsApiTest.publish(edge, TestRules.permissive());
    writer = EdgeFixture.startLedgerWriter(vertx, "limits-aml-catch-up");
    Compliance monitors = edge.app.limits().compliance();
    ApiCaller alice = edge.newUser();
    String from = alice.openWallet();
    String to = new MoneyCore(edge.cache).openNear("bob-" + UUID.randomUUID(), new WalletId(from)).value();
    alice.deposit(from, 10_000_000);
    // batches of 400: one of 800 items ran past the money core's 800 ms operation timeout (503) on a busy machine
    int perBatch = 400;
    int transfers = 6 * perBatch; // more than one monitor transaction reads
    assertThat(transfers).isGreaterThan(Compliance.MONITOR_BATCH_POSTINGS);
    for (int sent = 0; sent < transfers; sent += perBatch) {
      JsonObject[] items = IntStream.range(sent, sent + perBatch)
        .mapToObj(i -> BatchApiTest.item("catch-up-" + i, from, to, 1)).toArray(JsonObject[]::new);
      assertThat(BatchApiTest.transfers(alice, true, items).statusCode()).isEqualTo(201);
    }
    Pool ledger = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      Eventually.await("the ledger to hold the transfers, settled for the monitors", Duration.ofSeconds(60),
        () -> settledCredits(ledger, to) == transfers);
    } finally {
      ledger.close();
    }

    assertThat(Await.result(monitors.runMonitors())).isGreaterThan(Compliance.MONITOR_BATCH_POSTINGS);
    assertThat(Await.result(monitors.runMonitors())).isZero();
  }

  /** The credits to {@code wallet} in the ledger recorded longer ago than the tests' AML settle time (500 ms). */
  private static long settledCredits(Pool ledger, String wallet) {
    return Await.result(ledger.preparedQuery("""
        SELECT count(*) FROM entries e JOIN postings p ON p.id = e.posting_id AND p.created_at = e.created_at
         WHERE e.account_id = $1 AND e.amount > 0 AND p.recorded_at < now() - interval '1 second'""")
      .execute(Tuple.of(wallet))).iterator().next().getLong(0);
  }

  private static String send(ApiCaller caller, String from, String to, long amount) {
    HttpResponse<Buffer> sent = caller.post("/v1/transfers", transfer(from, to, amount), newKey());
    assertThat(sent.statusCode()).as(sent.bodyAsString()).isEqualTo(201);
    return sent.bodyAsJsonObject().getString("id");
  }

  /** Every flag about {@code owner} detected since {@code from}, page after page. */
  private static List<JsonObject> flags(ApiCaller compliance, Instant from, String owner) {
    List<JsonObject> found = new ArrayList<>();
    JsonObject page = page(compliance, "/admin/aml/flags?limit=500&from=" + from);
    for (int pages = 1; ; pages++) {
      page.getJsonArray("flags").stream().map(JsonObject.class::cast)
        .filter(flag -> owner.equals(flag.getString("ownerId"))).forEach(found::add);
      if (!page.containsKey("next") || pages >= 100) {
        return found;
      }
      page = page(compliance, "/admin/aml/flags?limit=500&from=" + from + "&after=" + page.getLong("next"));
    }
  }
}
