package dev.wallet.edge.limits;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.LimitCheck;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.edge.http.ApiSchema;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.DependencyUnavailableException;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemCode;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.Representations;
import dev.wallet.limits.Limits;
import dev.wallet.limits.LimitsUnavailableException;
import dev.wallet.limits.model.AmlFlag;
import dev.wallet.limits.model.AuditRecord;
import dev.wallet.limits.model.Decision;
import dev.wallet.limits.model.KycProfile;
import dev.wallet.limits.model.Movement;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.PublishOutcome;
import dev.wallet.limits.model.PublishedRules;
import dev.wallet.limits.model.RulesInForce;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The limits module at the edge: the guard every money-moving handler calls before the money
 * core (a refusal is answered 422 kyc_required / limit_exceeded naming the rule; no rules, or
 * Hazelcast down, is 503 and nothing moves), and the /admin endpoints of the risk and compliance
 * teams (rules, KYC profiles, audit, AML flags, CSV reports).
 */
public final class LimitsHandlers {

  public static final String RISK = "risk";
  static final String ADMIN = "admin";
  /** What the audit names as the source of changes made through these endpoints. */
  private static final String SOURCE = "api";
  private static final int DEFAULT_PAGE = 100;
  private static final Duration DEFAULT_FLAG_PERIOD = Duration.ofDays(30);
  private static final Duration MAX_REPORT_PERIOD = Duration.ofDays(366);

  private final Limits limits;
  private final Clock clock;

  public LimitsHandlers(Limits limits, Clock clock) {
    this.limits = limits;
    this.clock = clock;
  }

  // ------------------------------------------------------------------ guards for money-moving handlers

  /**
   * A transfer is checked for its sender (p2p_send: tier, country, per-transaction maximum, and
   * the windows the money core counts) and for its receiver (receive: tier, country, maximum).
   * The receiver is looked up only to find its owner (remembered: an owner never changes); a missing
   * wallet is the money core's to refuse.
   * When both are refused, the sender's refusal is the answer, whichever came first. The receiver's
   * refusal is neutral: its tier, country and limits are the receiver's business, not the sender's.
   * A receiver in another region is that region's to judge; this one cannot read its wallet.
   */
  public Future<Transfer> transfer(BalanceCache cache, Transfer command) {
    Future<List<LimitCheck>> sender = outgoing(command.actor(), Operation.P2P_SEND, command.amount(), Optional.empty());
    Future<Void> receiver = !cache.shards().contains(command.to().shard()) ? Future.succeededFuture()
      : cache.identity(command.to()).compose(found -> found
        .map(wallet -> incoming(wallet.ownerId(), Operation.RECEIVE, command.amount()))
        .orElse(Future.succeededFuture()))
        .recover(LimitsHandlers::withoutReceiverDetails);
    return Future.join(sender, receiver)
      .transform(both -> sender.failed() ? Future.failedFuture(sender.cause())
        : receiver.failed() ? Future.failedFuture(receiver.cause())
        : Future.succeededFuture(command.withLimits(sender.result())));
  }

  /**
   * A paid merchant's owner, for its standing alone (a tier the rules define, a country they do not
   * block): its sales fit no tier's maxima. Its refusal is neutral, as a transfer's receiver's is:
   * 422 receiver_cannot_accept, the merchant's KYC being none of the payer's business. Until
   * 2026-12-07 a merchant was not judged at all, and one whose owner lived in a blocked country
   * was paid all the same.
   */
  public Future<Void> merchantStanding(String ownerId) {
    return limits.standing(ownerId).map(decision -> {
      if (decision instanceof Decision.Refused) {
        throw new ProblemException(Problem.receiverCannotAccept());
      }
      return (Void) null;
    });
  }

  /** The limit checks the money core must apply with the debit, or a failed future with the refusal. */
  public Future<List<LimitCheck>> outgoing(String ownerId, Operation operation, Money amount, Optional<String> merchant) {
    return decide(new Movement(ownerId, operation, amount, merchant, clock.instant()))
      .map(allowed -> allowed.checks());
  }

  /** A withdrawal's checks, as {@link #outgoing}: decided when its hold is placed, whoever places it. */
  public Future<List<LimitCheck>> withdrawal(String ownerId, Money amount) {
    return outgoing(ownerId, Operation.WITHDRAWAL, amount, Optional.empty());
  }

