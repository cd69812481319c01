package dev.wallet.limits.model;

import java.time.Instant;

/**
 * One line of the limits audit: a rules version published or refused, or a KYC profile set.
 *
 * @param subject the version published, or the owner whose profile was set
 * @param detail  the diff, the refusal's problems, or the profile's old and new values
 */
public record AuditRecord(long id, Instant at, String action, String actor, String source, String subject,
                          String detail) {
}
