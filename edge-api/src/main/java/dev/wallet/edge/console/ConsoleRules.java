package dev.wallet.edge.console;

import dev.wallet.balancecache.model.Sha256;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.limits.Limits;
import dev.wallet.limits.model.AuditRecord;
import dev.wallet.limits.model.PublishOutcome;
import dev.wallet.limits.model.PublishedRules;
import dev.wallet.limits.model.RuleProblem;
import dev.wallet.limits.model.RulesInForce;
import dev.wallet.limits.model.RulesReview;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.OptionalLong;

/**
 * The console's rules page: the version in force, an editor whose text is reviewed (every problem
 * at its line, or the rule-by-rule diff against the version in force) before it can be published,
 * and the audit. Reviewing, publishing and auditing are the limits module's, exactly as for the
 * watched file and PUT /admin/limits; publishing needs the risk role there as here.
 */
public final class ConsoleRules {

  private static final Pattern VERSION = Pattern.compile("[0-9]{1,18}");

  /** What the audit names as the source of the console's changes, of rules and KYC profiles alike. */
  static final String SOURCE = "console";
  private static final int AUDIT_LINES = 50;

  private final Limits limits;
  private final ConsolePages pages;

  public ConsoleRules(Limits limits, ConsolePages pages) {
    this.limits = limits;
    this.pages = pages;
  }

  /** GET /console/rules: the editor holds the text in force. */
  public void page(RoutingContext ctx) {
    Optional<RulesInForce> inForce = limits.rulesInForce();
    String text = inForce.map(rules -> rules.published().yaml()).orElse("");
    Map<String, Object> model = model(ctx, text, Optional.empty());
    ConsolePages.notice(ctx, model, "published", VERSION.asMatchPredicate(), version -> "Version " + version
      + " is published and in force.");
    ConsolePages.notice(ctx, model, "unchanged", VERSION.asMatchPredicate(), version -> "That text is version "
      + version + ", already in force: nothing changed.");
    pages.render(ctx, 200, "rules", withAudit(model));
  }