  Future<Void> incoming(String ownerId, Operation operation, Money amount) {
    return decide(Movement.of(ownerId, operation, amount, clock.instant())).mapEmpty();
  }

  /**
   * What a transfer from another region is checked for here, its receiver's region: the receiver
   * (receive: tier, country, maximum), as a transfer within a region is. A failed future with the
   * refusal's problem (422), or the limits module's unavailability.
   */
  public Future<Void> receiving(String ownerId, Money amount) {
    return incoming(ownerId, Operation.RECEIVE, amount);
  }

  /**
   * A deposit is checked for the wallet's owner (tier, country, per-transaction maximum). One in
   * another currency than the wallet's is not a limits question: the money core refuses it
   * (currency_mismatch), and a credit cannot move money the wrong way.
   */
  public Future<Void> deposit(Wallet wallet, Money amount) {
    if (!wallet.currency().equals(amount.currency())) {
      return Future.succeededFuture();
    }
    return incoming(wallet.ownerId(), Operation.DEPOSIT, amount);
  }

  /**
   * The contract's wallet, with its owner's KYC tier; null when the limits module cannot say
   * (no rules, member down): reading a balance does not depend on the rules, moving money does.
   */
  public Future<JsonObject> wallet(Wallet wallet) {
    return limits.profile(wallet.ownerId())
      .map(profile -> Representations.wallet(wallet, profile.tier()))
      .recover(failure -> failure instanceof LimitsUnavailableException
        ? Future.succeededFuture(Representations.wallet(wallet, null))
        : Future.failedFuture(failure));
  }

  private Future<Decision.Allowed> decide(Movement movement) {
    return limits.check(movement).map(decision -> {
      if (decision instanceof Decision.Refused refused) {
        ProblemCode code = refused.refusal() == Decision.Refusal.KYC_REQUIRED ? ProblemCode.KYC_REQUIRED
          : ProblemCode.LIMIT_EXCEEDED;
        throw new ProblemException(Problem.of(code, refused.rule()).with("rulesVersion", refused.rulesVersion()));
      }
      return (Decision.Allowed) decision;
    });
  }

  private static Future<Void> withoutReceiverDetails(Throwable failure) {
    if (failure instanceof ProblemException refused && refused.problem().status() == 422) {
      return Future.failedFuture(new ProblemException(Problem.receiverCannotAccept()));
    }
    return Future.failedFuture(failure);
  }

  // ------------------------------------------------------------------ /admin

  /** GET /admin/limits: the version this instance enforces. */
  public void rules(RoutingContext ctx) {
    RulesInForce inForce = limits.rulesInForce().orElseThrow(() -> new DependencyUnavailableException(
      "no rules in force on this instance", null));
    Reply.ok(published(inForce)).withHeader("ETag", versionTag(inForce.published().version())).send(ctx);
  }

  /** PUT /admin/limits (risk role): the same validation, versioning and audit as the watched file. */
  public void publish(RoutingContext ctx) {
    Caller caller = requireRole(ctx, RISK);
    String yaml = ctx.body().buffer() == null ? "" : ctx.body().buffer().toString(StandardCharsets.UTF_8);
    OptionalLong basedOn = basedOn(ctx);
    Reply.answer(ctx, limits.publish(yaml, caller.id(), SOURCE, basedOn).map(LimitsHandlers::published));
  }

  private static String versionTag(long version) {
    return "\"" + version + "\"";
  }

  /** If-Match: the version (its ETag) the new text was made from; "0" when there was none. */
  private static OptionalLong basedOn(RoutingContext ctx) {
    String tag = ctx.request().getHeader("If-Match");
    if (tag == null) {
      return OptionalLong.empty();
    }
    String version = tag.strip().replaceFirst("^W/", "").replace("\"", "");
    if (!version.matches("[0-9]{1,18}")) {
      throw new ProblemException(Problem.invalidRequest("If-Match must be the ETag of a rules version, "
        + "as GET /admin/limits answers it"));
    }
    return OptionalLong.of(Long.parseLong(version));
  }

  /** GET /admin/limits/audit?limit= : newest first. */
  public void audit(RoutingContext ctx) {
    int limit = pageLimit(ctx);
    Reply.answer(ctx, limits.audit(limit).map(records -> {
      JsonArray lines = new JsonArray();
      records.forEach(record -> lines.add(auditLine(record)));
      return Reply.ok(new JsonObject().put("audit", lines));
    }));
  }

