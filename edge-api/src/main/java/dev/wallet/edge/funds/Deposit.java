package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.gateway.Instrument;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/** Money a gateway is asked to bring into a wallet, and how far that got. */
public record Deposit(String id, WalletId wallet, String ownerId, Money amount, Instrument source, String gateway,
                      Status status, Optional<String> gatewayRef, Optional<String> failureReason,
                      Optional<HoldId> reversalHold, Instant createdAt) {

  public enum Status {
    PENDING, CREDITING, COMPLETED, FAILED, REVERSING, REVERSED, REVERSAL_UNRECOVERED;

    /** The contract's status: pending, completed, failed, or (an addition) reversed. */
    public String wire() {
      return switch (this) {
        case PENDING, CREDITING -> "pending";
        case COMPLETED, REVERSING -> "completed";
        case FAILED -> "failed";
        case REVERSED, REVERSAL_UNRECOVERED -> "reversed";
      };
    }

    String column() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Status fromColumn(String text) {
      return valueOf(text.toUpperCase(Locale.ROOT));
    }
  }

  /** The canonical form of the request that created it, hashed for idempotency checks. */
  static String canonical(WalletId wallet, Money amount, Instrument source) {
    return String.join("|", "deposit", wallet.value(), Long.toString(amount.minor()), amount.currencyCode(),
      source.type(), source.account().orElse(""));
  }
}
