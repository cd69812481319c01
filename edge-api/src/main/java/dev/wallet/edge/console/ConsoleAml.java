package dev.wallet.edge.console;

import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.DependencyUnavailableException;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.ledger.LedgerPosting;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.limits.Compliance;
import dev.wallet.limits.model.AmlCase;
import dev.wallet.limits.model.AmlFlag;
import dev.wallet.limits.model.AmlFlagState;
import dev.wallet.limits.model.AmlQueueFilter;
import dev.wallet.limits.model.AmlReview;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Pattern;
import java.util.Map;
import java.util.Optional;

/**
 * The console's AML page: the compliance queue (filters: kind, detection dates, owner, state), one
 * flag with the ledger movements behind it and its reviews, a review form (reviewed, escalated or
 * dismissed, with a note: appended to PostgreSQL, the latest review is the flag's state), and the
 * CSV export that GET /admin/reports/aml-flags gives.
 */
public final class ConsoleAml {

  static final List<String> KINDS = List.of("large_transaction", "structuring", "rapid_in_out");
  private static final Pattern STATE = Pattern.compile("open|reviewed|escalated|dismissed");
  private static final int QUEUE_LENGTH = 200;
  private static final int SHOWN_MOVEMENTS = 50;
  private static final int DEFAULT_DAYS = 30;
  /** The API's longest report period ({@code /admin/reports}), in whole days from the first to the last. */
  private static final int MAX_EXPORT_DAYS = 366;

  private final Compliance compliance;
  private final LedgerReader ledger;
  private final ConsolePages pages;
  private final Clock clock;

  public ConsoleAml(Compliance compliance, LedgerReader ledger, ConsolePages pages, Clock clock) {
    this.compliance = compliance;
    this.ledger = ledger;
    this.pages = pages;
    this.clock = clock;
  }

  /** GET /console/aml?kind=&owner=&state=&from=&to= (dates, UTC, both days included) */
  public void queue(RoutingContext ctx) {
    LocalDate to = date(ctx, "to").orElse(LocalDate.now(clock.withZone(ZoneOffset.UTC)));
    LocalDate from = date(ctx, "from").orElse(to.minusDays(DEFAULT_DAYS));
    Optional<String> kind = param(ctx, "kind").filter(KINDS::contains);
    Optional<String> owner = param(ctx, "owner").map(LimitsHandlers::ownerId);
    Optional<AmlFlagState> state = param(ctx, "state").map(ConsoleAml::state);
    // one more than is shown, to say that more match (until 2026-12-07 the queue stopped at 200 without a sign)
    AmlQueueFilter filter = new AmlQueueFilter(start(from), start(to.plusDays(1)), kind, owner, state,
      QUEUE_LENGTH + 1);
    Map<String, Object> model = ConsolePages.model(ctx, "aml");
    model.putAll(Map.of("from", from.toString(), "to", to.toString(), "kind", kind.orElse(""),
      "owner", owner.orElse(""), "state", state.map(AmlFlagState::wire).orElse(""), "kinds", KINDS,
      "states", List.of("open", "reviewed", "escalated", "dismissed")));
    pages.render(ctx, 200, "aml", compliance.queue(filter).map(cases -> {
      model.put("flags", cases.stream().limit(QUEUE_LENGTH).map(ConsoleAml::row).toList());
      model.put("more", cases.size() > QUEUE_LENGTH);
      return model;
    }));
  }

  /** GET /console/aml/export?from=&to= : the regulator's CSV, flags whose last movement is in the period. */
  void export(RoutingContext ctx) {
    LocalDate to = date(ctx, "to").orElse(LocalDate.now(clock.withZone(ZoneOffset.UTC)));
    LocalDate from = date(ctx, "from").orElse(to.minusDays(DEFAULT_DAYS));
    if (from.isAfter(to) || from.plusDays(MAX_EXPORT_DAYS - 1).isBefore(to)) {
      throw ProblemException.invalid("from must be on or before to, a period of at most " + MAX_EXPORT_DAYS + " days");
    }
    Reply.onContextOf(io.vertx.core.Vertx.currentContext(),
        compliance.amlFlagsCsv(start(from), start(to.plusDays(1))))
      .onSuccess(csv -> ctx.response().putHeader("Content-Type", "text/csv; charset=utf-8")
        .putHeader("Content-Disposition", "attachment; filename=\"aml-flags_" + from + "_" + to + ".csv\"").end(csv))
      .onFailure(failure -> ctx.fail(asInvalid(failure)));
  }

  /** GET /console/aml/flags/:flagId */
  public void flag(RoutingContext ctx) {
    long id = flagId(ctx);
    Map<String, Object> model = ConsolePages.model(ctx, "aml");
    ConsolePages.notice(ctx, model, "reviewed", STATE.asMatchPredicate(), state -> "Marked " + state + ".");
    pages.render(ctx, 200, "flag", compliance.flagCase(id)
      .map(found -> found.orElseThrow(() -> new ProblemException(Problem.notFound())))
      .compose(found -> movements(found.flag()).map(movements -> {
        model.put("flag", row(found));
        model.put("reviews", found.reviews().stream().map(ConsoleAml::review).toList());
        model.put("movements", movements);
        return model;
      })));
  }

