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
                         Optional<String> failureReason, Instant createdAt) implements GatewayMovement {

  /** HELD and SUBMITTED both await the gateway's verdict; SUBMITTED says the gateway acknowledged it. */
  public enum Status implements MovementStatus {
    HOLDING(Phase.PREPARING),
    HELD(Phase.AWAITING),
    SUBMITTED(Phase.AWAITING),
    SETTLING(Phase.APPLYING),
    COMPLETED(Phase.COMPLETED),
    RELEASING(Phase.RELEASING),
    FAILED(Phase.FAILED),
    RETURNING(Phase.REVERSING),
    RETURNED(Phase.REVERSED);

    private final Phase phase;

    Status(Phase phase) {
      this.phase = phase;
    }

    @Override
    public Phase phase() {
      return phase;
    }
  }

  @Override
  public Instrument instrument() {
    return destination;
  }
}
