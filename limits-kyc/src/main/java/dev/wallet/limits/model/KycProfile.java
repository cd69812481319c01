package dev.wallet.limits.model;

import java.util.Objects;
import java.util.Optional;

/**
 * An owner's KYC standing, as a KYC provider reported it. Stored in Hazelcast (compact
 * serialization) and PostgreSQL, hence plain fields.
 *
 * @param country     ISO-3166 alpha-2 country of residence, or null when not known
 * @param updatedAtMs when it was last set, epoch milliseconds
 * @param updatedBy   who set it (the caller of PUT /admin/kyc/{ownerId}, the officer in the console)
 * @param source      where it was set, as the audit names it: "api" (PUT /admin/kyc/{ownerId}) or
 *                    "console"; empty when not known (never set, or sent by an older member)
 */
public record KycProfile(String ownerId, String tier, String country, long updatedAtMs, String updatedBy,
                         String source) {

  public KycProfile {
    Objects.requireNonNull(ownerId, "ownerId");
    Objects.requireNonNull(tier, "tier");
    Objects.requireNonNull(updatedBy, "updatedBy");
    // a member of the version before sources, in a rolling upgrade, sends profiles without one
    source = Objects.requireNonNullElse(source, "");
    if (country != null && !country.matches("[A-Z]{2}")) {
      throw new IllegalArgumentException("country must be an ISO-3166 alpha-2 code such as DE");
    }
  }

  /**
   * What the map holds for an owner no KYC provider has reported on: remembering the absence keeps
   * every check of a new owner from reading PostgreSQL again. Never written to PostgreSQL.
   */
  public static KycProfile none(String ownerId) {
    return new KycProfile(ownerId, "", null, 0, "", "");
  }

  /** False for {@link #none}: the owner has the rules' default tier. */
  public boolean known() {
    return !tier.isEmpty();
  }

  public Optional<String> countryCode() {
    return Optional.ofNullable(country);
  }
}
