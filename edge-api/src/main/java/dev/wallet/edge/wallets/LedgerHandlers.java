package dev.wallet.edge.wallets;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.DependencyUnavailableException;
import dev.wallet.edge.http.Ownership;
import dev.wallet.edge.http.PathIds;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemCode;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.ledger.PointInTimeBalance;
import dev.wallet.ledger.ReconciliationReport;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

/** Reads answered by the ledger rather than the hot tier: a balance at an instant, the last reconciliation. */
public final class LedgerHandlers {

  private static final Duration CLOCK_SKEW = Duration.ofSeconds(5);

  private final BalanceCache cache;
  private final LedgerReader ledger;
  private final Ownership ownership;

  public LedgerHandlers(BalanceCache cache, LedgerReader ledger, Ownership ownership) {
    this.cache = cache;
    this.ledger = ledger;
    this.ownership = ownership;
  }

  /**
   * GET /v1/wallets/:id/balance?at=ISO-8601, for the wallet's owner: balance_after as of that instant,
   * no replay; 503 while the ledger has not recorded every movement of the wallet that may be dated
   * at or before it (its shard's writer behind): until 2026-12-06 the balance before them was
   * answered as that instant's, and another a moment later.
   */
  public void balanceAt(RoutingContext ctx) {
    Instant at = instant(ctx);
    Reply.answer(ctx, ownership.ownedWallet(Authenticator.caller(ctx), PathIds.wallet(ctx))
      .compose(wallet -> cache.stripesOf(wallet.id()).compose(stripes -> {
        List<WalletId> accounts = WalletHandlers.withStripes(wallet.id(), stripes);
        return recordedUpTo(accounts, at).compose(recorded -> (stripes.isEmpty() ? ledger.balanceAt(wallet.id(), at)
          : ledger.balanceAtOfAccounts(accounts, at)).recover(DependencyUnavailableException::ledgerRead));
      }).map(balance -> Reply.ok(balance(wallet, balance)))));
  }

  private Future<Void> recordedUpTo(List<WalletId> accounts, Instant at) {
    return cache.hotTier().readings(accounts.stream().map(WalletId::value).toList())
      .compose(read -> ledger.unrecordedFrom(accounts, read).recover(DependencyUnavailableException::ledgerRead))
      .map(unrecorded -> {
        if (unrecorded.filter(from -> !at.isBefore(from)).isPresent()) {
          throw new ProblemException(Problem.unavailable("the ledger has not yet recorded every movement of this wallet "
            + "up to that instant; retry in a moment"));
        }
        return null;
      });
  }

  /** GET /admin/reconciliation, behind the /admin guard (admin and risk roles): the last run any ledger writer published. */
  public void reconciliation(RoutingContext ctx) {
    Reply.answer(ctx, ledger.lastReconciliation().recover(DependencyUnavailableException::ledgerRead)
      .map(last -> last.map(ReconciliationReport::toJson).map(Reply::ok)
        .orElseThrow(() -> new ProblemException(Problem.of(ProblemCode.NOT_FOUND, "no reconciliation has run yet")))));
  }

  /**
   * One instant, not more than {@link #CLOCK_SKEW} after this edge's clock: a balance at an instant
   * still to come is not known yet (until 2026-12-07 it was answered with the balance so far, and
   * another once the instant had come). Within the skew a caller's clock may run ahead of the
   * edge's: such an instant is judged by the ledger's bound instead (503 until it has come).
   */
  private static Instant instant(RoutingContext ctx) {
    List<String> values = ctx.queryParam("at");
    if (values.size() != 1) {
      throw ProblemException.invalid("give at once, an ISO-8601 instant such as 2026-11-25T10:15:30Z");
    }
    Instant at;
    try {
      at = OffsetDateTime.parse(values.get(0)).toInstant();
    } catch (DateTimeException malformed) { // unparsable, or out of an Instant's range
      throw ProblemException.invalid("at must be an ISO-8601 instant with an offset, such as 2026-11-25T10:15:30Z");
    }
    if (at.isAfter(Instant.now().plus(CLOCK_SKEW))) {
      throw ProblemException.invalid("at is still to come: a balance is known up to now");
    }
    if (at.isBefore(Instant.EPOCH)) { // no wallet is older; PostgreSQL refuses years before 4713 BC (was 500)
      throw ProblemException.invalid("at is before 1970: no wallet had a balance then");
    }
    return at;
  }

  private static JsonObject balance(Wallet wallet, PointInTimeBalance balance) {
    return new JsonObject()
      .put("walletId", wallet.id().value())
      .put("at", balance.at().toString())
      .put("currency", wallet.currency().getCurrencyCode())
      .put("balance", new JsonObject().put("available", balance.available()).put("held", balance.held()))
      .put("seq", balance.seq());
  }
}
