package dev.wallet.edge.money;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.command.Refund;
import dev.wallet.balancecache.config.Regions;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.WalletIdentity;
import dev.wallet.balancecache.model.WalletType;
import dev.wallet.edge.config.EdgeConfig;
import dev.wallet.edge.http.Caller;
import dev.wallet.edge.http.DependencyUnavailableException;
import dev.wallet.edge.http.Ownership;
import dev.wallet.edge.http.Problem;
import dev.wallet.edge.http.ProblemException;
import dev.wallet.edge.http.Reply;
import io.vertx.core.Future;
import java.util.Optional;

/**
 * Who a merchant wallet belongs to and the fee its payments pay: its home region's to say
 * (docs/architecture.md, "Regions"). A merchant of this region is read here; one of another region
 * is asked of that region, so that its payments pay the fee its own region charges, and its refunds
 * are made there, where its wallet and the payment's record are.
 */
public final class Merchants {

  /** A merchant wallet and the fee (basis points) its payments pay. */
  public record Merchant(WalletIdentity wallet, int feeBps) {
  }

  private final BalanceCache cache;
  private final Ownership ownership;
  private final EdgeConfig.Fees fees;
  private final Regions regions;
  private final Optional<MerchantRegions> others;

  public Merchants(BalanceCache cache, Ownership ownership, EdgeConfig.Fees fees, Regions regions,
                   Optional<MerchantRegions> others) {
    this.cache = cache;
    this.ownership = ownership;
    this.fees = fees;
    this.regions = regions;
    this.others = others;
  }

  /** The merchant, or a failed future with NOT_A_MERCHANT's problem: a personal wallet is not a place to pay, and is not revealed. */
  public Future<Merchant> of(WalletId id) {
    Future<Optional<Merchant>> found = regionOf(id)
      .map(region -> others.orElseThrow().merchant(region, id).recover(failure -> unanswered(region, failure)))
      .orElseGet(() -> here(id));
    return found.map(merchant -> merchant.orElseThrow(() ->
      new ProblemException(Problem.forRefusal(OutcomeCode.NOT_A_MERCHANT))));
  }

  /** A merchant wallet of this region, with the fee this region charges it; a credit stripe is none (its merchant's). */
  public Future<Optional<Merchant>> here(WalletId id) {
    return cache.identity(id).map(found -> found.filter(wallet -> wallet.type() == WalletType.MERCHANT && !wallet.stripe())
      .map(wallet -> new Merchant(wallet, fees.bpsFor(wallet.ownerId()))));
  }

  /** Whether the caller owns the merchant wallet {@code id}: its region says, when it is another's. */
  public Future<Boolean> ownedBy(Caller caller, WalletId id) {
    return regionOf(id).isPresent() ? of(id).map(merchant -> caller.owns(merchant.wallet().ownerId()))
      : ownership.owns(caller, id);
  }

  /** Whether the caller may see what {@code payer} paid the merchant wallet {@code merchant}: it owns either. */
  Future<Boolean> visibleTo(Caller caller, WalletId payer, WalletId merchant) {
    return ownership.owns(caller, payer).compose(owns -> owns ? Future.succeededFuture(true) : ownedBy(caller, merchant));
  }

  /** The other region whose wallet {@code id} is, when this region reaches other regions. */
  public Optional<String> regionOf(WalletId id) {
    if (others.isEmpty() || cache.shards().contains(id.shard())) {
      return Optional.empty();
    }
    return regions.homeOf(id.shard()).filter(home -> !regions.self().equals(Optional.of(home)))
      .map(Regions.Region::name);
  }

  /** A refund of a payment to {@code region}'s merchant, made there and answered as it answers. */
  Future<Reply> refundThere(String region, Refund refund, WalletId merchant) {
    return others.orElseThrow().refund(region, refund, merchant).recover(failure -> unanswered(region, failure));
  }

  private static <T> Future<T> unanswered(String region, Throwable failure) {
    return Future.failedFuture(new DependencyUnavailableException("region " + region + " did not answer", failure));
  }
}
