package dev.wallet.limits.impl;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.wallet.balancecache.model.Currencies;
import dev.wallet.balancecache.model.Money;
import dev.wallet.limits.model.AmlRules;
import dev.wallet.limits.model.MerchantOverride;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.RiskRules;
import dev.wallet.limits.model.RuleProblem;
import dev.wallet.limits.model.TierRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and validates the risk team's rules file. Strict on purpose: an unknown key, a duplicate
 * key, a fractional amount or a missing limit is a problem reported with its path, because a rule
 * silently ignored is a limit silently not enforced. Every problem is collected, not just the first.
 */
public final class RulesParser {

  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
  private static final Set<String> TOP = Set.of("currencies", "defaultTier", "tiers", "merchants",
    "blockedCountries", "aml");
  private static final Set<String> TIER = Set.of("operations", "perTransaction", "daily", "monthly",
    "velocityPerMinute");
  private static final Set<String> WINDOWS = Set.of("perTransaction", "daily", "monthly");
  private static final Set<String> AML = Set.of("largeTransaction", "structuring", "rapidInOut");
  private static final Set<String> STRUCTURING = Set.of("minCount", "bandPercent", "windowHours");
  private static final Set<String> RAPID = Set.of("windowMinutes", "outPercent", "minIn");
  private static final String TIER_NAME = "[a-z][a-z0-9_-]{0,31}";
  public static final int MAX_BYTES = 256 * 1024;

  /** A valid file's rules and its tree (for diffs), or the problems found, each with its place. */
  public record Validation(Optional<RiskRules> rules, Optional<JsonNode> tree, List<RuleProblem> located) {
    public boolean valid() {
      return located.isEmpty();
    }

    /** The problems as the audit and the API state them. */
    public List<String> problems() {
      return located.stream().map(RuleProblem::text).toList();
    }
  }

  private final List<RuleProblem> problems = new ArrayList<>();

  private RulesParser() {
  }

  public static Validation validate(String yaml) {
    return validate(yaml, true);
  }

  /**
   * {@code oneDocument}: a text with another document after the first is refused, as a new text must
   * be; a version published before 2026-12-06 may have one, which was never enforced, and is read as
   * it was enforced (its first document) rather than stop every member on upgrade.
   */
  private static Validation validate(String yaml, boolean oneDocument) {
    if (yaml.length() > MAX_BYTES) {
      return invalid("the file is larger than " + MAX_BYTES + " bytes");
    }
    JsonNode tree;
    try (JsonParser parser = YAML.createParser(yaml)) {
      tree = YAML.readTree(parser);
      if (oneDocument && anotherDocument(parser)) {
        // a reader takes the first document only: the rules of any other would be published, not enforced
        return invalid(new RuleProblem("", parser.currentLocation().getLineNr(),
          "the file must be one YAML document; another starts here"));
      }
    } catch (JsonProcessingException malformed) {
      int line = malformed.getLocation() == null ? 0 : malformed.getLocation().getLineNr();
      return invalid(new RuleProblem("", line, "not valid YAML: " + malformed.getOriginalMessage()
        + location(malformed)));
    } catch (IOException impossible) {
      throw new UncheckedIOException("reading a string", impossible);
    }
    if (tree == null || !tree.isObject()) {
      return invalid("the file must be a mapping with currencies, defaultTier, tiers, merchants, blockedCountries, aml");
    }
    RulesParser parser = new RulesParser();
    RiskRules rules = parser.rules(tree);
    return parser.problems.isEmpty()
      ? new Validation(Optional.of(rules), Optional.of(tree), List.of())
      : new Validation(Optional.empty(), Optional.empty(), RulesLocator.place(yaml, parser.problems));
  }

  /** Whether any document with anything in it follows (an empty one, as a last "---", is none). */
  private static boolean anotherDocument(JsonParser parser) throws IOException {
    while (parser.nextToken() != null) {
      JsonNode next = YAML.readTree(parser);
      if (next != null && !next.isMissingNode() && !next.isNull() && !(next.isValueNode() && next.asText().isEmpty())) {
        return true;
      }
    }
    return false;
  }

  /** For a version that was validated when it was published. */
  public static RiskRules parseValid(String yaml) {
    Validation validation = validate(yaml, false);
    return validation.rules().orElseThrow(() -> new IllegalStateException(
      "a published rules version no longer validates: " + validation.problems()));
  }

  private static Validation invalid(String problem) {
    return invalid(new RuleProblem("", 0, problem));
  }