  /**
   * PUT /admin/kyc/:ownerId {"tier", "country"?}: stands in for a KYC provider's callback; 403 for the
   * caller's own (until 2026-12-07 a risk user could raise their own tier).
   */
  public void setProfile(RoutingContext ctx) {
    Caller caller = requireRole(ctx, ADMIN, RISK);
    String owner = ownerId(ctx);
    caller.requireNotOwnerOf(owner, "the KYC profile");
    JsonObject body = ApiSchema.body(ctx);
    Reply.answer(ctx, limits.setProfile(owner, body.getString("tier"), Optional.ofNullable(body.getString("country")),
        caller.id(), SOURCE)
      .recover(LimitsHandlers::invalid)
      .map(profile -> Reply.ok(profile(profile))));
  }

  /** GET /admin/kyc/:ownerId */
  public void profile(RoutingContext ctx) {
    Reply.answer(ctx, limits.profile(ownerId(ctx)).map(profile -> Reply.ok(profile(profile))));
  }

  /**
   * GET /admin/aml/flags?from=&to=&limit=&after= : by detection time, the last 30 days unless given,
   * oldest first, a page at a time: {@code next}, when more follow, is the {@code after} of the next
   * page. Until 2026-12-07 there was no next page, and a period of more flags than a page showed its
   * oldest alone, without a sign that newer ones existed.
   */
  public void flags(RoutingContext ctx) {
    Instant to = instantParam(ctx, "to").orElse(clock.instant());
    Instant from = instantParam(ctx, "from").orElse(to.minus(DEFAULT_FLAG_PERIOD));
    long after = ApiSchema.query(ctx, "after").map(value -> (Long) value).orElse(0L);
    int limit = pageLimit(ctx);
    Reply.answer(ctx, limits.compliance().flags(from, to, after, limit + 1).map(flags -> {
      JsonArray list = new JsonArray();
      flags.stream().limit(limit).forEach(flag -> list.add(flag(flag)));
      JsonObject page = new JsonObject().put("flags", list);
      if (flags.size() > limit) {
        page.put("next", flags.get(limit - 1).id());
      }
      return Reply.ok(page);
    }));
  }

  /** GET /admin/reports/large-transactions?from=&to= (CSV) */
  public void largeTransactionsReport(RoutingContext ctx) {
    Instant[] period = period(ctx);
    csv(ctx, "large-transactions", period, limits.compliance().largeTransactionsCsv(period[0], period[1]));
  }

  /** GET /admin/reports/aml-flags?from=&to= (CSV) */
  public void amlFlagsReport(RoutingContext ctx) {
    Instant[] period = period(ctx);
    csv(ctx, "aml-flags", period, limits.compliance().amlFlagsCsv(period[0], period[1]));
  }

  private static void csv(RoutingContext ctx, String name, Instant[] period, Future<String> report) {
    report.recover(LimitsHandlers::invalid)
      .onSuccess(text -> ctx.response().setStatusCode(200)
        .putHeader("Content-Type", "text/csv; charset=utf-8")
        .putHeader("Content-Disposition", "attachment; filename=\"" + name + "_" + period[0] + "_" + period[1]
          + ".csv\"")
        .end(text))
      .onFailure(ctx::fail);
  }

  private static Caller requireRole(RoutingContext ctx, String... roles) {
    Caller caller = Authenticator.caller(ctx);
    for (String role : roles) {
      if (caller.has(role)) {
        return caller;
      }
    }
    throw new ProblemException(Problem.forbidden("this needs the role " + String.join(" or ", roles)));
  }

  private static <T> Future<T> invalid(Throwable failure) {
    return Future.failedFuture(failure instanceof IllegalArgumentException invalid
      ? ProblemException.invalid(invalid.getMessage()) : failure);
  }

  private static String ownerId(RoutingContext ctx) {
    return ownerId(ctx.pathParam("ownerId"));
  }

  /** An owner id as the API and the console accept it; 400 otherwise. */
  public static String ownerId(String owner) {
    if (owner == null || owner.isEmpty() || owner.length() > 128 || !owner.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw ProblemException.invalid("ownerId must be 1 to 128 printable ASCII characters");
    }
    return owner;
  }

