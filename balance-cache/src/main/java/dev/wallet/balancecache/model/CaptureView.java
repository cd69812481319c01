package dev.wallet.balancecache.model;

import java.util.Optional;

/**
 * A capture: the payment it made to the merchant, and its authorization right after it (absent
 * only from a replay whose record a hot-tier rebuild restored from the ledger).
 */
public record CaptureView(PaymentView payment, Optional<AuthorizationView> authorization) {
}
