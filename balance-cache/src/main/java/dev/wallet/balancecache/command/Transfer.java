package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.model.LimitCheck;
import java.util.List;
import java.util.Objects;

/**
 * Move {@code amount} from a wallet owned by {@code actor} to another wallet, within the sender's
 * {@code limits} (checked and counted by the script that debits).
 */
public record Transfer(WalletId from, WalletId to, Money amount, String actor, IdempotencyKey idempotencyKey,
                       List<LimitCheck> limits) {

  public Transfer {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    limits = List.copyOf(limits);
  }

  /** A transfer with no limits: for the system's own movements and for tests. */
  public Transfer(WalletId from, WalletId to, Money amount, String actor, IdempotencyKey idempotencyKey) {
    this(from, to, amount, actor, idempotencyKey, List.of());
  }

  public boolean crossShard() {
    return !from.shard().equals(to.shard());
  }

  public String canonical() {
    return String.join("|", "transfer", from.value(), to.value(), Long.toString(amount.minor()),
      amount.currencyCode());
  }
}