  private static Validation invalid(RuleProblem problem) {
    return new Validation(Optional.empty(), Optional.empty(), List.of(problem));
  }

  private static String location(JsonProcessingException e) {
    return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
      + e.getLocation().getColumnNr() + ")";
  }

  private RiskRules rules(JsonNode root) {
    onlyKeys(root, "", TOP);
    Set<String> currencies = currencies(required(root, "currencies"));
    Map<String, TierRules> tiers = tiers(required(root, "tiers"), currencies);
    String defaultTier = text(required(root, "defaultTier"), "defaultTier");
    if (defaultTier != null && !tiers.containsKey(defaultTier)) {
      problem("defaultTier", "names no tier: '" + defaultTier + "'; tiers: " + new TreeSet<>(tiers.keySet()));
    }
    return new RiskRules(currencies, defaultTier == null ? "" : defaultTier, tiers,
      merchants(root.path("merchants"), currencies), countries(root.path("blockedCountries")),
      aml(required(root, "aml"), currencies));
  }

  private Set<String> currencies(JsonNode node) {
    Set<String> codes = new LinkedHashSet<>();
    for (JsonNode item : list(node, "currencies")) {
      String code = text(item, "currencies");
      try {
        codes.add(Currencies.parse(code).getCurrencyCode());
      } catch (IllegalArgumentException e) {
        problem("currencies", e.getMessage());
      }
    }
    if (codes.isEmpty() && !node.isMissingNode()) {
      problem("currencies", "name at least one currency");
    }
    return codes;
  }

  private Map<String, TierRules> tiers(JsonNode node, Set<String> currencies) {
    Map<String, TierRules> tiers = new LinkedHashMap<>();
    if (!isMapping(node, "tiers")) {
      return tiers;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String path = "tiers." + field.getKey();
      if (!field.getKey().matches(TIER_NAME)) {
        problem(path, "tier names are lower-case letters, digits, _ and -, up to 32 characters");
      }
      tiers.put(field.getKey(), tier(field.getKey(), field.getValue(), path, currencies));
    }
    if (tiers.isEmpty()) {
      problem("tiers", "define at least one tier");
    }
    return tiers;
  }

  private TierRules tier(String name, JsonNode node, String path, Set<String> currencies) {
    if (!isMapping(node, path)) {
      return new TierRules(name, Set.of(), Map.of(), Map.of(), Map.of(), 0);
    }
    onlyKeys(node, path, TIER);
    Set<Operation> operations = operations(required(node, "operations", path), path + ".operations");
    Map<Operation, Map<String, Long>> perTransaction = perOperation(node.path("perTransaction"),
      path + ".perTransaction", operations, currencies, false);
    Map<Operation, Map<String, Long>> daily = perOperation(node.path("daily"), path + ".daily", operations,
      currencies, true);
    Map<Operation, Map<String, Long>> monthly = perOperation(node.path("monthly"), path + ".monthly", operations,
      currencies, true);
    ordered(perTransaction, daily, path + ".perTransaction", "daily");
    ordered(daily, monthly, path + ".daily", "monthly");
    long velocity = velocity(node.path("velocityPerMinute"), path, operations);
    return new TierRules(name, operations, perTransaction, daily, monthly, velocity);
  }

  private Set<Operation> operations(JsonNode node, String path) {
    Set<Operation> operations = EnumSet.noneOf(Operation.class);
    for (JsonNode item : list(node, path)) {
      String wire = text(item, path);
      try {
        if (wire != null && !operations.add(Operation.fromWire(wire))) {
          problem(path, "lists " + wire + " twice");
        }
      } catch (IllegalArgumentException e) {
        problem(path, e.getMessage());
      }
    }
    return operations;
  }

