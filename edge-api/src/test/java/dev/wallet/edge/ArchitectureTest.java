package dev.wallet.edge;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import dev.wallet.edge.config.EdgeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The house's rules (docs/architecture.md), checked on the main classes of every module: each
 * concept has one owner, and the modules stand in one order. A change that breaks a rule fails here
 * with the offending dependency named.
 */
class ArchitectureTest {

  /**
   * A module's public interface creates its implementation (BalanceCache.create, LedgerWriter.create):
   * an interface has no state, so this is the one tie from an API package down into an impl (which
   * impl is its own module's, the rules below make sure).
   */
  private static final DescribedPredicate<JavaClass> PUBLIC_INTERFACE = DescribedPredicate.describe(
    "a module's public interface", type -> type.isInterface() && !type.getPackageName().endsWith(".impl"));
  private static final DescribedPredicate<JavaClass> IMPLEMENTATION = DescribedPredicate.describe(
    "a module's implementation", type -> type.getPackageName().endsWith(".impl"));
  private static final Pattern TEST_JAR = Pattern.compile(".*-tests\\.jar.*");

  private static JavaClasses wallet;

  @BeforeAll
  static void importMainClasses() {
    // main classes only: the modules' test jars (fixtures shared between modules) are on this classpath too
    wallet = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
      .withImportOption(location -> !location.matches(TEST_JAR)).importPackages("dev.wallet");
    assertThat(wallet.containPackage("dev.wallet.balancecache.impl")).isTrue();
    assertThat(wallet.containPackage("dev.wallet.ledger.impl")).isTrue();
    assertThat(wallet.containPackage("dev.wallet.limits.impl")).isTrue();
    assertThat(wallet.containPackage("dev.wallet.edge")).isTrue();
  }

  @Test
  @DisplayName("only balance-cache names its implementation (the Redis keys, the scripts, the cluster routing)")
  void redisLayoutHasOneOwner() {
    noClasses().that().resideOutsideOfPackage("dev.wallet.balancecache..")
      .should().dependOnClassesThat().resideInAPackage("dev.wallet.balancecache.impl..")
      .check(wallet);
  }

  @Test
  @DisplayName("only the ledger module names the ledger's implementation; only the limits module names its own")
  void implementationsStayInTheirModules() {
    noClasses().that().resideOutsideOfPackage("dev.wallet.ledger..")
      .should().dependOnClassesThat().resideInAPackage("dev.wallet.ledger.impl..")
      .check(wallet);
    noClasses().that().resideOutsideOfPackage("dev.wallet.limits..")
      .should().dependOnClassesThat().resideInAPackage("dev.wallet.limits.impl..")
      .check(wallet);
  }

  @Test
  @DisplayName("the modules stand in one order: edge on top, then limits, then the ledger, then the money core")
  void modulesInOneOrder() {
    noClasses().that().resideInAPackage("dev.wallet.balancecache..")
      .should().dependOnClassesThat().resideInAnyPackage("dev.wallet.ledger..", "dev.wallet.limits..",
        "dev.wallet.edge..")
      .check(wallet);
    noClasses().that().resideInAPackage("dev.wallet.ledger..")
      .should().dependOnClassesThat().resideInAnyPackage("dev.wallet.limits..", "dev.wallet.edge..")
      .check(wallet);
    noClasses().that().resideInAPackage("dev.wallet.limits..")
      .should().dependOnClassesThat().resideInAPackage("dev.wallet.edge..")
      .check(wallet);
    slices().matching("dev.wallet.(*)..").should().beFreeOfCycles().check(wallet);
  }

  @Test
  @DisplayName("the edge by feature: only its wiring names the features; its HTTP infrastructure names none")
  void edgeByFeature() {
    noClasses().that().resideInAPackage("dev.wallet.edge..").and().resideOutsideOfPackage("dev.wallet.edge")
      .should().dependOnClassesThat().resideInAPackage("dev.wallet.edge")
      .check(wallet);
    noClasses().that().resideInAPackage("dev.wallet.edge.http")
      .should().dependOnClassesThat().resideInAnyPackage("dev.wallet.edge.admin", "dev.wallet.edge.console",
        "dev.wallet.edge.funds", "dev.wallet.edge.gateway..", "dev.wallet.edge.limits", "dev.wallet.edge.live",
        "dev.wallet.edge.money", "dev.wallet.edge.wallets")
      .check(wallet);
  }

  @Test
  @DisplayName("no cycle between packages, but a public interface creating its implementation")
  void noPackageCycles() {
    slices().matching("dev.wallet.(**)").should().beFreeOfCycles().ignoreDependency(PUBLIC_INTERFACE, IMPLEMENTATION)
      .check(wallet);
  }

  @Test
  @DisplayName("only the ledger module names the ledger's tables in SQL")
  void ledgerTablesHaveOneOwner() {
    Pattern ledgerTable = Pattern.compile(
      "(?i)\\b(FROM|JOIN|INTO|UPDATE)\\s+(public\\.)?(postings|entries|accounts|account_events|reconciliation_runs"
        + "|money_halts|money_halt_releases)\\b");
    List<Path> offenders = mainSources(List.of("edge-api", "limits-kyc", "balance-cache"))
      .filter(file -> ledgerTable.matcher(read(file)).find()).toList();
    assertThat(offenders).as("main sources outside ledger-writer naming the ledger's tables").isEmpty();
    assertThat(mainSources(List.of("ledger-writer")).filter(file -> ledgerTable.matcher(read(file)).find()))
      .as("the rule's pattern finds the ledger's own SQL").isNotEmpty();
  }

  @Test
  @DisplayName("every environment variable the edge's configuration reads is one its loader loads")
  void everySettingReachesTheEdge() {
    // what a Settings is asked for (text, integer, number, flag, rate, secret) in the edge's process:
    // the loader passes only EdgeConfig.ENVIRONMENT through, so one missing there is silently unset
    Pattern setting = Pattern.compile("\\.(text|integer|number|flag|rate|secret)\\(\\s*\"(WALLET_[A-Z0-9_]+)\"");
    Set<String> read = mainSources(List.of("edge-api", "limits-kyc", "ledger-writer", "balance-cache"))
      .flatMap(file -> setting.matcher(read(file)).results().map(found -> found.group(2)))
      .collect(Collectors.toCollection(TreeSet::new));

    assertThat(read).as("the rule's pattern finds the settings").contains("WALLET_PG_PORT", "WALLET_SHARDS");
    assertThat(EdgeConfig.ENVIRONMENT).containsAll(read);
  }

  private static Stream<Path> mainSources(List<String> modules) {
    Path root = Path.of("").toAbsolutePath().getParent();
    return modules.stream().map(module -> root.resolve(module).resolve("src/main")).flatMap(dir -> {
      try (Stream<Path> files = Files.walk(dir)) {
        return files.filter(file -> file.toString().endsWith(".java") || file.toString().endsWith(".sql")).toList()
          .stream();
      } catch (IOException unreadable) {
        throw new UncheckedIOException(unreadable);
      }
    });
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException unreadable) {
      throw new UncheckedIOException(unreadable);
    }
  }
}
