package dev.wallet.limits.model;

import java.util.Objects;

/**
 * One version of the rules as the cluster shares it: the text the risk team wrote (validated
 * before it got a version), who published it and from where. Versions only grow.
 *
 * @param source "file:&lt;path&gt;" or "api"
 */
public record PublishedRules(long version, String yaml, String sha256, String source, String actor,
                             long publishedAtMs) {

  public PublishedRules {
    Objects.requireNonNull(yaml, "yaml");
    Objects.requireNonNull(sha256, "sha256");
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(actor, "actor");
    if (version < 1) {
      throw new IllegalArgumentException("versions start at 1");
    }
  }
}
