package dev.wallet.limits.impl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What changed between two versions, rule by rule ("tiers.basic.daily.p2p_send.USD: 100000 -> 50000"),
 * rather than line by line: comments and layout do not matter to an auditor, values do. Lists
 * (operations, countries) compare as sets.
 */
public final class RulesDiff {

  private RulesDiff() {
  }

  /** Against a version's text, which was valid when it was published. */
  public static String since(Optional<String> beforeYaml, JsonNode after) {
    return between(beforeYaml.flatMap(yaml -> RulesParser.validate(yaml).tree()), after);
  }

  public static String between(Optional<JsonNode> before, JsonNode after) {
    Map<String, String> old = before.map(RulesDiff::flatten).orElse(Map.of());
    Map<String, String> now = flatten(after);
    List<String> lines = new ArrayList<>();
    TreeSet<String> paths = new TreeSet<>(old.keySet());
    paths.addAll(now.keySet());
    for (String path : paths) {
      String was = old.get(path);
      String is = now.get(path);
      if (was == null) {
        lines.add("+ " + path + ": " + is);
      } else if (is == null) {
        lines.add("- " + path + ": " + was);
      } else if (!was.equals(is)) {
        lines.add("~ " + path + ": " + was + " -> " + is);
      }
    }
    return lines.isEmpty() ? "(no rule changed)" : String.join("\n", lines);
  }

  static Map<String, String> flatten(JsonNode root) {
    Map<String, String> values = new TreeMap<>();
    flatten("", root, values);
    return values;
  }

  private static void flatten(String path, JsonNode node, Map<String, String> into) {
    if (node.isObject()) {
      node.fields().forEachRemaining(f -> flatten(path.isEmpty() ? f.getKey() : path + "." + f.getKey(),
        f.getValue(), into));
    } else if (node.isArray()) {
      TreeSet<String> items = new TreeSet<>();
      node.forEach(item -> items.add(item.asText()));
      into.put(path, items.toString());
    } else {
      into.put(path, node.asText());
    }
  }
}
