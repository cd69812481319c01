package dev.wallet.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Sha256;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.Eventually;
import dev.wallet.limits.LimitsUnavailableException;
import dev.wallet.limits.impl.LimitsHazelcast;
import dev.wallet.limits.model.AuditRecord;
import dev.wallet.limits.model.Decision;
import dev.wallet.limits.model.Decision.Refusal;
import dev.wallet.limits.model.KycProfile;
import dev.wallet.limits.model.Movement;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.PublishOutcome;
import dev.wallet.limits.model.PublishedRules;
import dev.wallet.limits.model.RulesInForce;
import dev.wallet.limits.testing.LimitsTestSupport;
import dev.wallet.limits.testing.LimitsTestSupport.Member;
import dev.wallet.limits.testing.SplitBrain;
import dev.wallet.limits.testing.TestRules;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Real Hazelcast members (TCP-IP on 127.0.0.1:5901-5920) and the real PostgreSQL of scripts/infra-up.sh. */
@ExtendWith(VertxExtension.class)
class RulesClusterTest {

  private static final Duration PROMISE = Duration.ofSeconds(5);

  @Test
  @DisplayName("a published text becomes a version, audited with its diff, in force on every member")
  void publishedEverywhere(Vertx vertx) {
    String cluster = LimitsTestSupport.newClusterName();
    Member first = Member.start(vertx, cluster, Optional.empty());
    Member second = Member.start(vertx, cluster, Optional.empty());
    try {
      assertThat(first.hazelcast().getCluster().getMembers()).hasSize(2);
      PublishOutcome v1 = Await.result(first.limits().publish(TestRules.rules("full", 500, 1_000, 5), "alice", "api"));
      PublishOutcome v2 = Await.result(first.limits().publish(TestRules.rules("full", 400, 1_000, 5), "bob", "api"));
      PublishOutcome again = Await.result(second.limits().publish(TestRules.rules("full", 400, 1_000, 5), "bob",
        "api"));

      assertThat(((PublishOutcome.Published) v1).rules().version()).isEqualTo(1);
      assertThat(((PublishOutcome.Published) v2).rules().version()).isEqualTo(2);
      assertThat(again).isInstanceOf(PublishOutcome.Unchanged.class);
      Eventually.await("the second member to enforce version 2", PROMISE, () -> version(second) == 2);
      AuditRecord last = rulesAudit(first).get(0);
      assertThat(last.action()).isEqualTo("rules_published");
      assertThat(last.actor()).isEqualTo("bob");
      assertThat(last.subject()).isEqualTo("2");
      assertThat(last.detail()).isEqualTo(String.join("\n",
        "~ tiers.basic.perTransaction.p2p_send.USD: 500 -> 400",
        "~ tiers.full.perTransaction.merchant_payment.USD: 500 -> 400",
        "~ tiers.full.perTransaction.p2p_send.USD: 500 -> 400",
        "~ tiers.vip.perTransaction.merchant_payment.USD: 500 -> 400",
        "~ tiers.vip.perTransaction.p2p_send.USD: 500 -> 400",
        "~ tiers.vip.perTransaction.withdrawal.USD: 500 -> 400"));
    } finally {
      second.close();
      first.close();
    }
  }

  @Test
  @DisplayName("a change made against a version that is no longer the latest is not published (two officers on two "
    + "members changed version 1): the later one is told which version to review it against, and the earlier stays")
  void aChangeAgainstAnOlderVersionIsNotPublished(Vertx vertx) {
    String cluster = LimitsTestSupport.newClusterName();
    Member first = Member.start(vertx, cluster, Optional.empty());
    Member second = Member.start(vertx, cluster, Optional.empty());
    try {
      assertThat(Await.result(first.limits().publish(TestRules.rules("full", 500, 1_000, 5), "alice", "console",
        OptionalLong.of(1)))).as("against a version that does not exist").isEqualTo(
        new PublishOutcome.Superseded(Optional.empty()));
      Await.result(first.limits().publish(TestRules.rules("full", 500, 1_000, 5), "file owner root", "api"));
      PublishOutcome tightened = Await.result(first.limits().publish(TestRules.rules("full", 100, 1_000, 5), "alice",
        "console", OptionalLong.of(1)));

      PublishOutcome loosened = Await.result(second.limits().publish(TestRules.rules("full", 400, 1_000, 5), "bob",
        "console", OptionalLong.of(1)));
      PublishOutcome reviewedAgain = Await.result(second.limits().publish(TestRules.rules("full", 400, 1_000, 5),
        "bob", "console", OptionalLong.of(2)));

      assertThat(((PublishOutcome.Published) tightened).rules().version()).isEqualTo(2);
      assertThat(loosened)
        .isEqualTo(new PublishOutcome.Superseded(Optional.of(((PublishOutcome.Published) tightened).rules())));
      assertThat(((PublishOutcome.Published) reviewedAgain).rules().version()).isEqualTo(3);
      assertThat(rulesAudit(first).stream().map(AuditRecord::actor).toList()).as("published, newest first")
        .startsWith("bob", "alice", "file owner root");
    } finally {
      second.close();
      first.close();
    }
  }

