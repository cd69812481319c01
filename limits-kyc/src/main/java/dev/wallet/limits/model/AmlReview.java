package dev.wallet.limits.model;

import java.time.Instant;

/** One decision about a flag, as recorded (append-only): never {@link AmlFlagState#OPEN}. */
public record AmlReview(long id, long flagId, AmlFlagState state, String note, String actor, Instant at) {
}
