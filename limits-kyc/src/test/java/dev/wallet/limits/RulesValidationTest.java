package dev.wallet.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.testing.TestEnvironment;
import dev.wallet.limits.impl.RulesDiff;
import dev.wallet.limits.impl.RulesParser;
import dev.wallet.limits.model.Operation;
import dev.wallet.limits.model.RiskRules;
import dev.wallet.limits.testing.TestRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RulesValidationTest {

  @Test
  @DisplayName("the commented example file in the repository is valid and says what it seems to say")
  void exampleIsValid() throws IOException {
    RulesParser.Validation validation = RulesParser.validate(example());

    assertThat(validation.problems()).isEmpty();
    RiskRules rules = validation.rules().orElseThrow();
    assertThat(rules.defaultTier()).isEqualTo("unverified");
    assertThat(rules.tier("unverified").orElseThrow().allows(Operation.P2P_SEND)).isFalse();
    assertThat(rules.tier("basic").orElseThrow().daily().get(Operation.P2P_SEND).get("USD")).isEqualTo(200_000L);
    assertThat(rules.blockedCountries()).containsExactlyInAnyOrder("KP", "IR");
    assertThat(rules.aml().largeTransaction()).containsEntry("USD", 1_000_000L);
    assertThat(rules.aml().structuringFloor(1_000_000)).isEqualTo(900_000L);
  }

  @Test
  @DisplayName("the test rules are valid")
  void testRulesAreValid() {
    assertThat(RulesParser.validate(TestRules.permissive()).problems()).isEmpty();
    assertThat(RulesParser.validate(TestRules.rules("basic", 100, 3_700, 1_000)).problems()).isEmpty();
  }

  /** Until 2026-12-07 each of these passed, and the monitor it named never raised a flag. */
  @Test
  @DisplayName("an AML monitor's settings emptied or replaced by a value are refused, not read as a monitor switched off")
  void monitorsCannotBeEmptied() throws IOException {
    String structuring = "  structuring:\n    minCount: 3\n    bandPercent: 10\n    windowHours: 24\n";
    String rapid = "  rapidInOut:\n    windowMinutes: 60\n    outPercent: 80\n    minIn: {USD: 500000, EUR: 500000}\n";
    String example = example();
    assertThat(example).contains(structuring, rapid);

    assertThat(problems(example.replace(structuring, "  structuring:\n")))
      .contains("aml.structuring: must be a mapping");
    assertThat(problems(example.replace(structuring, "  structuring: 5\n")))
      .contains("aml.structuring: must be a mapping");
    assertThat(problems(example.replace(rapid, "  rapidInOut: []\n"))).contains("aml.rapidInOut: must be a mapping");
  }

  @Test
  @DisplayName("blocked countries or merchant overrides emptied (every line commented out) are refused, not read as "
    + "none (the YAML reader gives an empty text, which is neither a list nor a mapping): [] and {} say none")
  void listsCannotBeEmptied() throws IOException {
    String blocked = "blockedCountries: [KP, IR]\n";
    String merchants = "merchants:\n  utility-power-co:\n    perTransaction: {USD: 500000}\n    daily: {USD: 500000}\n";
    String example = example();
    assertThat(example).contains(blocked, merchants);

    assertThat(problems(example.replace(blocked, "blockedCountries:\n#  - KP\n#  - IR\n")))
      .contains("blockedCountries: must be a list");
    assertThat(problems(example.replace(merchants, "merchants:\n#  utility-power-co:\n")))
      .contains("merchants: must be a mapping");
    assertThat(RulesParser.validate(example.replace(blocked, "blockedCountries: []\n")
      .replace(merchants, "merchants: {}\n")).valid()).isTrue();
  }

  private static String problems(String rules) {
    RulesParser.Validation validation = RulesParser.validate(rules);
    assertThat(validation.valid()).as(rules).isFalse();
    return String.join("\n", validation.problems());
  }

  @ParameterizedTest(name = "[{index}] {2}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
    p2p_send:         {USD: 200000, EUR: 200000} | p2p_send: {USD: 200000.5, EUR: 200000}        | tiers.basic.daily.p2p_send.USD: must be a whole number of minor units
    p2p_send:         {USD: 200000, EUR: 200000} | p2p_send: {USD: -1, EUR: 200000}              | tiers.basic.daily.p2p_send.USD: must be between 0
    p2p_send:         {USD: 200000, EUR: 200000} | p2p_send: {EUR: 200000}                       | tiers.basic.daily.p2p_send.USD: is required
    p2p_send:         {USD: 100000, EUR: 100000} | "# p2p_send: none"                            | tiers.basic.perTransaction.p2p_send: is required
    p2p_send:         {USD: 200000, EUR: 200000} | p2p_send: {USD: 200000, USD: 1, EUR: 200000}  | Duplicate field 'USD'
    p2p_send:         {USD: 200000, EUR: 200000} | p2p_send: {USD: 200000, GBP: 1, EUR: 200000}  | tiers.basic.daily.p2p_send.GBP: is not among the covered currencies
    velocityPerMinute: 10                           | velocityPerMinut: 10               | tiers.basic.velocityPerMinut: is not a known key
    velocityPerMinute: 10                           | velocityPerMinute: 0               | tiers.basic.velocityPerMinute: must be a whole number from 1
    defaultTier: unverified                         | defaultTier: gold                  | defaultTier: names no tier: 'gold'
    operations: [p2p_send, receive, merchant_payment, deposit] | operations: [p2p_send, receive, merchant_payment, deposit, teleport] | unknown operation 'teleport'
    blockedCountries: [KP, IR]                      | blockedCountries: [KP, Iran]       | 'Iran' is not an ISO-3166 alpha-2 code
    minCount: 3                                     | minCount: 1                        | aml.structuring.minCount: must be a whole number from 2
    """)
  @DisplayName("a bad rule is refused with a message naming its place")
  void refusals(String good, String bad, String expected) throws IOException {
    String example = example();
    assertThat(example).contains(good);

    RulesParser.Validation validation = RulesParser.validate(example.replaceFirst(java.util.regex.Pattern.quote(good),
      java.util.regex.Matcher.quoteReplacement(bad)));

    assertThat(validation.valid()).isFalse();
    assertThat(String.join("\n", validation.problems())).contains(expected);
  }

  @Test
  @DisplayName("a window on an incoming operation is refused: the money core could not count it exactly")
  void noReceiveWindows() throws IOException {
    String withReceiveWindow = example().replace("      p2p_send:         {USD: 200000, EUR: 200000}\n",
      "      p2p_send:         {USD: 200000, EUR: 200000}\n      receive: {USD: 1, EUR: 1}\n");

    RulesParser.Validation validation = RulesParser.validate(withReceiveWindow);

    assertThat(validation.problems()).anySatisfy(p -> assertThat(p).startsWith("tiers.basic.daily.receive: windows "
      + "apply to outgoing movements only"));
  }

  @Test
  @DisplayName("a daily limit below the per-transaction maximum is refused as a likely typo")
  void orderedLimits() throws IOException {
    String inverted = example().replace("      p2p_send:         {USD: 200000, EUR: 200000}\n",
      "      p2p_send:         {USD: 20000, EUR: 200000}\n");

    assertThat(RulesParser.validate(inverted).problems())
      .contains("tiers.basic.perTransaction.p2p_send.USD: 100000 is above the daily limit 20000");
  }

  @Test
  @DisplayName("each problem is placed on the line of its rule (a missing key at its parent's), and a YAML error "
    + "at the parser's line")
  void problemsAtTheirLines() {
    String text = TestRules.permissive().replace("defaultTier: unverified", "defaultTier: gold")
      .replace("    velocityPerMinute: 1000000\n  full:", "  full:")
      .replace("blockedCountries: [KP]", "surprise: 1\nblockedCountries: [KP]");
    java.util.List<String> lines = java.util.Arrays.asList(text.split("\n", -1));

    java.util.Map<String, Integer> located = new java.util.TreeMap<>();
    RulesParser.validate(text).located().forEach(problem -> located.put(problem.path(), problem.line()));

    assertThat(located).containsEntry("defaultTier", lines.indexOf("defaultTier: gold") + 1)
      .containsEntry("surprise", lines.indexOf("surprise: 1") + 1)
      .containsEntry("tiers.basic.velocityPerMinute", lines.indexOf("  basic:") + 1);
    assertThat(RulesParser.validate("a: 1\nb: [unclosed\n").located().get(0).line()).isGreaterThanOrEqualTo(2);
  }

  @Test
  @DisplayName("text that is not YAML, or not a mapping, is refused with a clear message")
  void notYaml() {
    assertThat(RulesParser.validate("tiers: [unclosed").problems().get(0)).startsWith("not valid YAML");
    assertThat(RulesParser.validate("just text").problems().get(0)).startsWith("the file must be a mapping");
    assertThat(RulesParser.validate("").problems()).isNotEmpty();
  }

  @Test
  @DisplayName("a file of several YAML documents is refused: a reader that takes the first would leave the others' "
    + "rules unenforced, though published")
  void oneDocumentOnly() throws IOException {
    String lowered = "tiers: {basic: {daily: {p2p_send: {USD: 1000}}}}\n";

    assertThat(RulesParser.validate(example() + "\n---\n" + lowered).problems())
      .anySatisfy(problem -> assertThat(problem).contains("one YAML document"));
    assertThat(RulesParser.validate("---\n" + example()).problems()).as("a document marker before the only one")
      .isEmpty();
    assertThat(RulesParser.validate(example() + "\n---\n").problems()).as("a last marker, nothing after it").isEmpty();
    assertThat(RulesParser.validate(example() + "\n---\n---\n" + lowered).problems()).as("after an empty one")
      .anySatisfy(problem -> assertThat(problem).contains("one YAML document"));
    assertThat(RulesParser.parseValid(example() + "\n---\n" + lowered)).as("a version published before, read as "
      + "it was enforced").isEqualTo(RulesParser.parseValid(example()));
  }

  @Test
  @DisplayName("the audit's diff lists changed rules, not lines, and ignores comments")
  void diff() throws IOException {
    String before = example();
    String after = before.replace("      p2p_send:         {USD: 200000, EUR: 200000}\n",
      "      p2p_send:         {USD: 150000, EUR: 200000}\n").replace("# Per UTC calendar day", "# per day")
      .replace("blockedCountries: [KP, IR]", "blockedCountries: [IR, KP, SY]");

    String diff = RulesDiff.between(RulesParser.validate(before).tree(), RulesParser.validate(after).tree().get());

    assertThat(diff).isEqualTo("~ blockedCountries: [IR, KP] -> [IR, KP, SY]\n"
      + "~ tiers.basic.daily.p2p_send.USD: 200000 -> 150000");
  }

  /** The commented rules file of the repository, which the edge reads by default. */
  static String example() throws IOException {
    return Files.readString(TestEnvironment.projectRoot().resolve(LimitsOptions.DEFAULT_RULES_FILE),
      StandardCharsets.UTF_8);
  }
}
