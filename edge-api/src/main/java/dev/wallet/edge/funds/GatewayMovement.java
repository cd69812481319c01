package dev.wallet.edge.funds;

import dev.wallet.balancecache.model.SystemNames;
import dev.wallet.balancecache.model.IdempotencyKey;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.edge.gateway.Instrument;
import java.time.Instant;
import java.util.Optional;

/** Money crossing the wallet's boundary through a gateway, one way or the other, and how far it got. */
public interface GatewayMovement {

  String id();

  WalletId wallet();

  String ownerId();

  Money amount();

  /** Where the money comes from (a deposit's source) or goes to (a withdrawal's destination). */
  Instrument instrument();

  String gateway();

  MovementStatus status();

  Optional<String> gatewayRef();

  Optional<String> failureReason();

  /**
   * The gateway's reason for a reversal learnt by asking, before the movement was applied: once
   * applied, it is reversed in the same transaction that records it completed.
   */
  Optional<String> reversalLearnt();

  Instant createdAt();

  /** The gateway's side of every money-core step: money arrives from it and leaves to it. */
  default SystemAccount clearing() {
    return SystemAccount.clearing(gateway(), amount().currency());
  }

  /** Scoped to the gateway and derived from the movement, so any instance repeating a step replays it. */
  default IdempotencyKey moneyCoreKey(String step) {
    return new IdempotencyKey(SystemNames.GATEWAY_SCOPE_PREFIX + gateway(), step + ":" + id());
  }
}
