package dev.wallet.limits.model;

/** The version a member enforces, parsed. */
public record RulesInForce(PublishedRules published, RiskRules rules) {
}
