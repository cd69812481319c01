package dev.wallet.ledger;

import dev.wallet.balancecache.outbox.PostingType;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A posting as the ledger holds it, with its entries (none for events such as a wallet's opening). */
public record LedgerPosting(String id, String type, String shard, Optional<String> reference,
                            Optional<String> idempotencyScope, Optional<String> counterparty, Instant createdAt,
                            List<PostingLine> lines) {

  public LedgerPosting {
    lines = List.copyOf(lines);
  }

  /** {@code type} in the one vocabulary of postings (stored as its wire name). */
  public PostingType postingType() {
    return PostingType.fromWire(type);
  }
}
