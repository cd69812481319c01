package dev.wallet.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A transfer as the ledger tells it, from its postings: completed (one posting on one shard, or
 * the saga's debit, credit and completion), pending (debited, not finished yet, as far as the
 * ledger has heard) or reversed, with the destination's refusal code when its reversal carries one
 * (those before 2026-12-02 do not). The ledger lags the hot tier, so "pending" may already be over.
 */
public record LedgerTransfer(String id, String status, String fromWalletId, Optional<String> toWalletId, long amount,
                             String currency, Instant createdAt, Optional<String> reversalCode,
                             List<LedgerPosting> postings) {

  public LedgerTransfer {
    postings = List.copyOf(postings);
  }
}