  private static Instant[] period(RoutingContext ctx) {
    Instant from = instantParam(ctx, "from").orElseThrow(() -> ProblemException.invalid("from is required (ISO-8601)"));
    Instant to = instantParam(ctx, "to").orElseThrow(() -> ProblemException.invalid("to is required (ISO-8601)"));
    if (!from.isBefore(to) || Duration.between(from, to).compareTo(MAX_REPORT_PERIOD) > 0) {
      throw ProblemException.invalid("from must be before to, at most 366 days apart");
    }
    return new Instant[] {from, to};
  }

  /** A query instant the OpenAPI guard let through (its pattern is ISO-8601; the calendar is checked here). */
  private static Optional<Instant> instantParam(RoutingContext ctx, String name) {
    try {
      return ApiSchema.query(ctx, name).map(text -> OffsetDateTime.parse((String) text).toInstant());
    } catch (DateTimeParseException e) {
      throw ProblemException.invalid(name + " must be an ISO-8601 instant such as 2026-11-25T00:00:00Z");
    }
  }

  /** A page size the OpenAPI guard checked (1 to 500, as the document says). */
  private static int pageLimit(RoutingContext ctx) {
    return ApiSchema.query(ctx, "limit").map(value -> ((Long) value).intValue()).orElse(DEFAULT_PAGE);
  }

  private static Reply published(PublishOutcome outcome) {
    if (outcome instanceof PublishOutcome.Refused refused) {
      return Problem.invalidRequest("the rules were refused; the version in force stays: "
        + String.join("; ", refused.problems())).with("problems", new JsonArray(refused.problems())).reply();
    }
    if (outcome instanceof PublishOutcome.Forbidden forbidden) {
      return Problem.forbidden(forbidden.reason()).reply();
    }
    if (outcome instanceof PublishOutcome.Superseded superseded) {
      long latest = superseded.latest().map(PublishedRules::version).orElse(0L);
      return Problem.of(ProblemCode.RULES_SUPERSEDED, latest == 0 ? "no version was published yet: use If-Match \"0\""
        : "version " + latest + " is the latest; review the change against it").with("version", latest).reply();
    }
    boolean fresh = outcome instanceof PublishOutcome.Published;
    var rules = fresh ? ((PublishOutcome.Published) outcome).rules() : ((PublishOutcome.Unchanged) outcome).rules();
    JsonObject body = new JsonObject().put("version", rules.version()).put("sha256", rules.sha256())
      .put("source", rules.source()).put("publishedBy", rules.actor())
      .put("publishedAt", Instant.ofEpochMilli(rules.publishedAtMs()).toString()).put("changed", fresh);
    return fresh ? Reply.created(body) : Reply.ok(body);
  }

  private static JsonObject published(RulesInForce inForce) {
    var rules = inForce.published();
    return new JsonObject().put("version", rules.version()).put("sha256", rules.sha256())
      .put("source", rules.source()).put("publishedBy", rules.actor())
      .put("publishedAt", Instant.ofEpochMilli(rules.publishedAtMs()).toString())
      .put("tiers", new JsonArray(inForce.rules().tiers().keySet().stream().sorted().toList()))
      .put("defaultTier", inForce.rules().defaultTier())
      .put("rules", rules.yaml());
  }

  private static JsonObject auditLine(AuditRecord record) {
    return new JsonObject().put("id", record.id()).put("at", record.at().toString()).put("action", record.action())
      .put("actor", record.actor()).put("source", record.source()).put("subject", record.subject())
      .put("detail", record.detail());
  }

  private static JsonObject profile(KycProfile profile) {
    return new JsonObject().put("ownerId", profile.ownerId()).put("tier", profile.tier())
      .put("country", profile.country()).put("updatedBy", profile.updatedBy())
      .put("updatedAt", profile.updatedAtMs() == 0 ? null : Instant.ofEpochMilli(profile.updatedAtMs()).toString());
  }

  private static JsonObject flag(AmlFlag flag) {
    return new JsonObject().put("id", flag.id()).put("kind", flag.kind()).put("ownerId", flag.ownerId())
      .put("walletId", flag.walletId()).put("currency", flag.currency()).put("totalMinor", flag.totalMinor())
      .put("postingIds", new JsonArray(flag.postingIds())).put("occurredAt", flag.occurredAt().toString())
      .put("detectedAt", flag.detectedAt().toString()).put("detail", flag.detail());
  }
}
