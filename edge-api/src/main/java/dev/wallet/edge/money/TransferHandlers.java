package dev.wallet.edge.money;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Transfer;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.TransferId;
import dev.wallet.balancecache.model.TransferStatus;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.http.DependencyUnavailableException;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.EdgeMetrics;
import dev.wallet.edge.http.HomeRegion;
import dev.wallet.edge.http.IdempotencyKeys;
import dev.wallet.edge.http.Ownership;
import dev.wallet.edge.http.PathIds;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.Representations;
import dev.wallet.edge.http.RequestBody;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.ledger.LedgerReader;
import dev.wallet.ledger.LedgerTransfer;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Optional;

/**
 * /v1/transfers. The money core checks, in the same script that moves the money, that the source
 * wallet belongs to the caller, so a transfer out of someone else's wallet is a WALLET_NOT_FOUND
 * refusal (404) that moved nothing.
 */
public final class TransferHandlers {

  private final BalanceCache cache;
  private final LedgerReader ledger;
  private final Ownership ownership;
  private final EdgeMetrics metrics;
  private final LimitsHandlers limits;

  public TransferHandlers(BalanceCache cache, LedgerReader ledger, Ownership ownership, EdgeMetrics metrics,
                          LimitsHandlers limits) {
    this.cache = cache;
    this.ledger = ledger;
    this.ownership = ownership;
    this.metrics = metrics;
    this.limits = limits;
  }

  /**
   * POST /v1/transfers, the transfer it asks for, before its sender's limits are checked: then 201
   * completed, 202 pending (the sweeper finishes it), or the refusal's problem.
   */
  public Transfer request(RoutingContext ctx) {
    RequestBody body = RequestBody.of(ctx);
    return new Transfer(HomeRegion.requireHere(ctx, body.walletId("fromWalletId")), body.walletId("toWalletId"),
      body.money("amount", "currency"), Authenticator.caller(ctx).id(), IdempotencyKeys.required(ctx), List.of(),
      body.optionalText("description").orElse(""));
  }

  /**
   * The command with its sender's limit checks, or a failed future with the limits' refusal, unless
   * its key answered it before ({@link RulesRefusals}); a batch item's first step too. A refusal is
   * answered only to the source wallet's owner, 404 to anyone else (the receiver's limits would tell
   * about the receiver; until 2026-12-06 they did); on the way through, the money core checks the owner.
   */
  public Future<Transfer> checked(Transfer command) {
    return limits.transfer(cache, command).recover(refused -> ownedIfRefused(command, refused)
      .compose(owned -> RulesRefusals.answeredBefore(cache, command.from().shard(), command.idempotencyKey(),
        command.requestHash(), refused)).map(command::withLimits));
  }

  /** A refusal of the rules is for the source's owner only; a failure to ask them fails as it came, at once. */
  private Future<Void> ownedIfRefused(Transfer command, Throwable failure) {
    return RulesRefusals.isRefusal(failure) ? ownership.requireSourceOf(command.actor(), command.from())
      : Future.succeededFuture();
  }

  /** A checked transfer through the money core, answered as POST /v1/transfers answers it. */
  public Future<Reply> apply(Transfer checked) {
    return cache.transfer(checked).onSuccess(this::count).map(MovementReply.TRANSFER::answer);
  }

  /** Checked transfers all or nothing (see {@link BalanceCache#transferAll}), each answered as alone. */
  Future<List<Reply>> applyAll(List<Transfer> checked) {
    return cache.transferAll(checked).onSuccess(outcomes -> outcomes.forEach(this::count))
      .map(outcomes -> outcomes.stream().map(MovementReply.TRANSFER::answer).toList());
  }

  private void count(Outcome<TransferView> outcome) {
    metrics.outcome("transfer", outcome.code(), outcome.replayed());
  }

  /** GET /v1/transfers/:id, for a caller owning either end of it. */
  public void get(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    Reply.answer(ctx, find(PathIds.transfer(ctx))
      .map(found -> found.orElseThrow(() -> new ProblemException(Problem.notFound())))
      .compose(transfer -> visibleTo(caller, transfer))
      .map(transfer -> Reply.ok(Representations.transfer(transfer))));
  }

  /**
   * From the hot tier while it keeps the transfer's record, then from the ledger: the record of a
   * completed transfer expires only after the ledger has committed the posting that completed it.
   */
  private Future<Optional<TransferView>> find(TransferId id) {
    return cache.transfer(id).compose(hot -> hot.isPresent()
      ? Future.succeededFuture(hot)
      : ledger.transfer(id.value()).recover(DependencyUnavailableException::ledgerRead)
        .map(committed -> committed.flatMap(TransferHandlers::view)));
  }

  private static Optional<TransferView> view(LedgerTransfer committed) {
    return committed.toWalletId().map(to -> new TransferView(new TransferId(committed.id()),
      TransferStatus.fromWire(committed.status()), new WalletId(committed.fromWalletId()), new WalletId(to),
      Money.of(committed.amount(), committed.currency()), committed.createdAt(),
      committed.reversalCode().map(OutcomeCode::valueOf), Optional.empty()));
  }

  private Future<TransferView> visibleTo(Caller caller, TransferView transfer) {
    return ownership.ownsEither(caller, transfer.from(), transfer.to()).map(visible -> {
      if (!visible) {
        throw new ProblemException(Problem.notFound());
      }
      return transfer;
    });
  }
}
