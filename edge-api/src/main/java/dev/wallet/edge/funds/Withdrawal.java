package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.HoldId;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.funds.MovementStatus.Phase;
import dev.wallet.edge.gateway.Instrument;
import java.time.Instant;
import java.util.Optional;

/** Money held in a wallet while a gateway is asked to pay it out, and how far that got. */
public record Withdrawal(String id, WalletId wallet, String ownerId, Money amount, Instrument destination,
                         String gateway, Status status, Optional<HoldId> hold, Optional<String> gatewayRef,
                         Optional<String> failureReason, Optional<String> reversalLearnt, Instant createdAt) implements GatewayMovement {

  /** HELD and SUBMITTED both await the gateway's verdict; SUBMITTED says the gateway acknowledged it. */
  public enum Status implements MovementStatus {
    HOLDING, HELD, SUBMITTED, SETTLING, COMPLETED, RELEASING, FAILED, RETURNING, RETURNED;

    @Override
    public Phase phase() {
      return switch (this) {
        case HOLDING -> Phase.PREPARING;
        case HELD, SUBMITTED -> Phase.AWAITING;
        case SETTLING -> Phase.APPLYING;
        case RELEASING -> Phase.RELEASING;
        case RETURNING -> Phase.REVERSING;
        case COMPLETED -> Phase.COMPLETED;
        case FAILED -> Phase.FAILED;
        case RETURNED -> Phase.REVERSED;
      };
    }
  }

  @Override
  public Instrument instrument() {
    return destination;
  }
}
