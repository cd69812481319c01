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
                      Optional<HoldId> reversalHold, Instant createdAt) implements GatewayMovement {

  /** Nothing is held before the gateway is asked, so a deposit neither prepares nor releases. */
  public enum Status implements MovementStatus {
    PENDING(Phase.AWAITING),
    CREDITING(Phase.APPLYING),
    COMPLETED(Phase.COMPLETED),
    FAILED(Phase.FAILED),
    REVERSING(Phase.REVERSING),
    REVERSED(Phase.REVERSED),
    /** A chargeback the wallet could not pay: the wallet is frozen for the risk team. */
    REVERSAL_UNRECOVERED(Phase.REVERSED);

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
    return source;
  }
}
