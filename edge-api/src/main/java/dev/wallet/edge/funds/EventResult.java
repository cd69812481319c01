package dev.wallet.edge.funds;

/** What became of a webhook event: applied now, or applied before (same gateway, same event id). */
public enum EventResult { APPLIED, DUPLICATE }
