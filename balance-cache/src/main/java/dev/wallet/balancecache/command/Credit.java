package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.PostingType;
import java.util.Objects;
import java.util.Optional;

/**
 * Credit a wallet from a system account of its shard, e.g. a settled deposit or a returned payout.
 * {@code reference} names the posting (a deposit id) and must be unique. {@code givesBackLimitsOf}:
 * the hold whose limit counts the credit gives back (a returned payout's: the money was never paid
 * out, so it counts against no window), as a released hold gives them back.
 */
public record Credit(WalletId wallet, Money amount, SystemAccount from, PostingType postingType, String reference,
                     IdempotencyKey idempotencyKey, Optional<HoldId> givesBackLimitsOf) {

  public Credit(WalletId wallet, Money amount, SystemAccount from, PostingType postingType, String reference,
                IdempotencyKey idempotencyKey) {
    this(wallet, amount, from, postingType, reference, idempotencyKey, Optional.empty());
  }

  public Credit {
    Objects.requireNonNull(givesBackLimitsOf, "givesBackLimitsOf");
    Objects.requireNonNull(wallet, "wallet");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(postingType, "postingType");
    Objects.requireNonNull(reference, "reference");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    if (!from.currency().equals(amount.currency())) {
      throw new IllegalArgumentException("system account and amount differ in currency");
    }
  }

  /**
   * Money already on its way to the wallet before it could have been frozen: a deposit the gateway
   * collected (asked for while the wallet was active) or a payout the bank returned. Credited even
   * while the wallet is frozen, as a released hold or a reversed saga is; never to a closed one.
   * Until 2026-12-07 a deposit was refused by a wallet frozen since it was asked for, and the money
   * the gateway had collected was booked nowhere.
   */
  public boolean alreadyOnItsWay() {
    return postingType == PostingType.WITHDRAWAL_RETURN || postingType == PostingType.DEPOSIT;
  }

  public String requestHash() {
    return RequestHash.of(
      String.join("|", "credit", wallet.value(), Long.toString(amount.minor()), amount.currencyCode(),
      from.name(), postingType.wire()));
  }
}
