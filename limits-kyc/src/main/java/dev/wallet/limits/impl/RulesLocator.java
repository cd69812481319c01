package dev.wallet.limits.impl;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.wallet.limits.model.RuleProblem;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Puts each problem of a rules text on its line: the line of the deepest key of the problem's path
 * that the text has (a missing key is shown at its parent). Read from the YAML parser's own token
 * locations, so comments, flow style and indentation cannot mislead it.
 */
final class RulesLocator {

  private static final YAMLFactory YAML = new YAMLFactory();

  private RulesLocator() {
  }

  static List<RuleProblem> place(String yaml, List<RuleProblem> problems) {
    Map<String, Integer> lines = keyLines(yaml);
    return problems.stream().map(problem -> new RuleProblem(problem.path(), lineOf(problem.path(), lines),
      problem.message())).toList();
  }

  private static int lineOf(String path, Map<String, Integer> lines) {
    for (String prefix = path; !prefix.isEmpty(); prefix = parent(prefix)) {
      Integer line = lines.get(prefix);
      if (line != null) {
        return line;
      }
    }
    return 0;
  }

  private static String parent(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? "" : path.substring(0, dot);
  }

  /** Every key's dotted path ("tiers.basic.daily") and the line it is written on. */
  private static Map<String, Integer> keyLines(String yaml) {
    Map<String, Integer> lines = new HashMap<>();
    try (JsonParser parser = YAML.createParser(yaml)) {
      for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
        if (token == JsonToken.FIELD_NAME) {
          lines.putIfAbsent(dotted(parser.getParsingContext()), parser.currentTokenLocation().getLineNr());
        }
      }
    } catch (IOException unreadable) {
      // a text that does not parse has one problem, which the parser located itself
    }
    return lines;
  }

  private static String dotted(JsonStreamContext context) {
    Deque<String> names = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null; c = c.getParent()) {
      if (c.inObject() && c.getCurrentName() != null) {
        names.addFirst(c.getCurrentName());
      }
    }
    return String.join(".", names);
  }
}