  /** POST /console/rules/validate (the editor's script, as one types): the review as JSON. */
  public void validate(RoutingContext ctx) {
    RulesReview review = limits.review(text(ctx));
    JsonArray problems = new JsonArray();
    review.problems().forEach(problem -> problems.add(new JsonObject().put("line", problem.line())
      .put("path", problem.path()).put("message", problem.message())));
    ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject().put("valid", review.valid())
      .put("problems", problems).put("diff", review.diff()).encode());
  }

  /** POST /console/rules/review: the text with its problems in place, or its diff and the publish button. */
  public void review(RoutingContext ctx) {
    String text = text(ctx);
    RulesReview review = limits.review(text);
    pages.render(ctx, review.valid() ? 200 : 422, "rules", withAudit(model(ctx, text, Optional.of(review))));
  }

  /**
   * POST /console/rules/publish: only the exact text that was reviewed, against the version that was
   * in force then, so what is published is what the diff showed.
   */
  public void publish(RoutingContext ctx) {
    String text = text(ctx);
    RulesReview review = limits.review(text);
    Map<String, Object> model = model(ctx, text, Optional.of(review));
    if (!ConsoleSession.caller(ctx).has(LimitsHandlers.RISK)) {
      model.put("error", "Publishing rules needs the risk role.");
      pages.render(ctx, 403, "rules", withAudit(model));
    } else if (!reviewedAsIs(ctx, text, review)) {
      model.put("error", "The text or the rules in force changed since your review: check the diff below again.");
      pages.render(ctx, 409, "rules", withAudit(model));
    } else {
      // an edge enforcing nothing (one it cannot parse, or none received yet) is published over the latest it saw
      OptionalLong reviewedAgainst = OptionalLong.of(review.inForceVersion().orElse(limits.highestVersionSeen()));
      Reply.onContextOf(io.vertx.core.Vertx.currentContext(),
          limits.publish(text, ConsoleSession.caller(ctx).id(), SOURCE, reviewedAgainst))
        .onSuccess(outcome -> published(ctx, model, outcome))
        .onFailure(ctx::fail);
    }
  }

  private void published(RoutingContext ctx, Map<String, Object> model, PublishOutcome outcome) {
    if (outcome instanceof PublishOutcome.Published fresh) {
      ConsolePages.redirect(ctx, "/console/rules?published=" + fresh.rules().version());
    } else if (outcome instanceof PublishOutcome.Unchanged same) {
      ConsolePages.redirect(ctx, "/console/rules?unchanged=" + same.rules().version());
    } else if (outcome instanceof PublishOutcome.Superseded newer) {
      model.put("error", newer.latest().map(latest -> "Version " + latest.version() + " was published since your "
        + "review, by " + latest.actor() + ": review your text against it again.")
        .orElse("The rules changed since your review: check the diff below again."));
      pages.render(ctx, 409, "rules", withAudit(model));
    } else if (outcome instanceof PublishOutcome.Forbidden forbidden) {
      model.put("error", "Not published: " + forbidden.reason() + ".");
      pages.render(ctx, 403, "rules", withAudit(model));
    } else {
      model.put("error", "The rules were refused; the version in force stays.");
      pages.render(ctx, 422, "rules", withAudit(model));
    }
  }

  private static boolean reviewedAsIs(RoutingContext ctx, String text, RulesReview review) {
    String sha = ctx.request().getFormAttribute("reviewedSha");
    String version = ctx.request().getFormAttribute("reviewedVersion");
    return review.valid() && Sha256.hex(text).equals(sha)
      && review.inForceVersion().map(String::valueOf).orElse("").equals(version);
  }

  private static String text(RoutingContext ctx) {
    String text = ctx.request().getFormAttribute("rules");
    return text == null ? "" : text.replace("\r\n", "\n");
  }

  private Map<String, Object> model(RoutingContext ctx, String text, Optional<RulesReview> review) {
    Map<String, Object> model = ConsolePages.model(ctx, "rules");
    model.put("canPublish", ConsoleSession.caller(ctx).has(LimitsHandlers.RISK));
    model.put("inForce", limits.rulesInForce().map(rules -> inForce(rules.published())).orElse(null));
    model.put("text", text);
    model.put("review", review.map(found -> review(text, found)).orElse(null));
    return model;
  }

  private static Map<String, Object> inForce(PublishedRules rules) {
    return Map.of("version", rules.version(), "publishedBy", rules.actor(), "source", rules.source(),
      "publishedAt", Instant.ofEpochMilli(rules.publishedAtMs()).toString());
  }

  private static Map<String, Object> review(String text, RulesReview review) {
    return Map.of("valid", review.valid(), "diff", review.diff(), "sha", Sha256.hex(text),
      "inForceVersion", review.inForceVersion().map(String::valueOf).orElse(""),
      "problems", review.problems().stream().sorted(java.util.Comparator.comparingInt(RuleProblem::line))
        .map(ConsoleRules::problem).toList(),
      "lines", annotated(text, review.problems()));
  }

  private static Map<String, Object> problem(RuleProblem problem) {
    return Map.of("line", problem.line(), "path", problem.path().isEmpty() ? "(the whole text)" : problem.path(),
      "message", problem.message());
  }

  /** The reviewed text line by line, each line with the problems found on it, as the page lists them. */
  private static List<Map<String, Object>> annotated(String text, List<RuleProblem> problems) {
    String[] lines = text.split("\n", -1);
    List<Map<String, Object>> annotated = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      int number = i + 1;
      annotated.add(Map.of("number", number, "text", lines[i], "problems", problems.stream()
        .filter(problem -> problem.line() == number).map(RuleProblem::text).toList()));
    }
    return annotated;
  }

  private Future<Map<String, Object>> withAudit(Map<String, Object> model) {
    return limits.audit(AUDIT_LINES).map(records -> {
      model.put("audit", records.stream().map(ConsoleRules::auditLine).toList());
      return model;
    });
  }

  private static Map<String, Object> auditLine(AuditRecord record) {
    return Map.of("at", record.at().toString(), "action", record.action(), "actor", record.actor(),
      "source", record.source(), "subject", record.subject(), "detail", record.detail());
  }
}
