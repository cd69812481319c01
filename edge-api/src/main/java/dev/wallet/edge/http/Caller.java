package dev.wallet.edge.http;

import java.util.Set;

/** Who sent a request, as its verified token says: the {@code sub} claim and the {@code roles}. */
public record Caller(String id, Set<String> roles) {

  public static final String MERCHANT = "merchant";

  public Caller {
    roles = Set.copyOf(roles);
  }

  public boolean has(String role) {
    return roles.contains(role);
  }

  /** The caller owns what was created under its id; ownership never changes. */
  public boolean owns(String ownerId) {
    return id.equals(ownerId);
  }

  /**
   * Separation of duties for the admin and risk roles: no one decides about what they own themselves
   * (lifts a freeze of their own wallet, raises their own KYC tier). 403 otherwise.
   */
  public void requireNotOwnerOf(String ownerId, String what) {
    if (owns(ownerId)) {
      throw new ProblemException(Problem.forbidden("no one changes " + what + " of their own"));
    }
  }
}
