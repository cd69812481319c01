package dev.wallet.limits.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.wallet.balancecache.model.Sha256;
import dev.wallet.limits.model.AuditRecord;
import dev.wallet.limits.model.PublishOutcome;
import dev.wallet.limits.model.PublishedRules;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The rules' history in PostgreSQL, the source of truth for versions: a new version is numbered,
 * stored and audited (with its diff) in one transaction, under a per-ruleset lock, so two members
 * that see the same file change publish it once, and versions never go backwards.
 */
final class RulesStore {

  private static final String PUBLISHED = "rules_published";
  private static final String REFUSED = "rules_refused";

  private final Pool pool;
  private final String ruleset;

  RulesStore(Pool pool, String ruleset) {
    this.pool = pool;
    this.ruleset = ruleset;
  }

  Future<Optional<PublishedRules>> latest() {
    return pool.preparedQuery(SqlQueries.LATEST_VERSION).execute(Tuple.of(ruleset)).map(RulesStore::first);
  }

  /** Whether PostgreSQL holds {@code published}: a version of that number, with that text. */
  Future<Boolean> holds(PublishedRules published) {
    return pool.preparedQuery(SqlQueries.VERSION_SHA).execute(Tuple.of(ruleset, published.version()))
      .map(rows -> rows.size() == 1 && published.sha256().equals(rows.iterator().next().getString("sha256")));
  }

  Future<Optional<PublishedRules>> latestFrom(String source) {
    return pool.preparedQuery(SqlQueries.LATEST_VERSION_FROM_SOURCE).execute(Tuple.of(ruleset, source))
      .map(RulesStore::first);
  }

  /**
   * A validated text becomes the next version, unless it is the version in force already, or the
   * file it comes from was published with this text already: a member that reads a file's change
   * late (its own copy of the file arrived later, its publish was retried) would otherwise publish it
   * again over a newer version made since in the console or the API, and silently undo it (until
   * 2026-12-06 it did). A file whose text is changed back is published again, as a change.
   */
  Future<PublishOutcome> publish(String yaml, JsonNode tree, String source, String actor, OptionalLong basedOn) {
    return publish(yaml, tree, source, actor, basedOn, Optional.empty());
  }

  /**
   * The same for the text of a rules file last written at {@code writtenAt}: a text published from
   * that file before its latest version, in a file older than that version, is a member's outdated
   * copy of the file (a member restarted before its copy was updated), and is not published over the
   * newer version (until 2026-12-06 it was, undoing it for every member). Written after it, it is the
   * file changed back, and published.
   */
  Future<PublishOutcome> publishFile(String yaml, JsonNode tree, String source, String actor, Instant writtenAt) {
    return publish(yaml, tree, source, actor, OptionalLong.empty(), Optional.of(writtenAt));
  }

  private Future<PublishOutcome> publish(String yaml, JsonNode tree, String source, String actor,
                                         OptionalLong basedOn, Optional<Instant> fileWrittenAt) {
    String sha = Sha256.hex(yaml);
    return pool.withTransaction(conn -> lock(conn)
      .compose(locked -> conn.preparedQuery(SqlQueries.LATEST_VERSION).execute(Tuple.of(ruleset)))
      .map(RulesStore::first)
      .compose(latest -> {
        if (latest.isPresent() && latest.get().sha256().equals(sha)) {
          return Future.succeededFuture(new PublishOutcome.Unchanged(latest.get()));
        }
        if (basedOn.isPresent() && basedOn.getAsLong() != latest.map(PublishedRules::version).orElse(0L)) {
          return Future.succeededFuture(new PublishOutcome.Superseded(latest));
        }
        if (changesOwnMerchantLimits(tree, latest, source, actor)) {
          String reason = "no one changes the limits of payments to their own merchant wallets (merchants." + actor
            + "); someone else publishes that";
          return conn.preparedQuery(SqlQueries.INSERT_AUDIT)
            .execute(Tuple.of(ruleset, REFUSED, actor, source, "refused", sha, reason))
            .map(audited -> new PublishOutcome.Forbidden(reason));
        }
        return fileBehind(conn, source, sha, fileWrittenAt).compose(behind -> behind.isPresent()
          ? Future.succeededFuture(behind.get().apply(latest.orElseThrow()))
          : droppedTiersStillHeld(conn, latest, tree).map(held -> withRestrictionsTurnedIntoRoom(held, latest, yaml))
            .compose(problems -> problems.isEmpty()
              ? insert(conn, latest, yaml, tree, sha, source, actor)
              : auditRefusal(conn, sha, problems, source, actor).map(audited -> new PublishOutcome.Refused(problems))));
      }));
  }

