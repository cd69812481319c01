package dev.wallet.limits.impl;

import com.hazelcast.map.EntryProcessor;
import dev.wallet.limits.model.KycProfile;
import java.util.Map;

/**
 * Sets an owner's tier on the partition that holds the owner's entry, atomically: a country not
 * given keeps the one already known, which a get-then-put could overwrite with a stale value.
 * Written through to PostgreSQL (with its audit line) before the caller is answered.
 *
 * @param country the new country, or null to keep the current one
 */
record SetProfile(String tier, String country, long atMs, String actor, String source)
  implements EntryProcessor<String, KycProfile, KycProfile> {

  @Override
  public KycProfile process(Map.Entry<String, KycProfile> entry) {
    KycProfile current = entry.getValue();
    String keptCountry = current == null ? null : current.country();
    KycProfile updated = new KycProfile(entry.getKey(), tier, country != null ? country : keptCountry, atMs, actor,
      source);
    entry.setValue(updated);
    return updated;
  }
}