  @Test
  @DisplayName("a file's text a member reads late does not undo a version published since in the console: it was "
    + "published from that file already, and the newer version stays in force")
  void aLateReadOfTheFileDoesNotUndoANewerVersion(Vertx vertx) {
    String cluster = LimitsTestSupport.newClusterName();
    Member member = Member.start(vertx, cluster, Optional.empty());
    try {
      String file = "file:/etc/wallet/risk-rules.yaml";
      String fromFile = TestRules.rules("full", 500, 1_000, 5);
      Await.result(member.limits().publish(fromFile, "file owner root", file));
      PublishOutcome tightened = Await.result(member.limits().publish(TestRules.rules("full", 100, 1_000, 5),
        "risk-officer", "console"));

      PublishOutcome readLate = Await.result(member.limits().publish(fromFile, "file owner root", file));
      PublishOutcome changedBack = Await.result(member.limits().publish(TestRules.rules("full", 400, 1_000, 5),
        "file owner root", file));

      assertThat(readLate).isInstanceOf(PublishOutcome.Unchanged.class);
      assertThat(((PublishOutcome.Unchanged) readLate).rules()).isEqualTo(((PublishOutcome.Published) tightened).rules());
      assertThat(changedBack).as("a change of the file is published").isInstanceOf(PublishOutcome.Published.class);
      assertThat(((PublishOutcome.Published) changedBack).rules().version()).isEqualTo(3);
    } finally {
      member.close();
    }
  }

  @Test
  @DisplayName("a member started with a rules file enforces it as soon as its start completes: no first moment "
    + "without rules")
  void fileInForceOnceStarted(Vertx vertx, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("risk-rules.yaml");
    write(file, TestRules.rules("full", 50_000, 100_000, 100));

    Member member = Member.start(vertx, LimitsTestSupport.newClusterName(), Optional.of(file));
    try {
      assertThat(version(member)).isEqualTo(1);
      assertThat(decide(member, Movement.of(UUID.randomUUID().toString(), Operation.P2P_SEND,
        Money.of(30_000, "USD"), Instant.now()))).isInstanceOf(Decision.Allowed.class);
    } finally {
      member.close();
    }
  }

