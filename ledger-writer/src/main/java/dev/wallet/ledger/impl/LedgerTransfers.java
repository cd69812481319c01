package dev.wallet.ledger.impl;

import static dev.wallet.balancecache.outbox.MovementKind.TRANSFER;

import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.ledger.LedgerPosting;
import dev.wallet.ledger.LedgerTransfer;
import dev.wallet.ledger.PostingLine;
import java.util.List;
import java.util.Optional;

/** Tells a transfer's story from its postings: which wallet paid, which received, how it ended. */
final class LedgerTransfers {

  private LedgerTransfers() {
  }

  /** {@code reversalCode}: the destination's refusal, when its reversal's posting carries one. */
  static Optional<LedgerTransfer> of(String transferId, List<LedgerPosting> postings, Optional<String> reversalCode) {
    Optional<LedgerPosting> start = postings.stream()
      .filter(p -> p.postingType() == TRANSFER.sameShard().orElseThrow() || p.postingType() == TRANSFER.debit()).findFirst();
    if (start.isEmpty()) {
      return Optional.empty();
    }
    PostingLine paid = walletLine(start.get(), -1);
    Optional<String> to = start.get().postingType() == TRANSFER.sameShard().orElseThrow()
      ? Optional.of(walletLine(start.get(), 1).accountId())
      : start.get().counterparty().or(() -> credited(postings));
    String status = status(postings);
    return Optional.of(new LedgerTransfer(transferId, status, paid.accountId(), to, -paid.amount(),
      paid.currency(), start.get().createdAt(), status.equals("reversed") ? reversalCode : Optional.empty(), postings));
  }

  private static String status(List<LedgerPosting> postings) {
    if (has(postings, TRANSFER.sameShard().orElseThrow()) || has(postings, TRANSFER.completed())) {
      return "completed";
    }
    return has(postings, TRANSFER.reversed()) ? "reversed" : "pending";
  }

  private static Optional<String> credited(List<LedgerPosting> postings) {
    return postings.stream().filter(p -> p.postingType() == TRANSFER.credit()).findFirst()
      .map(p -> walletLine(p, 1).accountId());
  }

  /** The wallet's line of a posting, on the side the sign says (-1 paid, +1 received). */
  private static PostingLine walletLine(LedgerPosting posting, int sign) {
    return posting.lines().stream()
      .filter(l -> Long.signum(l.amount()) == sign && WalletId.isWalletId(l.accountId()))
      .findFirst().orElseThrow(() -> new IllegalStateException("posting " + posting.id() + " has no wallet line"));
  }

  private static boolean has(List<LedgerPosting> postings, PostingType type) {
    return postings.stream().anyMatch(p -> p.postingType() == type);
  }
}
