package dev.wallet.balancecache.model;

/** A capture: the payment it made to the merchant, and its authorization right after it. */
public record CaptureView(PaymentView payment, AuthorizationView authorization) {
}
