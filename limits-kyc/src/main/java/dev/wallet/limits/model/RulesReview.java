package dev.wallet.limits.model;

import java.util.List;
import java.util.Optional;

/**
 * What publishing a rules text would do, without doing it: the problems that would refuse it, or
 * the rule-by-rule diff against the version in force ({@code inForceVersion}, empty when none is).
 */
public record RulesReview(List<RuleProblem> problems, String diff, Optional<Long> inForceVersion) {

  public RulesReview {
    problems = List.copyOf(problems);
  }

  public boolean valid() {
    return problems.isEmpty();
  }
}
