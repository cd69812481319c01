package dev.wallet.balancecache.model;

import java.time.Instant;
import java.util.Optional;

/**
 * A transfer as the money core records it. A reversed transfer names the destination's refusal;
 * {@code source} is the source wallet right after its debit, when this view comes from that debit.
 */
public record TransferView(TransferId id, TransferStatus status, WalletId from, WalletId to, Money amount,
                           Instant createdAt, Optional<OutcomeCode> reversalReason,
                           Optional<BalanceChange> source) {
}
