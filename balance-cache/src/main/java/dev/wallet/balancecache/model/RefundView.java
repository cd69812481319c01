package dev.wallet.balancecache.model;

import java.time.Instant;
import java.util.Optional;

/** A refund: {@code amount} back from the merchant to the payer of {@code payment}. */
public record RefundView(RefundId id, PaymentId payment, TransferStatus status, WalletId merchant, WalletId payer,
                         Money amount, Instant createdAt, Optional<OutcomeCode> reversalReason) {
}
