package dev.wallet.limits.model;

import java.util.List;

/** What became of a proposed rules text. */
public sealed interface PublishOutcome {

  /** A new version, recorded with its diff and handed to every member. */
  record Published(PublishedRules rules) implements PublishOutcome {
  }

  /** The same text as the version in force: nothing to do. */
  record Unchanged(PublishedRules rules) implements PublishOutcome {
  }

  /** Not valid; the version in force stays. Each problem names where it is in the file. */
  record Refused(List<String> problems) implements PublishOutcome {
    public Refused {
      problems = List.copyOf(problems);
    }
  }
}
