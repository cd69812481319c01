package dev.wallet.limits.model;

/**
 * One problem found in a rules text, where it is: the rule's path ("tiers.basic.daily.p2p_send.USD")
 * and the line of the text it starts on, so an editor can show it in place.
 *
 * @param path empty for a problem of the whole text (not YAML, not a mapping)
 * @param line 1-based; 0 when the text has no line for it (a required key that is missing at the top)
 */
public record RuleProblem(String path, int line, String message) {

  /** The problem as the audit and the API state it: "path: message". */
  public String text() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}
