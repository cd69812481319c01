package dev.wallet.ledger;

import java.util.List;
import java.util.Optional;

/** A page of a wallet's entries, newest first, and the cursor to the next (older) page if there is one. */
public record EntryPage(List<LedgerEntry> entries, Optional<String> nextCursor) {
}