  /**
   * Limits per operation and currency. Every allowed operation needs one per covered currency
   * (windows: only outgoing operations, the only ones the money core can count exactly). Until
   * 2026-12-06 the per-transaction maximum was required of incoming operations only, and a tier
   * that let its owners send without one was accepted, then failed every such movement (500).
   */
  private Map<Operation, Map<String, Long>> perOperation(JsonNode node, String path, Set<Operation> allowed,
                                                         Set<String> currencies, boolean window) {
    Map<Operation, Map<String, Long>> table = new EnumMap<>(Operation.class);
    if (!node.isMissingNode() && isMapping(node, path)) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        operationLimits(field.getKey(), field.getValue(), path, allowed, currencies, window)
          .ifPresent(limits -> table.put(Operation.fromWire(field.getKey()), limits));
      }
    }
    for (Operation op : allowed) {
      if ((!window || op.outgoing()) && !table.containsKey(op)) {
        problem(path + "." + op.wire(), "is required: " + op.wire() + " is allowed for this tier");
      }
    }
    return table;
  }

  private Optional<Map<String, Long>> operationLimits(String wire, JsonNode node, String path, Set<Operation> allowed,
                                                      Set<String> currencies, boolean window) {
    String at = path + "." + wire;
    Operation op;
    try {
      op = Operation.fromWire(wire);
    } catch (IllegalArgumentException e) {
      problem(at, e.getMessage());
      return Optional.empty();
    }
    if (!allowed.contains(op)) {
      problem(at, op.wire() + " is not among this tier's operations: allow it or remove its limits");
      return Optional.empty();
    }
    if (window && !op.outgoing()) {
      problem(at, "windows apply to outgoing movements only (p2p_send, merchant_payment, withdrawal): "
        + op.wire() + " cannot be counted exactly where it is credited; give it a perTransaction maximum");
      return Optional.empty();
    }
    return Optional.of(amounts(node, at, currencies, true));
  }

  private Map<String, Long> amounts(JsonNode node, String path, Set<String> currencies, boolean complete) {
    Map<String, Long> amounts = new LinkedHashMap<>();
    if (!isMapping(node, path)) {
      return amounts;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String at = path + "." + field.getKey();
      if (!currencies.contains(field.getKey())) {
        problem(at, "is not among the covered currencies " + currencies);
      } else {
        amount(field.getValue(), at).ifPresent(minor -> amounts.put(field.getKey(), minor));
      }
    }
    if (complete) {
      currencies.stream().filter(c -> !amounts.containsKey(c) && !node.has(c))
        .forEach(c -> problem(path + "." + c, "is required: every covered currency needs a limit"));
    }
    return amounts;
  }

  private Optional<Long> amount(JsonNode node, String path) {
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      problem(path, "must be a whole number of minor units (e.g. 150000 for 1500.00 USD), got " + node);
      return Optional.empty();
    }
    long minor = node.longValue();
    if (minor < 0 || minor > Money.MAX_MINOR) {
      problem(path, "must be between 0 and " + Money.MAX_MINOR + ", got " + minor);
      return Optional.empty();
    }
    return Optional.of(minor);
  }

  private void ordered(Map<Operation, Map<String, Long>> lower, Map<Operation, Map<String, Long>> higher, String path,
                       String higherName) {
    higher.forEach((op, limits) -> limits.forEach((currency, max) -> {
      Long low = lower.getOrDefault(op, Map.of()).get(currency);
      if (low != null && low > max) {
        problem(path + "." + op.wire() + "." + currency, low + " is above the " + higherName + " limit " + max);
      }
    }));
  }

  private long velocity(JsonNode node, String path, Set<Operation> operations) {
    boolean sends = operations.stream().anyMatch(Operation::outgoing);
    if (node.isMissingNode()) {
      if (sends) {
        problem(path + ".velocityPerMinute", "is required for a tier with outgoing operations");
      }
      return 0;
    }
    return positiveInt(node, path + ".velocityPerMinute", 1, 1_000_000);
  }

  private Map<String, MerchantOverride> merchants(JsonNode node, Set<String> currencies) {
    Map<String, MerchantOverride> merchants = new LinkedHashMap<>();
    if (node.isMissingNode() || node.isNull() || !isMapping(node, "merchants")) {
      return merchants;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String path = "merchants." + field.getKey();
      if (!isMapping(field.getValue(), path)) {
        continue;
      }
      onlyKeys(field.getValue(), path, WINDOWS);
      merchants.put(field.getKey(), new MerchantOverride(field.getKey(),
        optionalAmounts(field.getValue(), "perTransaction", path, currencies),
        optionalAmounts(field.getValue(), "daily", path, currencies),
        optionalAmounts(field.getValue(), "monthly", path, currencies)));
    }
    return merchants;
  }

  private Map<String, Long> optionalAmounts(JsonNode parent, String key, String path, Set<String> currencies) {
    JsonNode node = parent.path(key);
    return node.isMissingNode() ? Map.of() : amounts(node, path + "." + key, currencies, false);
  }

  private Set<String> countries(JsonNode node) {
    Set<String> countries = new TreeSet<>();
    if (node.isMissingNode() || node.isNull()) {
      return countries;
    }
    for (JsonNode item : list(node, "blockedCountries")) {
      String code = text(item, "blockedCountries");
      if (code != null && !code.matches("[A-Z]{2}")) {
        problem("blockedCountries", "'" + code + "' is not an ISO-3166 alpha-2 code such as KP");
      } else if (code != null) {
        countries.add(code);
      }
    }
    return countries;
  }

  private AmlRules aml(JsonNode node, Set<String> currencies) {
    if (!isMapping(node, "aml")) {
      return new AmlRules(Map.of(), 0, 0, 0, 0, 0, Map.of());
    }
    onlyKeys(node, "aml", AML);
    Map<String, Long> large = amounts(required(node, "largeTransaction", "aml"), "aml.largeTransaction", currencies,
      true);
    JsonNode structuring = monitor(node, "structuring");
    JsonNode rapid = monitor(node, "rapidInOut");
    onlyKeys(structuring, "aml.structuring", STRUCTURING);
    onlyKeys(rapid, "aml.rapidInOut", RAPID);
    return new AmlRules(large,
      positiveInt(required(structuring, "minCount", "aml.structuring"), "aml.structuring.minCount", 2, 1_000),
      positiveInt(required(structuring, "bandPercent", "aml.structuring"), "aml.structuring.bandPercent", 1, 50),
      positiveInt(required(structuring, "windowHours", "aml.structuring"), "aml.structuring.windowHours", 1, 168),
      positiveInt(required(rapid, "windowMinutes", "aml.rapidInOut"), "aml.rapidInOut.windowMinutes", 1,
        AmlRules.MAX_RAPID_WINDOW_MINUTES),
      positiveInt(required(rapid, "outPercent", "aml.rapidInOut"), "aml.rapidInOut.outPercent", 1, 100),
      amounts(required(rapid, "minIn", "aml.rapidInOut"), "aml.rapidInOut.minIn", currencies, true));
  }

  /**
   * A monitor's settings, which must be a mapping: until 2026-12-07 an empty one ({@code structuring:}
   * with its lines commented out) or a scalar passed, its settings read as 0, and the monitor never
   * raised a flag.
   */
  private JsonNode monitor(JsonNode aml, String key) {
    JsonNode node = required(aml, key, "aml");
    if (!node.isNull()) {
      isMapping(node, "aml." + key);
    }
    return node;
  }

  private int positiveInt(JsonNode node, String path, int min, int max) {
    if (node.isMissingNode()) {
      return 0;
    }
    if (!node.isIntegralNumber() || !node.canConvertToInt() || node.intValue() < min || node.intValue() > max) {
      problem(path, "must be a whole number from " + min + " to " + max + ", got " + node);
      return 0;
    }
    return node.intValue();
  }

  private JsonNode required(JsonNode parent, String key) {
    return required(parent, key, "");
  }

  private JsonNode required(JsonNode parent, String key, String path) {
    JsonNode node = parent.path(key);
    if ((node.isMissingNode() || node.isNull()) && parent.isObject()) { // `key:` with nothing after it is null
      problem(path.isEmpty() ? key : path + "." + key, "is required");
    }
    return node;
  }

  private boolean isMapping(JsonNode node, String path) {
    if (node.isMissingNode()) {
      return false;
    }
    if (!node.isObject()) {
      problem(path, "must be a mapping, got " + node.getNodeType().name().toLowerCase());
      return false;
    }
    return true;
  }

  private List<JsonNode> list(JsonNode node, String path) {
    List<JsonNode> items = new ArrayList<>();
    if (node.isMissingNode()) {
      return items;
    }
    if (!node.isArray()) {
      problem(path, "must be a list, e.g. [a, b]");
      return items;
    }
    node.forEach(items::add);
    return items;
  }

  private String text(JsonNode node, String path) {
    if (!node.isTextual()) {
      problem(path, "must be text, got " + node);
      return null;
    }
    return node.textValue();
  }

  private void onlyKeys(JsonNode node, String path, Set<String> known) {
    if (!node.isObject()) {
      return;
    }
    node.fieldNames().forEachRemaining(key -> {
      if (!known.contains(key)) {
        problem(path.isEmpty() ? key : path + "." + key, "is not a known key; known here: " + new TreeSet<>(known));
      }
    });
  }

  private void problem(String path, String message) {
    problems.add(new RuleProblem(path, 0, message));
  }
}