  /** {@code problems}, and those of {@link OverrideMeanings#restrictionsTurnedIntoRoom} against the version in force. */
  private static List<String> withRestrictionsTurnedIntoRoom(List<String> problems, Optional<PublishedRules> latest,
                                                             String yaml) {
    List<String> all = new ArrayList<>(problems);
    latest.flatMap(rules -> RulesParser.validate(rules.yaml()).rules()).ifPresent(before ->
      all.addAll(OverrideMeanings.restrictionsTurnedIntoRoom(before, RulesParser.parseValid(yaml))));
    return all;
  }

  /**
   * A tier that KYC profiles hold may not be dropped: every movement of its holders would be refused
   * (kyc_required) from the moment the version is in force, their money locked in, until someone
   * moved each of them. Until 2026-12-07 such a version was published. One problem per tier held.
   */
  private static Future<List<String>> droppedTiersStillHeld(SqlConnection conn, Optional<PublishedRules> latest,
                                                           JsonNode tree) {
    List<String> dropped = latest.flatMap(rules -> RulesParser.validate(rules.yaml()).tree())
      .map(before -> tierNames(before).stream().filter(tier -> !tree.path("tiers").has(tier)).toList())
      .orElse(List.of());
    if (dropped.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    return conn.preparedQuery(SqlQueries.HOLDERS_OF_TIERS).execute(Tuple.of(dropped.toArray(String[]::new)))
      .map(rows -> {
        List<String> problems = new ArrayList<>();
        rows.forEach(row -> problems.add("tiers." + row.getString("tier") + ": " + row.getLong("holders")
          + " KYC profiles hold this tier; give them another tier before it is dropped"));
        return problems;
      });
  }

  private static List<String> tierNames(JsonNode rules) {
    List<String> names = new ArrayList<>();
    rules.path("tiers").fieldNames().forEachRemaining(names::add);
    return names;
  }

  /**
   * Separation of duties, as for a KYC tier: a merchant override names the merchant's owner, and a
   * person who publishes rules (the API, the console) may not change their own. Until 2026-12-07 a
   * risk officer who owned merchant wallets could raise what every payer may pay them. A rules file
   * is published by whoever may write it, outside this check.
   */
  private static boolean changesOwnMerchantLimits(JsonNode tree, Optional<PublishedRules> latest, String source,
                                                  String actor) {
    if (source.startsWith(RulesFileWatcher.SOURCE_PREFIX)) {
      return false;
    }
    JsonNode before = latest.flatMap(rules -> RulesParser.validate(rules.yaml()).tree())
      .map(rules -> rules.path("merchants").path(actor)).orElse(MissingNode.getInstance());
    return !tree.path("merchants").path(actor).equals(before);
  }

  /**
   * How a text from a file that is behind its versions is answered: unchanged when it is the latest
   * version from that file (read late), superseded when it is an earlier one in a file older than
   * that (an outdated copy); empty when the text is to be published.
   */
  private Future<Optional<Function<PublishedRules, PublishOutcome>>> fileBehind(
      SqlConnection conn, String source, String sha, Optional<Instant> writtenAt) {
    if (!source.startsWith(RulesFileWatcher.SOURCE_PREFIX)) {
      return Future.succeededFuture(Optional.empty());
    }
    return conn.preparedQuery(SqlQueries.LATEST_VERSION_FROM_SOURCE).execute(Tuple.of(ruleset, source))
      .map(RulesStore::first)
      .compose(fromFile -> {
        if (fromFile.isEmpty()) {
          return Future.succeededFuture(Optional.empty());
        }
        if (fromFile.get().sha256().equals(sha)) {
          return Future.succeededFuture(Optional.of(PublishOutcome.Unchanged::new));
        }
        boolean olderThanIt = writtenAt.filter(at -> at.toEpochMilli() < fromFile.get().publishedAtMs()).isPresent();
        return !olderThanIt ? Future.succeededFuture(Optional.empty())
          : conn.preparedQuery(SqlQueries.PUBLISHED_FROM_SOURCE_BEFORE).execute(Tuple.of(ruleset, source, sha))
            .map(earlier -> earlier.size() == 0 ? Optional.empty()
              : Optional.of(latest -> new PublishOutcome.Superseded(Optional.of(latest))));
      });
  }

  /**
   * A refused text is audited once per actor and source while the same version is in force, however
   * many members read it.
   */
  Future<Void> recordRefusal(String yaml, List<String> problems, String source, String actor) {
    String sha = Sha256.hex(yaml);
    return pool.withTransaction(conn -> lock(conn).compose(locked -> auditRefusal(conn, sha, problems, source, actor)));
  }

  private Future<Void> auditRefusal(SqlConnection conn, String sha, List<String> problems, String source,
                                    String actor) {
    return conn.preparedQuery(SqlQueries.REFUSAL_ALREADY_AUDITED).execute(Tuple.of(ruleset, sha, actor, source))
      .compose(seen -> seen.size() > 0 ? Future.succeededFuture() : conn.preparedQuery(SqlQueries.INSERT_AUDIT)
        .execute(Tuple.of(ruleset, REFUSED, actor, source, "refused", sha, String.join("\n", problems)))
        .mapEmpty());
  }

  Future<List<AuditRecord>> audit(int limit) {
    return pool.preparedQuery(SqlQueries.AUDIT_PAGE).execute(Tuple.of(ruleset, limit)).map(rows -> {
      List<AuditRecord> records = new ArrayList<>();
      rows.forEach(row -> records.add(new AuditRecord(row.getLong("id"), row.getOffsetDateTime("at").toInstant(),
        row.getString("action"), row.getString("actor"), row.getString("source"), row.getString("subject"),
        row.getString("detail"))));
      return records;
    });
  }

  private Future<PublishOutcome> insert(SqlConnection conn, Optional<PublishedRules> previous, String yaml,
                                        JsonNode tree, String sha, String source, String actor) {
    long version = previous.map(PublishedRules::version).orElse(0L) + 1;
    String diff = RulesDiff.since(previous.map(PublishedRules::yaml), tree);
    return conn.preparedQuery(SqlQueries.INSERT_VERSION).execute(Tuple.of(ruleset, version, sha, yaml, source, actor))
      .compose(inserted -> conn.preparedQuery(SqlQueries.INSERT_AUDIT)
        .execute(Tuple.of(ruleset, PUBLISHED, actor, source, Long.toString(version), sha, diff))
        .map(audited -> new PublishOutcome.Published(new PublishedRules(version, yaml, sha, source, actor,
          inserted.iterator().next().getOffsetDateTime("published_at").toInstant().toEpochMilli()))));
  }

  private Future<Void> lock(SqlConnection conn) {
    return conn.preparedQuery(SqlQueries.LOCK_RULESET).execute(Tuple.of(ruleset)).mapEmpty();
  }

  private static Optional<PublishedRules> first(RowSet<Row> rows) {
    if (rows.size() == 0) {
      return Optional.empty();
    }
    Row row = rows.iterator().next();
    return Optional.of(new PublishedRules(row.getLong("version"), row.getString("yaml"), row.getString("sha256"),
      row.getString("source"), row.getString("actor"),
      row.getOffsetDateTime("published_at").toInstant().toEpochMilli()));
  }
}