  /**
   * POST /console/aml/flags/:flagId/review {state, note}; 403 for a flag about the reviewer's own
   * movements: one about the reviewer (until 2026-12-07 a risk user could dismiss a flag about
   * themselves), or one whose movements the reviewer was on the other side of (until the same day,
   * an officer who sent the flagged money could dismiss the receiver's flag).
   */
  public void review(RoutingContext ctx) {
    long id = flagId(ctx);
    AmlFlagState state = state(Optional.ofNullable(ctx.request().getFormAttribute("state")).orElse(""));
    String note = Optional.ofNullable(ctx.request().getFormAttribute("note")).orElse("").trim();
    Caller reviewer = ConsoleSession.caller(ctx);
    Reply.onContextOf(io.vertx.core.Vertx.currentContext(),
        compliance.flagCase(id).compose(found -> (found.isEmpty() ? Future.succeededFuture((Void) null)
            : requireNotAParty(reviewer, found.get().flag()))
          .compose(allowed -> compliance.review(id, state, note, reviewer.id()))))
      .onSuccess(done -> ConsolePages.redirect(ctx, "/console/aml/flags/" + id + "?reviewed=" + state.wire()))
      .onFailure(failure -> ctx.fail(asInvalid(failure)));
  }

  private Future<Void> requireNotAParty(Caller reviewer, AmlFlag flag) {
    reviewer.requireNotOwnerOf(flag.ownerId(), "the review of an AML flag");
    return ledger.ownersOf(flag.postingIds()).recover(DependencyUnavailableException::ledgerRead)
      .map(parties -> {
        parties.forEach(party -> reviewer.requireNotOwnerOf(party, "the review of an AML flag"));
        return null;
      });
  }

  /** Compliance refuses what it cannot do (a period with too many flags, a note it does not take) as an argument. */
  private static Throwable asInvalid(Throwable failure) {
    return failure instanceof IllegalArgumentException invalid ? ProblemException.invalid(invalid.getMessage()) : failure;
  }

  /** The postings the flag names, as the ledger holds them (a few at most; more are counted, not shown). */
  private Future<List<Map<String, Object>>> movements(AmlFlag flag) {
    List<Future<Optional<LedgerPosting>>> lookups = flag.postingIds().stream().limit(SHOWN_MOVEMENTS)
      .map(id -> ledger.posting(id).recover(DependencyUnavailableException::ledgerRead)).toList();
    return Future.all(lookups).map(all -> lookups.stream().map(Future::result).flatMap(Optional::stream)
      .flatMap(posting -> posting.lines().stream().map(line -> Map.<String, Object>of("postingId", posting.id(),
        "type", posting.type(), "at", posting.createdAt().toString(), "account", line.accountId(),
        "bucket", line.bucket(), "amount", ConsolePages.amount(line.amount(), line.currency()),
        "balanceAfter", ConsolePages.amount(line.balanceAfter(), line.currency()))))
      .toList());
  }

  private static Map<String, Object> row(AmlCase found) {
    AmlFlag flag = found.flag();
    return Map.of("id", flag.id(), "kind", flag.kind(), "ownerId", flag.ownerId(),
      "walletId", flag.walletId() == null ? "" : flag.walletId(), "total", ConsolePages.amount(flag.totalMinor(),
        flag.currency()), "occurredAt", flag.occurredAt().toString(), "detectedAt", flag.detectedAt().toString(),
      "detail", flag.detail(), "state", found.state().wire(), "postings", flag.postingIds().size());
  }

  private static Map<String, Object> review(AmlReview review) {
    return Map.of("state", review.state().wire(), "note", review.note(), "actor", review.actor(),
      "at", review.at().toString());
  }

  private static long flagId(RoutingContext ctx) {
    try {
      return Long.parseLong(ctx.pathParam("flagId"));
    } catch (NumberFormatException notANumber) {
      throw new ProblemException(Problem.notFound());
    }
  }

  private static AmlFlagState state(String wire) {
    try {
      return AmlFlagState.fromWire(wire);
    } catch (IllegalArgumentException unknown) {
      throw ProblemException.invalid(unknown.getMessage());
    }
  }

  private static Optional<String> param(RoutingContext ctx, String name) {
    return ctx.queryParam(name).stream().findFirst().map(String::trim).filter(value -> !value.isEmpty());
  }

  private static Optional<LocalDate> date(RoutingContext ctx, String name) {
    try {
      return param(ctx, name).map(LocalDate::parse);
    } catch (DateTimeParseException malformed) {
      throw ProblemException.invalid(name + " must be a date such as 2026-11-25");
    }
  }

  private static java.time.Instant start(LocalDate day) {
    return day.atStartOfDay(ZoneOffset.UTC).toInstant();
  }
}