  @Test
  @DisplayName("a member started with an outdated copy of the rules file (an earlier version's text, written before "
    + "the latest) does not publish it over the latest; the file changed back afterwards is published")
  void anOutdatedCopyOfTheFileIsNotPublished(Vertx vertx, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("risk-rules.yaml");
    String loose = TestRules.rules("full", 50_000, 100_000, 100);
    String tight = TestRules.rules("full", 20_000, 100_000, 100);
    String cluster = LimitsTestSupport.newClusterName();
    write(file, loose);
    Member updated = Member.start(vertx, cluster, Optional.of(file));
    try {
      write(file, tight);
      Eventually.await("the tightened file to be version 2", PROMISE, () -> version(updated) == 2);
    } finally {
      updated.close();
    }
    write(file, loose);
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(1))));

    Member outdated = Member.start(vertx, cluster, Optional.of(file));
    try {
      assertThat(version(outdated)).as("the outdated copy read at start").isEqualTo(2);
      assertThat(outdated.limits().rulesInForce().orElseThrow().published().yaml()).isEqualTo(tight);

      Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
      Eventually.await("the same text, written again after version 2, to be published", PROMISE,
        () -> version(outdated) == 3);
      assertThat(outdated.limits().rulesInForce().orElseThrow().published().yaml()).isEqualTo(loose);
    } finally {
      outdated.close();
    }
  }

  @Test
  @DisplayName("a limit lowered in the watched file is enforced by every member within 5 s; a malformed file is "
    + "refused, the old rules keep working, and both changes are in the audit")
  void watchedFile(Vertx vertx, @TempDir Path dir) throws IOException {
    Path file = dir.resolve("risk-rules.yaml");
    write(file, TestRules.rules("full", 50_000, 100_000, 100));
    String cluster = LimitsTestSupport.newClusterName();
    Member first = Member.start(vertx, cluster, Optional.of(file));
    Member second = Member.start(vertx, cluster, Optional.of(file));
    try {
      Eventually.await("both members to load the file", PROMISE, () -> version(first) == 1 && version(second) == 1);
      Movement payment = Movement.of(UUID.randomUUID().toString(), Operation.P2P_SEND, Money.of(30_000, "USD"),
        Instant.now());
      assertThat(decide(first, payment)).isInstanceOf(Decision.Allowed.class);

      long changedAt = System.nanoTime();
      write(file, TestRules.rules("full", 20_000, 100_000, 100));
      Eventually.await("every member to refuse what the lowered limit no longer admits", PROMISE, () ->
        refusedAsLimit(decide(first, payment)) && refusedAsLimit(decide(second, payment)));
      Duration took = Duration.ofNanos(System.nanoTime() - changedAt);

      String malformed = TestRules.rules("full", 10_000, 100_000, 100).replace("velocityPerMinute", "velocityPerMinut");
      write(file, malformed);
      Eventually.await("the malformed file to be refused in the audit", PROMISE, () -> audit(first).stream()
        .anyMatch(line -> line.action().equals("rules_refused")));
      List<AuditRecord> audit = rulesAudit(first);
      // the same text from an officer, twice: audited once more, naming the officer (until 2026-12-07 not at all)
      Await.result(second.limits().publish(malformed, "officer-carol", "api"));
      Await.result(first.limits().publish(malformed, "officer-carol", "api"));
      List<AuditRecord> withTheOfficers = rulesAudit(first);

      assertThat(took).isLessThanOrEqualTo(PROMISE);
      assertThat(version(first)).isEqualTo(2);
      assertThat(version(second)).isEqualTo(2);
      assertThat(decide(second, Movement.of(payment.ownerId(), Operation.P2P_SEND, Money.of(15_000, "USD"),
        Instant.now()))).isInstanceOf(Decision.Allowed.class);
      assertThat(audit).extracting(AuditRecord::action).containsExactly("rules_refused", "rules_published",
        "rules_published");
      assertThat(audit.get(0).detail()).contains("velocityPerMinut: is not a known key");
      assertThat(audit.get(0).source()).isEqualTo("file:" + file.toAbsolutePath());
      assertThat(audit.get(1).detail()).contains("~ tiers.full.perTransaction.p2p_send.USD: 50000 -> 20000");
      assertThat(withTheOfficers).extracting(AuditRecord::action).containsExactly("rules_refused", "rules_refused",
        "rules_published", "rules_published");
      assertThat(withTheOfficers.get(0).actor()).isEqualTo("officer-carol");
      assertThat(withTheOfficers.get(0).source()).isEqualTo("api");
    } finally {
      second.close();
      first.close();
    }
  }

  @Test
  @DisplayName("without rules, or with its Hazelcast member down, a member cannot decide: checks fail closed")
  void failClosed(Vertx vertx) {
    Member empty = Member.start(vertx, LimitsTestSupport.newClusterName(), Optional.empty());
    Member stopped = Member.withRules(vertx, LimitsTestSupport.newClusterName(), TestRules.permissive());
    Movement deposit = Movement.of("someone", Operation.DEPOSIT, Money.of(100, "USD"), Instant.now());
    try {
      assertThat(decide(stopped, deposit)).isInstanceOf(Decision.Allowed.class);
      stopped.hazelcast().shutdown();

      assertThatThrownBy(() -> decide(empty, deposit)).isInstanceOf(LimitsUnavailableException.class)
        .hasMessageContaining("no rules");
      assertThatThrownBy(() -> decide(stopped, deposit)).isInstanceOf(LimitsUnavailableException.class)
        .hasMessageContaining("not running");
      assertThat(stopped.limits().rulesInForce()).isEmpty();
    } finally {
      empty.close();
      stopped.close();
    }
  }

  @Test
  @DisplayName("a KYC change that waits on PostgreSQL longer than a lookup may is answered once written, not 503 "
    + "while it still lands")
  void aSlowProfileWriteIsAnsweredOnceWritten(Vertx vertx) {
    Member member = Member.withRules(vertx, LimitsTestSupport.newClusterName(), TestRules.permissive());
    String owner = "owner-" + UUID.randomUUID();
    try {
      Await.result(member.limits().setProfile(owner, "basic", Optional.empty(), "risk-officer", "api"));
      // PostgreSQL slow for this row: held for 2.5 s, past a lookup's 1 s deadline
      Future<Void> released = profileLocked(vertx, member, owner, 2_500);

      KycProfile changed = Await.result(member.limits().setProfile(owner, "vip", Optional.empty(), "risk-officer",
        "api"));

      assertThat(changed.tier()).isEqualTo("vip");
      Await.result(released);
      assertThat(Await.result(member.limits().profile(owner)).tier()).isEqualTo("vip");
    } finally {
      member.close();
    }
  }

  @Test
  @DisplayName("a KYC change that waits on PostgreSQL past its deadline is answered 503 and rolled back: it does not "
    + "land once the lock is released")
  void aProfileWritePastItsDeadlineDoesNotLandLater(Vertx vertx) {
    Member member = Member.withRules(vertx, LimitsTestSupport.newClusterName(), TestRules.permissive());
    String owner = "owner-" + UUID.randomUUID();
    try {
      Await.result(member.limits().setProfile(owner, "basic", Optional.empty(), "risk-officer", "api"));
      Future<Void> released = profileLocked(vertx, member, owner, 7_000);

      assertThatThrownBy(() -> Await.result(member.limits().setProfile(owner, "vip", Optional.empty(),
        "risk-officer", "api"))).isInstanceOf(LimitsUnavailableException.class);
      Await.result(released);
      Await.result(member.limits().setProfile(owner, "full", Optional.empty(), "risk-officer", "api"));

      assertThat(audit(member).stream().filter(line -> line.subject().equals(owner)).map(AuditRecord::detail))
        .as("the change after the lock follows the one before it").first().asString().contains("basic/- -> full/-");
    } finally {
      member.close();
    }
  }

  /**
   * Versions are published through PostgreSQL, then shared; a member enforced the highest number it
   * had seen. Until 2026-12-07 a version put into the shared map by anything else (a member of a
   * foreign process: membership is not authenticated), or a number PostgreSQL no longer had (a
   * restore while members ran), was enforced for good.
   */
  @Test
  @DisplayName("a version PostgreSQL does not hold is not enforced for long: every member goes back to PostgreSQL's "
    + "latest")
  void onlyVersionsPostgresqlHoldsAreEnforced(Vertx vertx) {
    String cluster = LimitsTestSupport.newClusterName();
    Member first = Member.withRules(vertx, cluster, TestRules.rules("full", 5_000, 8_000, 100));
    Member second = Member.start(vertx, cluster, Optional.empty());
    try {
      long stored = version(first);
      Eventually.await("the second member on the stored version", Duration.ofSeconds(10),
        () -> version(second) == stored);
      String permissive = TestRules.permissive();

      first.hazelcast().<Long, PublishedRules>getReplicatedMap(LimitsHazelcast.RULES_MAP).put(1_000_000L,
        new PublishedRules(1_000_000L, permissive, Sha256.hex(permissive), "api", "intruder", System.currentTimeMillis()));

      Eventually.await("both members back on PostgreSQL's latest", Duration.ofSeconds(20),
        () -> version(first) == stored && version(second) == stored);
      assertThat(Await.result(first.limits().publish(TestRules.rules("full", 5_000, 9_000, 100), "risk-officer",
        "api"))).isInstanceOf(PublishOutcome.Published.class);
      Eventually.await("the next version PostgreSQL holds enforced by both", Duration.ofSeconds(10),
        () -> version(first) == stored + 1 && version(second) == stored + 1);
    } finally {
      second.close();
      first.close();
    }
  }

  /**
   * An override at or below a tier's limit restricts payments to its merchant; one above it is room of
   * its own, counted apart from the tier's window. Until 2026-12-07 a tier lowered below a restricting
   * override turned it into room, silently: a payer could pay that merchant on top of a spent day
   * (and a risk officer owning the merchant could so give it room without touching its override).
   */
  @Test
  @DisplayName("a version that lowers a tier below an override restricting it is refused, naming the override; "
    + "changed with the override, it is published")
  void aRestrictionDoesNotTurnIntoRoom(Vertx vertx) {
    String restricting = TestRules.rules("full", 5_000, 8_000, 100_000, 100);
    Member member = Member.withRules(vertx, LimitsTestSupport.newClusterName(), restricting);
    try {
      long inForce = version(member);
      String lowered = TestRules.rules("full", 5_000, 6_000, 100_000, 100);

      PublishOutcome refused = Await.result(member.limits().publish(lowered, "risk-officer-bob", "api"));

      assertThat(refused).isInstanceOf(PublishOutcome.Refused.class);
      assertThat(((PublishOutcome.Refused) refused).problems()).containsExactly(
        "merchants.override-merchant.daily.USD: 7000 restricts payments of tier full (8000); lowered to 6000, the tier "
          + "would make it room above its own, counted apart: change the override in the same version (at most 6000 "
          + "to keep restricting)",
        "merchants.override-merchant.daily.USD: 7000 restricts payments of tier vip (8000); lowered to 6000, the tier "
          + "would make it room above its own, counted apart: change the override in the same version (at most 6000 "
          + "to keep restricting)");
      assertThat(version(member)).isEqualTo(inForce);
      assertThat(rulesAudit(member).get(0).action()).isEqualTo("rules_refused");

      assertThat(Await.result(member.limits().publish(lowered.replace("daily: {USD: 7000}", "daily: {USD: 5000}"),
        "risk-officer-bob", "api"))).isInstanceOf(PublishOutcome.Published.class);
    } finally {
      member.close();
    }
  }

  @Test
  @DisplayName("a version that drops a tier KYC profiles still hold is refused and audited, the version in force "
    + "stays; once no one holds it, the tier is dropped")
  void aTierHeldIsNotDropped(Vertx vertx) {
    String owner = "owner-" + UUID.randomUUID();
    String tier = "kept-" + UUID.randomUUID().toString().substring(0, 8);
    String withTier = TestRules.permissive().replace("  vip:\n", "  " + tier + ":\n");
    Member member = Member.withRules(vertx, LimitsTestSupport.newClusterName(), withTier);
    try {
      Await.result(member.limits().setProfile(owner, tier, Optional.empty(), "risk-officer-alice", "api"));
      long inForce = version(member);

      PublishOutcome dropping = Await.result(member.limits().publish(TestRules.permissive(), "risk-officer-bob",
        "api"));

      assertThat(dropping).isInstanceOf(PublishOutcome.Refused.class);
      assertThat(((PublishOutcome.Refused) dropping).problems())
        .containsExactly("tiers." + tier + ": 1 KYC profiles hold this tier; give them another tier before it is dropped");
      assertThat(version(member)).isEqualTo(inForce);
      assertThat(Await.result(member.limits().profile(owner)).tier()).isEqualTo(tier);
      assertThat(rulesAudit(member).get(0).action()).isEqualTo("rules_refused");

      Await.result(member.limits().setProfile(owner, "full", Optional.empty(), "risk-officer-alice", "api"));
      assertThat(Await.result(member.limits().publish(TestRules.permissive(), "risk-officer-bob", "api")))
        .isInstanceOf(PublishOutcome.Published.class);
    } finally {
      member.close();
    }
  }

  @Test
  @DisplayName("a KYC profile survives a restart of every member, with where it was last set, and each change is "
    + "audited with where it was made")
  void profilesSurviveRestart(Vertx vertx) {
    String cluster = LimitsTestSupport.newClusterName();
    String owner = "owner-" + UUID.randomUUID();
    Member first = Member.withRules(vertx, cluster, TestRules.permissive());
    Member second = Member.start(vertx, cluster, Optional.empty());
    Await.result(first.limits().setProfile(owner, "basic", Optional.of("DE"), "risk-officer", "api"));
    KycProfile kept = Await.result(second.limits().setProfile(owner, "vip", Optional.empty(), "risk-officer",
      "console"));
    assertThatThrownBy(() -> Await.result(first.limits().setProfile(owner, "gold", Optional.empty(), "x", "api")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tier 'gold' is not defined");
    second.close();
    first.close();

    Member restarted = Member.start(vertx, cluster, Optional.empty());
    try {
      KycProfile read = Await.result(restarted.limits().profile(owner));

      assertThat(kept.country()).isEqualTo("DE");
      assertThat(read).isEqualTo(kept);
      assertThat(audit(restarted).stream().filter(line -> line.subject().equals(owner)).map(AuditRecord::detail))
        .containsExactly("tier/country basic/DE -> vip/DE", "tier/country none -> basic/DE");
      assertThat(read.source()).isEqualTo("console");
      assertThat(audit(restarted).stream().filter(line -> line.subject().equals(owner)).map(AuditRecord::source))
        .containsExactly("console", "api");
    } finally {
      restarted.close();
    }
  }

  @Test
  @DisplayName("after a split brain heals, a KYC downgrade made on one side is in force on every member, though the "
    + "other side held the old tier: Hazelcast keeps that side's copy")
  void aDowngradeDuringASplitSurvivesTheMerge(Vertx vertx) {
    String owner = "owner-" + UUID.randomUUID();
    try (SplitBrain split = SplitBrain.open(vertx)) {
      Await.result(split.lone().limits().setProfile(owner, "vip", Optional.empty(), "risk-officer", "api"));
      assertThat(Await.result(split.larger().limits().profile(owner)).tier()).isEqualTo("vip");
      Await.result(split.lone().limits().setProfile(owner, "basic", Optional.empty(), "risk-officer", "api"));

      split.heal();

      assertTierEverywhere(split, owner, "basic");
    }
  }

  private static void assertTierEverywhere(SplitBrain split, String owner, String tier) {
    for (Member member : split.members()) {
      Eventually.await("tier " + tier + " in force on " + member.hazelcast().getCluster().getLocalMember(), PROMISE,
        () -> Await.result(member.limits().profile(owner)).tier().equals(tier));
    }
  }

  private static boolean refusedAsLimit(Decision decision) {
    return decision instanceof Decision.Refused refused && refused.refusal() == Refusal.LIMIT_EXCEEDED;
  }

  private static Decision decide(Member member, Movement movement) {
    return Await.result(member.limits().check(movement));
  }

  private static long version(Member member) {
    return member.limits().rulesInForce().map(RulesInForce::published).map(p -> p.version()).orElse(0L);
  }

  /**
   * The owner's profile row locked by another transaction for {@code heldMs} (a slow PostgreSQL for it),
   * once the lock is taken; the future completes when it is released.
   */
  private static Future<Void> profileLocked(Vertx vertx, Member member, String owner, long heldMs) {
    Promise<Void> locked = Promise.promise();
    Future<Void> released = member.pool().withTransaction(conn -> conn
      .preparedQuery("SELECT 1 FROM limits.kyc_profiles WHERE owner_id = $1 FOR UPDATE").execute(Tuple.of(owner))
      .onSuccess(rows -> locked.complete())
      .compose(rows -> vertx.timer(heldMs)).mapEmpty());
    Await.result(locked.future());
    return released;
  }

  private static List<AuditRecord> audit(Member member) {
    return Await.result(member.limits().audit(50));
  }

  private static List<AuditRecord> rulesAudit(Member member) {
    return audit(member).stream().filter(line -> line.action().startsWith("rules_")).toList();
  }

  /** Replaces the file the way an editor or a deployment does: write aside, then rename over it. */
  private static void write(Path file, String text) throws IOException {
    Path aside = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(aside, text, StandardCharsets.UTF_8);
    Files.move(aside, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
