package dev.wallet.balancecache.command;

import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import java.util.Objects;

/** Move {@code amount} from a wallet owned by {@code actor} to another wallet. */
public record Transfer(WalletId from, WalletId to, Money amount, String actor, IdempotencyKey idempotencyKey) {

  public Transfer {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(amount, "amount").requirePositive();
    Objects.requireNonNull(actor, "actor");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey");
  }

  public boolean crossShard() {
    return !from.shard().equals(to.shard());
  }

  public String canonical() {
    return String.join("|", "transfer", from.value(), to.value(), Long.toString(amount.minor()),
      amount.currencyCode());
  }
}
