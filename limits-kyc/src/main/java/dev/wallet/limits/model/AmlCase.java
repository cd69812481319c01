package dev.wallet.limits.model;

import java.util.List;

/**
 * A flag with where it stands: its state (the latest review's, or open) and, when asked for one
 * flag, every review, oldest first (empty in a queue listing).
 */
public record AmlCase(AmlFlag flag, AmlFlagState state, List<AmlReview> reviews) {

  public AmlCase {
    reviews = List.copyOf(reviews);
  }
}
