package dev.wallet.edge.console;

import dev.wallet.edge.http.Reply;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.limits.Limits;
import dev.wallet.limits.model.KycProfile;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.RiskRules;
import dev.wallet.limits.model.TierRules;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The console's KYC page: an owner's tier, what the rules in force let that tier do, and a form to
 * change it through the same {@link Limits#setProfile} (audited, written through to PostgreSQL) as
 * PUT /admin/kyc/{ownerId}, audited as the console's.
 */
public final class ConsoleKyc {

  private static final Pattern TIER = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final Limits limits;
  private final ConsolePages pages;

  public ConsoleKyc(Limits limits, ConsolePages pages) {
    this.limits = limits;
    this.pages = pages;
  }

  /** GET /console/kyc?owner= */
  public void page(RoutingContext ctx) {
    Optional<String> owner = ctx.queryParam("owner").stream().findFirst().filter(id -> !id.isBlank())
      .map(String::trim);
    Map<String, Object> model = ConsolePages.model(ctx, "kyc");
    model.put("owner", owner.orElse(""));
    ConsolePages.notice(ctx, model, "changed", TIER.asMatchPredicate(), tier -> "The tier is now " + tier + ".");
    if (owner.isEmpty()) {
      pages.render(ctx, 200, "kyc", model);
      return;
    }
    pages.render(ctx, 200, "kyc", withProfile(model, LimitsHandlers.ownerId(owner.get())));
  }

  /** POST /console/kyc {owner, tier, country?} */
  public void change(RoutingContext ctx) {
    String owner = LimitsHandlers.ownerId(form(ctx, "owner").orElse(""));
    ConsoleSession.caller(ctx).requireNotOwnerOf(owner, "the KYC profile");
    String tier = form(ctx, "tier").orElse("");
    Optional<String> country = form(ctx, "country").map(String::trim).filter(code -> !code.isEmpty())
      .map(code -> code.toUpperCase(java.util.Locale.ROOT));
    Reply.onContextOf(io.vertx.core.Vertx.currentContext(),
        limits.setProfile(owner, tier, country, ConsoleSession.caller(ctx).id(), ConsoleRules.SOURCE))
      .onSuccess(profile -> ConsolePages.redirect(ctx, "/console/kyc?owner=" + encode(owner) + "&changed="
        + encode(profile.tier())))
      .onFailure(failure -> refused(ctx, owner, failure));
  }

  private void refused(RoutingContext ctx, String owner, Throwable failure) {
    if (!(failure instanceof IllegalArgumentException invalid)) {
      ctx.fail(failure);
      return;
    }
    Map<String, Object> model = ConsolePages.model(ctx, "kyc");
    model.put("owner", owner);
    model.put("error", invalid.getMessage());
    pages.render(ctx, 422, "kyc", withProfile(model, owner));
  }

  private Future<Map<String, Object>> withProfile(Map<String, Object> model, String owner) {
    Optional<RiskRules> rules = limits.rulesInForce().map(inForce -> inForce.rules());
    return limits.profile(owner).map(profile -> {
      model.put("profile", profile(profile));
      model.put("tiers", rules.map(r -> r.tiers().keySet().stream().sorted().toList()).orElse(List.of()));
      model.put("allows", rules.flatMap(r -> r.tier(profile.tier()).map(tier -> allowances(tier, r))).orElse(null));
      return model;
    });
  }

  private static Map<String, Object> profile(KycProfile profile) {
    return Map.of("ownerId", profile.ownerId(), "tier", profile.tier(),
      "country", profile.country() == null ? "unknown" : profile.country(),
      "updatedBy", profile.updatedBy(),
      "updatedAt", profile.updatedAtMs() == 0 ? "never set" : Instant.ofEpochMilli(profile.updatedAtMs()).toString());
  }

  /** What a tier may do: one row per operation and currency, with its limits (or none). */
  private static Map<String, Object> allowances(TierRules tier, RiskRules rules) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Operation operation : Operation.values()) {
      if (!tier.allows(operation)) {
        continue;
      }
      for (String currency : rules.currencies().stream().sorted().toList()) {
        rows.add(Map.of("operation", operation.wire(), "currency", currency,
          "perTransaction", limit(tier.perTransaction(), operation, currency),
          "daily", limit(tier.daily(), operation, currency),
          "monthly", limit(tier.monthly(), operation, currency)));
      }
    }
    return Map.of("rows", rows, "velocityPerMinute", tier.velocityPerMinute());
  }

  private static String limit(Map<Operation, Map<String, Long>> table, Operation operation, String currency) {
    return TierRules.limit(table, operation, currency).map(minor -> ConsolePages.amount(minor, currency))
      .orElse("no limit");
  }

  private static Optional<String> form(RoutingContext ctx, String name) {
    return Optional.ofNullable(ctx.request().getFormAttribute(name));
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
