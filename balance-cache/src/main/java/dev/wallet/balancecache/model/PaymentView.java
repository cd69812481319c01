package dev.wallet.balancecache.model;

import java.time.Instant;
import java.util.Optional;

/**
 * A merchant payment: the payer paid {@code amount}, the merchant received it less {@code feeMinor},
 * which went to the fee account. {@code refundedMinor} is what has been refunded so far (known once
 * the payment reached the merchant's shard). A reversed payment names the merchant side's refusal.
 */
public record PaymentView(PaymentId id, TransferStatus status, WalletId payer, WalletId merchant, Money amount,
                          long feeMinor, long refundedMinor, Optional<String> orderRef, Instant createdAt,
                          Optional<OutcomeCode> reversalReason) {
}
