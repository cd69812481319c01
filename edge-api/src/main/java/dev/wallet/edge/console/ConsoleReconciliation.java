package dev.wallet.edge.console;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletStatus;
import dev.wallet.edge.admin.AdminHandlers;
import dev.wallet.edge.http.MoneyGate;
import dev.wallet.edge.http.DependencyUnavailableException;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.ledger.MoneyHalt;
import dev.wallet.ledger.ReconciliationReport;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The console's reconciliation page: the last run any ledger writer published, its discrepancies,
 * the wallets it froze (with their status now) and the halts in force; a frozen wallet is made
 * active again, and the halts released, with a reason, through the same code as
 * POST /admin/wallets/{id}/status and POST /admin/reconciliation/halt/release.
 */
public final class ConsoleReconciliation {

  private static final Pattern COUNT = Pattern.compile("[0-9]{1,6}");

  private final LedgerReader ledger;
  private final BalanceCache cache;
  private final MoneyGate gate;
  private final AdminHandlers admin;
  private final ConsolePages pages;

  public ConsoleReconciliation(LedgerReader ledger, BalanceCache cache, MoneyGate gate, AdminHandlers admin,
                        ConsolePages pages) {
    this.ledger = ledger;
    this.cache = cache;
    this.gate = gate;
    this.admin = admin;
    this.pages = pages;
  }

  /** GET /console/reconciliation */
  public void page(RoutingContext ctx) {
    Map<String, Object> model = ConsolePages.model(ctx, "reconciliation");
    ConsolePages.notice(ctx, model, "unfrozen", WalletId::isWalletId, wallet -> wallet + " is active again.");
    ConsolePages.notice(ctx, model, "released", COUNT.asMatchPredicate(), count -> count
      + " halt(s) released: money moves again.");
    ConsolePages.notice(ctx, model, "releasedOthersOpen", COUNT.asMatchPredicate(), count -> count
      + " halt(s) released; others are still open.");
    model.put("halts", gate.halts().stream().map(ConsoleReconciliation::halt).toList());
    model.put("canRelease", ConsoleSession.caller(ctx).has("admin"));
    Future<Optional<ReconciliationReport>> last = ledger.lastReconciliation()
      .recover(DependencyUnavailableException::ledgerRead);
    pages.render(ctx, 200, "reconciliation", last.compose(report -> {
      model.put("run", report.map(ConsoleReconciliation::run).orElse(null));
      return frozen(report.map(ReconciliationReport::frozenWallets).orElse(List.of()));
    }).map(frozen -> {
      model.put("frozen", frozen);
      return model;
    }));
  }

  /** POST /console/reconciliation/unfreeze {wallet, reason} */
  public void unfreeze(RoutingContext ctx) {
    WalletId wallet = walletId(form(ctx, "wallet"));
    Reply.onContextOf(io.vertx.core.Vertx.currentContext(),
        admin.changeStatus(wallet, WalletStatus.ACTIVE, form(ctx, "reason"), ConsoleSession.caller(ctx)))
      .onSuccess(code -> {
        if (code != OutcomeCode.OK) {
          ctx.fail(new ProblemException(Problem.forRefusal(code)));
        } else {
          ConsolePages.redirect(ctx, "/console/reconciliation?unfrozen=" + wallet.value());
        }
      })
      .onFailure(ctx::fail);
  }

  /** POST /console/reconciliation/release {reason, halt...} (admin role): the halts the page showed. */
  public void release(RoutingContext ctx) {
    List<Long> shown = ctx.request().formAttributes().getAll("halt").stream().map(ConsoleReconciliation::haltId)
      .toList();
    if (shown.isEmpty()) {
      throw ProblemException.invalid("no halt was shown to release");
    }
    Reply.onContextOf(io.vertx.core.Vertx.currentContext(),
        admin.releaseHalts(ConsoleSession.caller(ctx), form(ctx, "reason"), Optional.of(shown)))
      .onSuccess(released -> ConsolePages.redirect(ctx, "/console/reconciliation?"
        + (othersOpen(released) ? "releasedOthersOpen=" : "released=") + released.size()))
      .onFailure(ctx::fail);
  }

  private boolean othersOpen(List<MoneyHalt> released) {
    return gate.halts().stream().anyMatch(halt -> released.stream().noneMatch(gone -> gone.id() == halt.id()));
  }

  private static long haltId(String text) {
    try {
      return Long.parseLong(text.trim());
    } catch (NumberFormatException notAnId) {
      throw ProblemException.invalid("not a halt's id: " + text);
    }
  }

  private Future<List<Map<String, Object>>> frozen(List<String> walletIds) {
    List<Future<Optional<Wallet>>> reads = walletIds.stream().filter(WalletId::isWalletId)
      .map(id -> cache.wallet(new WalletId(id))).toList();
    return Future.all(reads).map(all -> reads.stream().map(Future::result).flatMap(Optional::stream)
      .map(wallet -> Map.<String, Object>of("id", wallet.id().value(), "owner", wallet.ownerId(),
        "status", wallet.status().wire(), "frozen", wallet.status() == WalletStatus.FROZEN))
      .toList());
  }

  private static Map<String, Object> run(ReconciliationReport report) {
    return Map.of("instance", report.instance(), "startedAt", report.startedAt().toString(),
      "finishedAt", report.finishedAt().toString(), "scope", report.scope(), "ok", report.ok(),
      "compared", report.walletsCompared(), "behind", report.walletsBehind(),
      "failure", report.failure() == null ? "" : report.failure(),
      "discrepancies", report.discrepancies().stream().map(found -> Map.of("kind", found.kind().name(),
        "subject", found.subject(), "evidence", found.evidence(), "scope", found.scope().name())).toList(),
      "haltsRaised", report.haltsRaised());
  }

  private static Map<String, Object> halt(MoneyHalt halt) {
    return Map.of("id", halt.id(), "kind", halt.kind().name(), "subject", halt.subject(), "evidence",
      halt.evidence(), "raisedBy", halt.raisedBy(), "raisedAt", halt.raisedAt().toString());
  }

  private static WalletId walletId(String text) {
    if (!WalletId.isWalletId(text)) {
      throw ProblemException.invalid("not a wallet id: " + text);
    }
    return new WalletId(text);
  }

  private static String form(RoutingContext ctx, String name) {
    return Optional.ofNullable(ctx.request().getFormAttribute(name)).orElse("").trim();
  }

}
