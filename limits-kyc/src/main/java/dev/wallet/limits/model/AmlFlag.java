package dev.wallet.limits.model;

import java.time.Instant;
import java.util.List;

/**
 * A suspicion raised by an AML monitor, with the ledger postings that are its evidence.
 *
 * @param kind        large_transaction, structuring or rapid_in_out
 * @param totalMinor  what the evidence sums to, in minor units of {@code currency}
 * @param occurredAt  when the last movement of the evidence happened (ledger time)
 */
public record AmlFlag(long id, String kind, String ownerId, String walletId, String currency, long totalMinor,
                      List<String> postingIds, Instant occurredAt, Instant detectedAt, String detail) {

  public AmlFlag {
    postingIds = List.copyOf(postingIds);
  }
}
