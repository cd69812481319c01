package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.gateway.Instrument;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/** Money held in a wallet while a gateway is asked to pay it out, and how far that got. */
public record Withdrawal(String id, WalletId wallet, String ownerId, Money amount, Instrument destination,
                         String gateway, Status status, Optional<HoldId> hold, Optional<String> gatewayRef,
                         Optional<String> failureReason, Instant createdAt) {

  public enum Status {
    HOLDING, HELD, SUBMITTED, SETTLING, COMPLETED, RELEASING, FAILED, RETURNING, RETURNED;

    /** The contract's status: pending, completed, failed, or (an addition) reversed. */
    public String wire() {
      return switch (this) {
        case HOLDING, HELD, SUBMITTED, SETTLING, RELEASING -> "pending";
        case COMPLETED, RETURNING -> "completed";
        case FAILED -> "failed";
        case RETURNED -> "reversed";
      };
    }

    String column() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Status fromColumn(String text) {
      return valueOf(text.toUpperCase(Locale.ROOT));
    }
  }

  static String canonical(WalletId wallet, Money amount, Instrument destination) {
    return String.join("|", "withdrawal", wallet.value(), Long.toString(amount.minor()), amount.currencyCode(),
      destination.type(), destination.account().orElse(""));
  }
}
