package dev.wallet.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.balancecache.testing.MoneyCore;
import dev.wallet.edge.console.ConsoleSession;
import dev.wallet.ledger.LedgerWriter;
import dev.wallet.ledger.MoneyHalts;
import dev.wallet.ledger.ReconciliationReport;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The risk console in a real browser (headless Chromium through Selenium) against two edges that
 * share a Hazelcast cluster, as production runs them: sign-in, rules, KYC and AML pages, and
 * what a user token gets (nothing). Each page's screenshot is kept in target/console-screenshots.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsoleBrowserTest {

  private Vertx vertx;
  private LimitsEdges cluster;
  private EdgeFixture first;
  private EdgeFixture second;
  private ConsoleBrowser browser;
  private TestPrometheus prometheus;
  private ScrapedLedgerWriter writer;

  @BeforeAll
  void start() {
    vertx = Vertx.vertx();
    cluster = new LimitsEdges(vertx);
    prometheus = new TestPrometheus();
    Map<String, String> live = Map.of("WALLET_PROMETHEUS_URL", prometheus.url());
    first = cluster.start(Optional.empty(), live);
    second = cluster.start(Optional.empty(), live);
    writer = ScrapedLedgerWriter.start(vertx);
    prometheus.start(List.of(first.port(), second.port()), List.of(writer.port()));
    LimitsApiTest.publish(first, TestRules.permissive());
    browser = new ConsoleBrowser();
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.close();
    }
    prometheus.close();
    writer.close();
    cluster.close();
    Await.result(vertx.close());
  }

  @BeforeEach
  void signedOut() {
    browser.open(base(first) + "/console/sign-in");
    browser.driver.manage().deleteAllCookies();
  }

  @Test
  @DisplayName("without a session the console shows only the way to sign in (401); a user token is refused (403) "
    + "and gets no session; a risk session's post without its CSRF token, and a sign-in from another site, are refused")
  void refusals() {
    browser.open(base(first) + "/console/rules");
    assertThat(browser.heading()).isEqualTo("Sign in required");
    assertThat(Await.result(client(first).get("/console/rules").send()).statusCode()).isEqualTo(401);
    assertThat(browser.driver.getPageSource()).doesNotContain("Audit history");

    browser.signIn(base(first), Tokens.valid("console-user-" + UUID.randomUUID(), "user"));
    assertThat(browser.heading()).isEqualTo("Not allowed");
    assertThat(browser.text(By.cssSelector("main [role=alert]"))).contains("has neither");
    assertThat(browser.driver.manage().getCookieNamed(ConsoleSession.COOKIE)).isNull();
    browser.screenshot("refused-user-token");

    HttpResponse<Buffer> asUser = consoleGet(first, "/console/rules", Tokens.valid("console-user", "user"));
    assertThat(asUser.statusCode()).isEqualTo(403);
    assertThat(asUser.bodyAsString()).doesNotContain("Audit history");
    HttpResponse<Buffer> forged = Await.result(client(first).post("/console/kyc")
      .putHeader("Cookie", ConsoleSession.COOKIE + "=" + Tokens.valid("console-risk", "risk"))
      .putHeader("Content-Type", "application/x-www-form-urlencoded")
      .sendBuffer(Buffer.buffer("owner=victim&tier=vip")));
    assertThat(forged.statusCode()).isEqualTo(403);
    HttpResponse<Buffer> crossSite = Await.result(client(first).post("/console/sign-in")
      .putHeader("Origin", "http://elsewhere.example").putHeader("Content-Type", "application/x-www-form-urlencoded")
      .sendBuffer(Buffer.buffer("token=" + Tokens.valid("console-risk", "risk"))));
    assertThat(crossSite.statusCode()).isEqualTo(403);
    assertThat(crossSite.cookies()).isEmpty();
    assertThat(Await.result(first.app.limits().profile("victim")).tier()).isNotEqualTo("vip");
  }

  @Test
  @DisplayName("the session cookie is Secure, and pages ask for HTTPS only (HSTS), once the console is reached over "
    + "TLS at a proxy that says so; over plain HTTP to the edge neither")
  void secureBehindATlsProxy() {
    String token = Tokens.valid("console-tls-" + UUID.randomUUID(), "admin");

    HttpResponse<Buffer> plain = signIn(first, token, Optional.empty());
    HttpResponse<Buffer> proxied = signIn(first, token, Optional.of("https"));
    HttpResponse<Buffer> page = Await.result(client(first).get("/console/rules").putHeader("X-Forwarded-Proto", "https")
      .putHeader("Cookie", ConsoleSession.COOKIE + "=" + token).send());

    assertThat(plain.cookies()).singleElement().asString().startsWith(ConsoleSession.COOKIE + "=").doesNotContain("Secure");
    assertThat(plain.getHeader("Strict-Transport-Security")).isNull();
    assertThat(proxied.cookies()).singleElement().asString().contains("Secure");
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.getHeader("Strict-Transport-Security")).isEqualTo("max-age=31536000");
  }

  private HttpResponse<Buffer> signIn(EdgeFixture edge, String token, Optional<String> forwardedProto) {
    io.vertx.ext.web.client.HttpRequest<Buffer> request = client(edge).post("/console/sign-in")
      .putHeader("Content-Type", "application/x-www-form-urlencoded");
    forwardedProto.ifPresent(proto -> request.putHeader("X-Forwarded-Proto", proto));
    return Await.result(request.sendBuffer(Buffer.buffer("token=" + token)));
  }

  @Test
  @DisplayName("a risk officer checks a rules change, sees its rule-by-rule diff, publishes it, and both edges "
    + "enforce the new version within 5 s; the audit names the officer")
  void publishRules() {
    String officer = "console-officer-" + UUID.randomUUID();
    browser.signIn(base(first), Tokens.valid(officer, "risk"));
    assertThat(browser.heading()).isEqualTo("Rules");
    long before = Long.parseLong(browser.text(By.id("in-force-version")));
    browser.screenshot("rules");

    String text = browser.driver.findElement(By.id("rules")).getAttribute("value");
    String changed = text.replace("blockedCountries: [KP]", "blockedCountries: [KP, IR]");
    assertThat(changed).isNotEqualTo(text);
    browser.paste(By.id("rules"), changed);
    browser.click(By.id("check"));
    assertThat(browser.await(By.id("diff")).getText()).contains("~ blockedCountries: [KP] -> [IR, KP]");
    browser.screenshot("rules-diff");
    browser.click(By.id("publish"));
    browser.awaitText(By.cssSelector(".notice"), "is published and in force");
    long published = Long.parseLong(browser.text(By.id("in-force-version")));
    assertThat(published).isGreaterThan(before);
    assertThat(browser.text(By.id("in-force-by"))).isEqualTo(officer);
    assertThat(browser.text(By.id("audit"))).contains(officer).contains("blockedCountries");

    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    for (EdgeFixture edge : List.of(first, second)) {
      Eventually.await("version " + published + " in force on every edge", Duration.ofNanos(
        Math.max(1, deadline - System.nanoTime())), () -> edge.app.limits().rulesInForce()
        .map(rules -> rules.published().version() == published
          && rules.rules().blockedCountries().contains("IR")).orElse(false));
    }
    browser.signIn(base(second), Tokens.valid(officer, "risk"));
    assertThat(Long.parseLong(browser.text(By.id("in-force-version")))).isEqualTo(published);
    browser.screenshot("rules-published-second-edge");
  }

  @Test
  @DisplayName("an invalid rules text shows each problem at its line, as typed and on check, and nothing is published")
  void invalidRules() {
    browser.signIn(base(first), Tokens.valid("console-officer", "risk"));
    long before = Long.parseLong(browser.text(By.id("in-force-version")));
    String text = browser.driver.findElement(By.id("rules")).getAttribute("value");
    String invalid = text.replaceFirst("defaultTier: \\w+", "defaultTier: gold")
      .replace("blockedCountries:", "surprise: 1\nblockedCountries:");
    int goldLine = lineOf(invalid, "defaultTier: gold");
    int surpriseLine = lineOf(invalid, "surprise: 1");

    browser.paste(By.id("rules"), invalid);
    browser.awaitText(By.id("live-problems"), "2 problem(s)");
    assertThat(browser.text(By.id("live-problems"))).contains("Line " + goldLine + ": defaultTier")
      .contains("Line " + surpriseLine + ": surprise");
    browser.click(By.id("check"));
    List<WebElement> problems = browser.await(By.id("problems")).findElements(By.tagName("li"));
    assertThat(problems).hasSize(2);
    assertThat(browser.text(By.id("line-" + goldLine))).contains("defaultTier: names no tier: 'gold'");
    assertThat(browser.text(By.id("line-" + surpriseLine))).contains("surprise: is not a known key");
    assertThat(browser.driver.findElements(By.id("publish"))).isEmpty();
    browser.screenshot("rules-invalid");

    for (EdgeFixture edge : List.of(first, second)) {
      assertThat(edge.app.limits().rulesInForce().orElseThrow().published().version()).isEqualTo(before);
    }
  }

  @Test
  @DisplayName("looking up an owner shows the tier and what it allows; changing it is done and audited, "
    + "as made in the console, as PUT /admin/kyc does, and refused (403) for the officer's own")
  void changeKycTier() {
    String owner = "console-kyc-" + UUID.randomUUID();
    browser.signIn(base(first), Tokens.valid("console-kyc-officer", "admin"));
    browser.open(base(first) + "/console/kyc");
    browser.paste(By.id("owner"), owner);
    browser.driver.findElement(By.id("owner")).submit();
    assertThat(browser.await(By.id("tier")).getText()).isEqualTo("unverified");
    assertThat(browser.text(By.id("allowances"))).contains("withdrawal");
    new Select(browser.driver.findElement(By.id("new-tier"))).selectByValue("basic");
    browser.click(By.id("change-tier"));
    browser.awaitText(By.cssSelector(".notice"), "The tier is now basic");
    assertThat(browser.text(By.id("tier"))).isEqualTo("basic");
    assertThat(browser.text(By.id("allowances"))).doesNotContain("withdrawal");
    browser.screenshot("kyc");

    HttpResponse<Buffer> read = first.as("auditor", "admin").get("/admin/kyc/" + owner);
    assertThat(read.bodyAsJsonObject().getString("tier")).isEqualTo("basic");
    assertThat(read.bodyAsJsonObject().getString("updatedBy")).isEqualTo("console-kyc-officer");
    HttpResponse<Buffer> audit = first.as("auditor", "admin").get("/admin/limits/audit?limit=20");
    assertThat(audit.bodyAsJsonObject().getJsonArray("audit").stream().map(JsonObject.class::cast)
      .filter(line -> owner.equals(line.getString("subject"))))
      .as("the change is audited as the console's (until 2026-12-07 every KYC change said \"api\")")
      .singleElement().satisfies(line -> {
        assertThat(line.getString("action")).isEqualTo("kyc_profile_set");
        assertThat(line.getString("actor")).isEqualTo("console-kyc-officer");
        assertThat(line.getString("source")).isEqualTo("console");
      });

    String tierBefore = Await.result(first.app.limits().profile("console-kyc-officer")).tier();
    browser.open(base(first) + "/console/kyc?owner=console-kyc-officer");
    new Select(browser.await(By.id("new-tier"))).selectByValue("basic".equals(tierBefore) ? "unverified" : "basic");
    browser.click(By.id("change-tier"));
    browser.awaitText(By.tagName("h1"), "Error 403");
    assertThat(browser.driver.getPageSource()).contains("no one changes the KYC profile of their own");
    assertThat(Await.result(first.app.limits().profile("console-kyc-officer")).tier()).isEqualTo(tierBefore);
  }

  @Test
  @DisplayName("an AML flag is found in the queue by owner, opened with the ledger movement behind it, and "
    + "marked escalated with a note; the queue filtered by state shows it so")
  void reviewFlag() {
    ApiCaller alice = first.newUser();
    String wallet = alice.openWallet();
    alice.deposit(wallet, 2_000_000);
    String posting = creditPosting(wallet);
    long flagId = raiseFlag(alice.id(), wallet, posting);

    browser.signIn(base(first), Tokens.valid("console-compliance", "risk"));
    browser.open(base(first) + "/console/aml?owner=" + alice.id());
    assertThat(browser.text(By.id("flags"))).contains("#" + flagId).contains("open");
    browser.screenshot("aml-queue");
    browser.click(By.linkText("#" + flagId));
    assertThat(browser.await(By.id("movements")).getText()).contains(posting).contains(wallet);
    browser.click(By.id("state-escalated"));
    browser.driver.findElement(By.id("note")).sendKeys("deposit far above this owner's history");
    browser.click(By.id("submit-review"));
    browser.awaitText(By.cssSelector(".notice"), "Marked escalated");
    assertThat(browser.text(By.id("flag-state"))).isEqualTo("escalated");
    assertThat(browser.text(By.id("reviews"))).contains("console-compliance")
      .contains("deposit far above this owner's history");
    browser.screenshot("aml-flag");

    browser.open(base(first) + "/console/aml?owner=" + alice.id() + "&state=escalated");
    assertThat(browser.text(By.id("flags"))).contains("#" + flagId);
    browser.open(base(first) + "/console/aml?owner=" + alice.id() + "&state=open");
    assertThat(browser.text(By.id("flags"))).doesNotContain("#" + flagId);
  }

  @Test
  @DisplayName("a risk officer cannot review an AML flag about another owner whose flagged movement the officer sent "
    + "(403); it stays unreviewed")
  void noOneReviewsAFlagTheySentTheMoneyOf() {
    String officer = "console-sender-" + UUID.randomUUID();
    ApiCaller self = first.as(officer, "user");
    String sent = self.openWallet();
    self.deposit(sent, 2_000_000);
    ApiCaller alice = first.newUser();
    String received = alice.openWallet();
    // by the money core: liveCharts counts the transfers the edges' API made
    assertThat(Await.result(new MoneyCore(first.cache).transfer(new WalletId(sent), new WalletId(received), 1_500_000,
      officer)).code()).isEqualTo(OutcomeCode.OK);
    long flagId = raiseFlag(alice.id(), received, creditPosting(received));

    HttpResponse<Buffer> review = consolePost(first, "/console/aml/flags/" + flagId + "/review",
      Tokens.valid(officer, "risk"), "state=dismissed&note=fine");

    assertThat(review.statusCode()).as(review.bodyAsString()).isEqualTo(403);
    assertThat(Await.result(first.app.limits().compliance().flagCase(flagId)).orElseThrow().reviews()).isEmpty();
    HttpResponse<Buffer> byAnother = consolePost(first, "/console/aml/flags/" + flagId + "/review",
      Tokens.valid("console-compliance", "risk"), "state=reviewed&note=checked");
    assertThat(byAnother.statusCode()).as(byAnother.bodyAsString()).isEqualTo(303);
  }

  @Test
  @DisplayName("the AML queue says when more flags match than it shows")
  void theQueueSaysWhenMoreMatch() {
    String owner = "console-many-" + UUID.randomUUID();
    Pool pool = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      Await.result(pool.preparedQuery("""
          INSERT INTO limits.aml_flags (dedupe_key, kind, owner_id, wallet_id, currency, total_minor, posting_ids,
                                        occurred_at, detected_at, detail)
          SELECT $1 || n, 'large_transaction', $1, NULL, 'USD', 100, ARRAY['p-many'], now() - interval '20 days',
                 now() - interval '20 days', 'test flag'
            FROM generate_series(1, 201) AS n""").execute(Tuple.of(owner)));
    } finally {
      Await.result(pool.close());
    }
    // detected 20 days ago: in the queue's default period of 30 days, out of any other test's
    String risk = Tokens.valid("console-compliance", "risk");

    String all = consoleGet(first, "/console/aml?owner=" + owner, risk).bodyAsString();
    String some = consoleGet(first, "/console/aml?owner=" + owner + "&kind=structuring", risk).bodyAsString();

    assertThat(all).contains("The newest 200 flags, newest first; more match: narrow the filters");
    assertThat(some).contains("0 flag(s), newest first").doesNotContain("more match");
  }

  @Test
  @DisplayName("a risk officer cannot review an AML flag about their own movements (403); it stays unreviewed")
  void noOneReviewsTheirOwnFlag() {
    String officer = "console-officer-" + UUID.randomUUID();
    ApiCaller self = first.as(officer, "user");
    String wallet = self.openWallet();
    self.deposit(wallet, 2_000_000);
    long flagId = raiseFlag(officer, wallet, creditPosting(wallet));

    browser.signIn(base(first), Tokens.valid(officer, "risk"));
    browser.open(base(first) + "/console/aml/flags/" + flagId);
    browser.click(By.id("state-dismissed"));
    browser.driver.findElement(By.id("note")).sendKeys("mine, and fine");
    browser.click(By.id("submit-review"));

    browser.awaitText(By.tagName("h1"), "Error 403");
    assertThat(Await.result(first.app.limits().compliance().flagCase(flagId)).orElseThrow().reviews()).isEmpty();
  }

  @Test
  @DisplayName("a frozen wallet is made active again from the reconciliation page, with a reason")
  void unfreezeWallet() {
    ApiCaller owner = first.newUser();
    ApiCaller admin = first.as("console-admin", "admin");
    String wallet = frozenWallet(owner, admin);

    browser.signIn(base(first), Tokens.valid("console-admin", "admin"));
    browser.open(base(first) + "/console/reconciliation");
    assertThat(browser.heading()).isEqualTo("Reconciliation");
    browser.driver.findElement(By.id("wallet")).sendKeys(wallet);
    browser.driver.findElement(By.id("unfreeze-reason")).sendKeys("checked against the bank statement");
    browser.click(By.id("unfreeze"));
    browser.awaitText(By.cssSelector(".notice"), "is active again");
    browser.screenshot("reconciliation");
    assertThat(admin.get("/admin/wallets/" + wallet).bodyAsJsonObject().getString("status")).isEqualTo("active");
  }

  /** Forms post no schema: the console checks what the OpenAPI document checks for the same change. */
  @Test
  @DisplayName("a console form is held to what the API takes: a reason longer than 200 characters, a review note with "
    + "a NUL and an export of more than 366 days are refused (400), and nothing changes")
  void formsTakeWhatTheApiTakes() {
    ApiCaller owner = first.newUser();
    ApiCaller admin = first.as("console-admin", "admin");
    String wallet = frozenWallet(owner, admin);
    String adminToken = Tokens.valid("console-admin", "admin");
    String riskToken = Tokens.valid("console-compliance", "risk");
    long flagId = raiseFlag(owner.id(), wallet, "p-console-forms-" + UUID.randomUUID());

    HttpResponse<Buffer> longReason = consolePost(first, "/console/reconciliation/unfreeze", adminToken,
      "wallet=" + wallet + "&reason=" + "x".repeat(201));
    HttpResponse<Buffer> nulNote = consolePost(first, "/console/aml/flags/" + flagId + "/review", riskToken,
      "state=dismissed&note=fi%00ne");
    HttpResponse<Buffer> longExport = consoleGet(first, "/console/aml/export?from=2025-01-01&to=2026-01-02", riskToken);
    HttpResponse<Buffer> yearExport = consoleGet(first, "/console/aml/export?from=2025-01-01&to=2026-01-01", riskToken);
    HttpResponse<Buffer> reasonAtTheLimit = consolePost(first, "/console/reconciliation/unfreeze", adminToken,
      "wallet=" + wallet + "&reason=" + "x".repeat(200));

    assertThat(List.of(longReason.statusCode(), nulNote.statusCode(), longExport.statusCode()))
      .as("long reason, NUL in a note, 367 days").containsExactly(400, 400, 400);
    assertThat(nulNote.bodyAsString()).contains("control characters");
    assertThat(Await.result(first.app.limits().compliance().flagCase(flagId)).orElseThrow().reviews()).isEmpty();
    assertThat(yearExport.statusCode()).as("366 days").isEqualTo(200);
    assertThat(reasonAtTheLimit.statusCode()).as(reasonAtTheLimit.bodyAsString()).isEqualTo(303);
    assertThat(admin.get("/admin/wallets/" + wallet).bodyAsJsonObject().getString("status")).isEqualTo("active");
  }

  @Test
  @DisplayName("a halt of money movement is shown on the reconciliation page and released there by an admin, "
    + "with a reason recorded")
  void releaseHalt() {
    Pool pool = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    MoneyHalts halts = MoneyHalts.create(pool);
    String subject = "XTS-console-" + UUID.randomUUID();
    try {
      Await.result(halts.raise(new ReconciliationReport.Discrepancy(ReconciliationReport.Kind.LEDGER_TOTAL, subject,
        "test: a total off by 1"), "console-test", Instant.now()));
      awaitHalted(true);
      browser.signIn(base(first), Tokens.valid("console-admin", "admin"));
      // a notice is the console's own sentence about a value of the shape it expects, never text from a link
      browser.open(base(first) + "/console/reconciliation?done=Sign+in+again+at+evil.example"
        + "&unfrozen=Sign+in+again&released=all");
      assertThat(browser.driver.findElements(By.cssSelector(".notice"))).as("no notice from a link's text").isEmpty();
      browser.open(base(first) + "/console/reconciliation");
      assertThat(browser.text(By.id("halts"))).contains(subject);
      browser.driver.findElement(By.id("release-reason")).sendKeys("test halt, nothing to correct");
      browser.click(By.id("release"));
      browser.awaitText(By.cssSelector(".notice"), "money moves again");
      assertThat(browser.await(By.id("no-halts")).getText()).contains("None");
      Row release = Await.result(pool.preparedQuery("SELECT r.released_by, r.reason FROM money_halt_releases r "
        + "JOIN money_halts h ON h.id = r.halt_id WHERE h.subject = $1").execute(Tuple.of(subject))).iterator().next();
      assertThat(release.getString("released_by")).isEqualTo("console-admin");
      assertThat(release.getString("reason")).isEqualTo("test halt, nothing to correct");
    } finally {
      Await.result(halts.releaseAll("console-test", "test cleanup"));
      Await.result(pool.close());
      awaitHalted(false);
    }
  }

  @Test
  @DisplayName("the Live page charts the whole system from Prometheus: transfers made on both edges show as "
    + "non-zero figures, each chart has its summary and table, and the page refreshes itself from the JSON route")
  void liveCharts() {
    ApiCaller owner = first.newUser();
    ConsoleLiveApiTest.Wallets wallets = ConsoleLiveApiTest.Wallets.open(first, owner);
    ApiCaller sameOwnerOnSecond = second.as(owner.id());
    ConsoleLiveApiTest.move(owner, wallets, 2, 1);
    ConsoleLiveApiTest.move(sameOwnerOnSecond, wallets, 2, 1);
    ConsoleLiveApiTest.awaitSeries(first, "both edges' transfers counted", live -> live.getLong("edges") == 2
      && ConsoleLiveApiTest.total(live, "transfers", "all") == 4);
    ConsoleLiveApiTest.move(sameOwnerOnSecond, wallets, 3, 1);
    // a refusal code is charted (and in the legend) once its rate has two scrapes in the window, which the
    // transfers' rate above zero does not imply: the codes' totals come with their charted series only
    ConsoleLiveApiTest.awaitSeries(first, "all seven transfers scraped at a rate above zero, both refusal codes charted",
      live -> ConsoleLiveApiTest.total(live, "transfers", "all") == 7
        && ConsoleLiveApiTest.peak(live, "transfers", "all") > 0
        && ConsoleLiveApiTest.total(live, "refusals", "insufficient_funds") > 0
        && ConsoleLiveApiTest.total(live, "refusals", "wallet_inactive") > 0);

    browser.signIn(base(first), Tokens.valid("console-live", "risk"));
    browser.click(By.linkText("Live"));
    assertThat(browser.heading()).isEqualTo("Live");
    assertThat(browser.text(By.id("live-state"))).contains("from 2 edge(s) and 1 ledger writer(s)");
    for (String chart : List.of("transfers", "refusals", "errors", "sagas", "ledger")) {
      WebElement figure = browser.driver.findElement(By.cssSelector("#chart-" + chart + " figure"));
      assertThat(figure.getAttribute("tabindex")).as(chart).isEqualTo("0");
      assertThat(figure.findElement(By.tagName("figcaption")).getText()).as(chart).isNotBlank();
      assertThat(browser.driver.findElements(By.cssSelector("#chart-" + chart + " svg[role=img]"))).hasSize(1);
    }
    String transfers = browser.text(By.cssSelector("#chart-transfers figcaption"));
    assertThat(transfers).contains("7 counted by the running edges").doesNotContain("peak 0 ");
    assertThat(browser.driver.findElements(By.cssSelector("#chart-transfers polyline"))).hasSize(1);
    assertThat(browser.text(By.cssSelector("#chart-refusals .legend"))).contains("insufficient_funds")
      .contains("wallet_inactive").doesNotContain("pending");
    assertThat(browser.reachedByTab(By.cssSelector("#chart-transfers figure"), 20)).isTrue();
    browser.awaitText(By.id("live-updated"), "Updated at");
    browser.screenshot("live");
    browser.click(By.cssSelector("#chart-transfers details summary"));
    assertThat(browser.driver.findElements(By.cssSelector("#table-transfers td")).stream().map(WebElement::getText)
      .filter(cell -> !cell.isEmpty()).mapToDouble(Double::parseDouble).max().orElse(0)).isGreaterThan(0);
    browser.click(By.id("live-pause"));
    assertThat(browser.driver.findElement(By.id("live-pause")).getAttribute("aria-pressed")).isEqualTo("true");
  }

  /** Each edge reads the halts once a second. */
  private void awaitHalted(boolean halted) {
    for (EdgeFixture edge : List.of(first, second)) {
      Eventually.await("halted " + halted, Duration.ofSeconds(10), () -> edge.as("console-admin", "admin")
        .get("/admin/reconciliation/halt").bodyAsJsonObject().getBoolean("halted") == halted);
    }
  }

  /** The ledger's posting that credited the wallet, once the ledger writer has carried it there. */
  private String creditPosting(String wallet) {
    LedgerWriter writer = EdgeFixture.startLedgerWriter(vertx, "console");
    Pool pool = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      String[] found = new String[1];
      Eventually.await("the deposit in the ledger", Duration.ofMinutes(2), () -> {
        var rows = Await.result(pool.preparedQuery("SELECT posting_id FROM entries WHERE account_id = $1 AND amount > 0")
          .execute(Tuple.of(wallet)));
        found[0] = rows.size() == 0 ? null : rows.iterator().next().getString("posting_id");
        return found[0] != null;
      });
      return found[0];
    } finally {
      Await.result(writer.stop());
      Await.result(pool.close());
    }
  }

  /** A large-transaction flag as the monitor raises it (the monitor's own run is LimitsAmlApiTest's subject). */
  private long raiseFlag(String owner, String wallet, String posting) {
    Pool pool = EdgeFixture.pool(vertx, EdgeFixture.appDatabase());
    try {
      Row row = Await.result(pool.preparedQuery("""
          INSERT INTO limits.aml_flags (dedupe_key, kind, owner_id, wallet_id, currency, total_minor, posting_ids,
                                        occurred_at, detail)
          VALUES ($1, 'large_transaction', $2, $3, 'USD', 2000000, $4, $5, 'a deposit at or above 10000.00 USD')
          RETURNING id""")
        .execute(Tuple.of("console-test:" + posting, owner, wallet, new String[] {posting},
          OffsetDateTime.now(ZoneOffset.UTC)))).iterator().next();
      return row.getLong("id");
    } finally {
      Await.result(pool.close());
    }
  }

  private HttpResponse<Buffer> consoleGet(EdgeFixture edge, String path, String token) {
    return Await.result(client(edge).get(path).putHeader("Cookie", ConsoleSession.COOKIE + "=" + token).send());
  }

  private static String frozenWallet(ApiCaller owner, ApiCaller admin) {
    String wallet = owner.openWallet();
    HttpResponse<Buffer> frozen = admin.post("/admin/wallets/" + wallet + "/status",
      new JsonObject().put("status", "frozen").put("reason", "test: a discrepancy"), Optional.empty());
    assertThat(frozen.statusCode()).as(frozen.bodyAsString()).isEqualTo(200);
    return wallet;
  }

  /** A form post as the console's pages send it: same origin, the session's CSRF token from one of its pages. */
  private HttpResponse<Buffer> consolePost(EdgeFixture edge, String path, String token, String form) {
    Matcher csrf = Pattern.compile("name=\"csrf\" value=\"([0-9a-f]+)\"")
      .matcher(consoleGet(edge, "/console/kyc", token).bodyAsString());
    assertThat(csrf.find()).as("the page's CSRF token").isTrue();
    return Await.result(client(edge).post(path).putHeader("Cookie", ConsoleSession.COOKIE + "=" + token)
      .putHeader("Origin", "http://127.0.0.1:" + edge.port()).putHeader("Host", "127.0.0.1:" + edge.port())
      .putHeader("Content-Type", "application/x-www-form-urlencoded")
      .sendBuffer(Buffer.buffer(form + "&csrf=" + csrf.group(1))));
  }

  private WebClient client(EdgeFixture edge) {
    return WebClient.create(vertx, new io.vertx.ext.web.client.WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(edge.port()).setFollowRedirects(false));
  }

  private static int lineOf(String text, String line) {
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].equals(line)) {
        return i + 1;
      }
    }
    throw new AssertionError("no line " + line);
  }

  private static String base(EdgeFixture edge) {
    return "http://127.0.0.1:" + edge.port();
  }
}
