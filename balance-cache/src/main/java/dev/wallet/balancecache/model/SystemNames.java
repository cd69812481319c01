package dev.wallet.balancecache.model;

import java.util.Set;

/**
 * The names under which the system acts for itself: the actor its own movements carry, and the
 * idempotency scopes of its own requests. A customer's id is the actor of its movements and the scope
 * of its keys, so no customer may bear one of these names: the scripts let {@link #ACTOR} move money
 * out of any wallet, and a customer scoped like the system could take its keys before it does.
 */
public final class SystemNames {

  /** The actor of the system's own movements (sweeps, captures): the scripts check no owner for it. */
  public static final String ACTOR = "*";
  /** Opening a hot merchant's credit stripes. */
  public static final String STRIPES_SCOPE = "stripes";
  /** Sweeping credit stripes into their merchant wallet and back. */
  public static final String SWEEPS_SCOPE = "sweeps";
  /** A withdrawal's hold. */
  public static final String WITHDRAWAL_SCOPE = "edge.withdrawal";
  /** The money-core steps of a gateway's deposits and withdrawals: this, then the gateway's name. */
  public static final String GATEWAY_SCOPE_PREFIX = "gateway.";
  /**
   * The reason of a credit stripe's status change that copies its merchant wallet's, followed by the
   * merchant wallet's id: the ledger tells a stripe's own status changes from copies by it (a rebuild
   * restores {@code status_own} from the last own one).
   */
  public static final String STATUS_COPIED_FROM_MERCHANT = "copied from its merchant wallet ";

  private static final Set<String> NAMES = Set.of(ACTOR, STRIPES_SCOPE, SWEEPS_SCOPE, WITHDRAWAL_SCOPE);

  private SystemNames() {
  }

  /** Whether a caller's id would name the system. */
  public static boolean reserved(String id) {
    return NAMES.contains(id) || id.startsWith(GATEWAY_SCOPE_PREFIX);
  }
}
