package dev.wallet.edge.wallets;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.command.OpenWallet;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.Wallet;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.edge.http.ApiSchema;
import dev.wallet.edge.http.Authenticator;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.DependencyUnavailableException;
import dev.wallet.edge.http.IdempotencyKeys;
import dev.wallet.edge.http.Ownership;
import dev.wallet.edge.http.PathIds;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemCode;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import dev.wallet.edge.http.Representations;
import dev.wallet.edge.http.RequestBody;
import dev.wallet.edge.limits.LimitsHandlers;
import dev.wallet.ledger.EntryPage;
import dev.wallet.ledger.LedgerReader;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** /v1/wallets: open one, read one, read its history from the ledger. */
public final class WalletHandlers {

  static final int DEFAULT_PAGE_SIZE = 50;

  private final BalanceCache cache;
  private final LedgerReader ledger;
  private final Ownership ownership;

  private final LimitsHandlers limits;

  public WalletHandlers(BalanceCache cache, LedgerReader ledger, Ownership ownership, LimitsHandlers limits) {
    this.cache = cache;
    this.ledger = ledger;
    this.ownership = ownership;
    this.limits = limits;
  }

  /** POST /v1/wallets: the Idempotency-Key is optional here; the wallet's id is derived from it. */
  public void open(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    RequestBody body = RequestBody.of(ctx);
    Optional<WalletId> colocateWith = body.optionalWalletId("colocateWith");
    OpenWallet command = new OpenWallet(caller.id(), body.currency("currency"), walletType(body, caller),
      colocateWith, IdempotencyKeys.orRandom(ctx));
    Reply.answer(ctx, ownership.requireOwned(caller, colocateWith)
      .compose(owned -> cache.openWallet(command))
      .compose(this::opened));
  }

  /** GET /v1/wallets/:id */
  public void get(RoutingContext ctx) {
    Reply.answer(ctx, ownership.ownedWallet(Authenticator.caller(ctx), PathIds.wallet(ctx))
      .compose(limits::wallet)
      .map(Reply::ok));
  }

  /**
   * GET /v1/wallets/:id/entries?limit=&cursor=, newest first, from the ledger; a hot merchant's
   * with those of its credit stripes, by time.
   */
  public void entries(RoutingContext ctx) {
    WalletId id = PathIds.wallet(ctx);
    int limit = pageSize(ctx);
    Optional<String> cursor = cursor(ctx);
    Reply.answer(ctx, ownership.requireOwned(Authenticator.caller(ctx), Optional.of(id))
      .compose(owned -> cache.stripesOf(id))
      .compose(stripes -> (stripes.isEmpty() ? ledger.entries(id, limit, cursor)
        : ofAccounts(withStripes(id, stripes), limit, cursor)).recover(WalletHandlers::ledgerFailure))
      .map(page -> Reply.ok(Representations.entries(page, id))));
  }

  /**
   * A first page asks Redis where each account stands, so that it ends where nothing can still
   * arrive; without an answer it is 503 (a page cut where the slowest writer stands could be hours old).
   */
  private Future<EntryPage> ofAccounts(List<WalletId> accounts, int limit, Optional<String> cursor) {
    Future<List<HotTierAccess.Reading>> asRead = cursor.isPresent() ? Future.succeededFuture(List.of())
      : cache.hotTier().readings(accounts.stream().map(WalletId::value).toList());
    return asRead.compose(read -> ledger.entriesOfAccounts(accounts, read, limit, cursor));
  }

  /** A hot merchant's accounts in the ledger: its wallet, then its credit stripes. */
  static List<WalletId> withStripes(WalletId merchant, List<WalletId> stripes) {
    List<WalletId> accounts = new ArrayList<>(stripes);
    accounts.add(0, merchant);
    return accounts;
  }

  private static WalletType walletType(RequestBody body, Caller caller) {
    WalletType type;
    try {
      type = WalletType.fromWire(body.text("type"));
    } catch (IllegalArgumentException e) {
      throw ProblemException.invalid(e.getMessage());
    }
    if (type == WalletType.MERCHANT && !caller.has(Caller.MERCHANT)) {
      throw new ProblemException(Problem.of(ProblemCode.FORBIDDEN, "merchant wallets need the merchant role"));
    }
    return type;
  }

  private Future<Reply> opened(Outcome<Wallet> outcome) {
    if (outcome.code() != OutcomeCode.OK) {
      return Future.succeededFuture(Problem.forRefusal(outcome).reply().replayed(outcome.replayed()));
    }
    Wallet wallet = outcome.value();
    return limits.wallet(wallet).map(json -> Reply.created(json)
      .withHeader("Location", "/v1/wallets/" + wallet.id().value())
      .replayed(outcome.replayed()));
  }

  /** limit and cursor were checked against the OpenAPI document (1..200, 1..256 characters). */
  private static int pageSize(RoutingContext ctx) {
    return ApiSchema.query(ctx, "limit").map(limit -> ((Long) limit).intValue()).orElse(DEFAULT_PAGE_SIZE);
  }

  private static Optional<String> cursor(RoutingContext ctx) {
    return ApiSchema.query(ctx, "cursor").map(String.class::cast);
  }

  /** The reader refuses a malformed cursor; anything else is {@link DependencyUnavailableException#ledgerRead}. */
  private static Future<EntryPage> ledgerFailure(Throwable failure) {
    if (failure instanceof IllegalArgumentException) {
      return Future.failedFuture(ProblemException.invalid("malformed cursor"));
    }
    return DependencyUnavailableException.ledgerRead(failure);
  }
}
