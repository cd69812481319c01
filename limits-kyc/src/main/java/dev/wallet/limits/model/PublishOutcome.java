package dev.wallet.limits.model;

import java.util.List;
import java.util.Optional;

/** What became of a proposed rules text. */
public sealed interface PublishOutcome {

  /** A new version, recorded with its diff and handed to every member. */
  record Published(PublishedRules rules) implements PublishOutcome {
  }

  /** The same text as the version in force: nothing to do. */
  record Unchanged(PublishedRules rules) implements PublishOutcome {
  }

  /**
   * Not published: the change was made against a version that is no longer the latest (or the file
   * is an outdated copy), and would silently undo what was published since. {@code latest} is the
   * version to review it against; empty when there is none (a change made against a version that
   * does not exist).
   */
  record Superseded(Optional<PublishedRules> latest) implements PublishOutcome {
  }

  /**
   * Not published: it changes what the rules say about the publisher's own merchant payments
   * ({@code merchants.<their id>}); someone else publishes that. The version in force stays.
   */
  record Forbidden(String reason) implements PublishOutcome {
  }

  /** Not valid; the version in force stays. Each problem names where it is in the file. */
  record Refused(List<String> problems) implements PublishOutcome {
    public Refused {
      problems = List.copyOf(problems);
    }
  }
}
