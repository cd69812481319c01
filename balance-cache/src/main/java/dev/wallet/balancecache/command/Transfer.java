package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.LimitCheck;
import java.util.List;
import java.util.Objects;

/**
 * Move {@code amount} from a wallet owned by {@code actor} to another wallet, within the sender's
 * {@code limits} (checked and counted by the script that debits). {@code description}: the client's
 * words for it ("" when none), part of what the request is: the same key with another description
 * is another request.
 */
public record Transfer(WalletId from, WalletId to, Money amount, String actor, IdempotencyKey idempotencyKey,
                       List<LimitCheck> limits, String description) {

  public Transfer {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    Objects.requireNonNull(description, "description");
    limits = List.copyOf(limits);
  }

  public Transfer(WalletId from, WalletId to, Money amount, String actor, IdempotencyKey idempotencyKey,
                  List<LimitCheck> limits) {
    this(from, to, amount, actor, idempotencyKey, limits, "");
  }

  /** The same transfer within these limit checks. */
  public Transfer withLimits(List<LimitCheck> checks) {
    return new Transfer(from, to, amount, actor, idempotencyKey, checks, description);
  }

  /** A transfer with no limits: for the system's own movements and for tests. */
  public Transfer(WalletId from, WalletId to, Money amount, String actor, IdempotencyKey idempotencyKey) {
    this(from, to, amount, actor, idempotencyKey, List.of());
  }

  public boolean crossShard() {
    return !from.shard().equals(to.shard());
  }

  /** Without a description, as before descriptions were part of it, so that a retry across an upgrade still replays. */
  public String requestHash() {
    String plain = String.join("|", "transfer", from.value(), to.value(), Long.toString(amount.minor()),
      amount.currencyCode());
    return RequestHash.of(description.isEmpty() ? plain : plain + "|" + description);
  }
}
