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
}
