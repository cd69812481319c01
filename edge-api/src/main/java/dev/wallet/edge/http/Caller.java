package dev.wallet.edge;

import java.util.Set;

/** Who sent a request, as its verified token says: the {@code sub} claim and the {@code roles}. */
record Caller(String id, Set<String> roles) {

  static final String MERCHANT = "merchant";

  Caller {
    roles = Set.copyOf(roles);
  }

  boolean has(String role) {
    return roles.contains(role);
  }

  /** The caller owns what was created under its id; ownership never changes. */
  boolean owns(String ownerId) {
    return id.equals(ownerId);
  }
}
