package dev.wallet.limits.model;

import java.time.Instant;
import java.util.Optional;

/** Which flags a compliance queue shows: detected in [from, to), optionally one kind, owner or state; newest first. */
public record AmlQueueFilter(Instant from, Instant to, Optional<String> kind, Optional<String> ownerId,
                             Optional<AmlFlagState> state, int limit) {
}
