package dev.wallet.edge;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.model.Credited;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import io.vertx.ext.web.RoutingContext;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * /v1/deposits. Only the sandbox source exists for now, and it settles at once: the wallet is
 * credited from the shard's sandbox clearing account in the same request (201 completed). Bank
 * and card sources, and the sandbox's asynchronous signed-webhook confirmation, come with the
 * gateway interface.
 */
final class DepositHandlers {

  static final String SANDBOX = "sandbox";
  private static final Set<String> MEMBERS = Set.of("walletId", "amount", "currency", "source");
  private static final Set<String> SOURCE_TYPES = Set.of("bank", "card", SANDBOX);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final BalanceCache cache;
  private final Ownership ownership;
  private final LimitsHandlers limits;

  DepositHandlers(BalanceCache cache, Ownership ownership, LimitsHandlers limits) {
    this.cache = cache;
    this.ownership = ownership;
    this.limits = limits;
  }

  /** POST /v1/deposits into a wallet the caller owns. */
  void create(RoutingContext ctx) {
    Caller caller = Authenticator.caller(ctx);
    RequestBody body = RequestBody.of(ctx, MEMBERS);
    requireSandboxSource(body.object("source"));
    WalletId wallet = body.walletId("walletId");
    Money amount = body.money("amount", "currency");
    Credit command = new Credit(wallet, amount, SystemAccount.clearing(SANDBOX, amount.currency()), "deposit",
      newDepositId(wallet), IdempotencyKeys.required(ctx));
    Reply.answer(ctx, ownership.ownedWallet(caller, wallet)
      .compose(owned -> limits.deposit(owned, amount))
      .compose(allowed -> cache.credit(command))
      .map(DepositHandlers::settled));
  }

  private static void requireSandboxSource(RequestBody source) {
    String type = source.text("type");
    if (!SOURCE_TYPES.contains(type)) {
      throw ProblemException.invalid("source.type must be bank, card or sandbox");
    }
    if (!SANDBOX.equals(type)) {
      throw ProblemException.invalid("only the sandbox source is available for now; " + type
        + " deposits are not implemented yet");
    }
    source.requireOnly(Set.of("type"));
  }

  /**
   * The deposit's id, also the posting's reference in the ledger. A replay answers with the id
   * the first request booked, whatever this one drew.
   */
  private static String newDepositId(WalletId wallet) {
    byte[] random = new byte[12];
    RANDOM.nextBytes(random);
    return String.format("d%04d_%s", wallet.shard().number(), HexFormat.of().formatHex(random));
  }

  private static Reply settled(Outcome<Credited> outcome) {
    if (outcome.code() != OutcomeCode.OK) {
      return Problem.forRefusal(outcome.code()).reply().replayed(outcome.replayed());
    }
    return Reply.created(Representations.completedDeposit(outcome.value())).replayed(outcome.replayed());
  }
}
