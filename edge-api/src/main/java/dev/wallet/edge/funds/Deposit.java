package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.funds.MovementStatus.Phase;
import dev.wallet.edge.gateway.Instrument;
import java.time.Instant;
import java.util.Optional;

/** Money a gateway is asked to bring into a wallet, and how far that got. */
public record Deposit(String id, WalletId wallet, String ownerId, Money amount, Instrument source, String gateway,
                      Status status, Optional<String> gatewayRef, Optional<String> failureReason,
                      Optional<String> reversalLearnt, Optional<HoldId> reversalHold, Instant createdAt) implements GatewayMovement {

  /** Nothing is held before the gateway is asked, so a deposit neither prepares nor releases. */
  public enum Status implements MovementStatus {
    PENDING, CREDITING, COMPLETED, FAILED, REVERSING, REVERSED,
    /** A chargeback the wallet could not pay: the wallet is frozen for the risk team. */
    REVERSAL_UNRECOVERED;

    @Override
    public Phase phase() {
      return switch (this) {
        case PENDING -> Phase.AWAITING;
        case CREDITING -> Phase.APPLYING;
        case COMPLETED -> Phase.COMPLETED;
        case FAILED -> Phase.FAILED;
        case REVERSING -> Phase.REVERSING;
        case REVERSED, REVERSAL_UNRECOVERED -> Phase.REVERSED;
      };
    }
  }

  @Override
  public Instrument instrument() {
    return source;
  }
}
