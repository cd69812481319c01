package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.model.ShardId;
import dev.wallet.balancecache.model.ShardRange;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class LedgerSettingsTest {

  @Test
  @DisplayName("outside development mode a missing PostgreSQL password stops the start, naming the variable")
  void missingPasswordRefused() {
    assertThatThrownBy(() -> LedgerSettings.fromEnvironment(Map.of("WALLET_PG_OWNER_PASSWORD", "a-real-one")))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WALLET_PG_PASSWORD is not set");
  }

  @Test
  @DisplayName("outside development mode the published development password is refused")
  void publishedPasswordRefused() {
    assertThatThrownBy(() -> LedgerSettings.fromEnvironment(Map.of("WALLET_PG_PASSWORD", "a-real-one",
      "WALLET_PG_OWNER_PASSWORD", "wallet-dev-owner")))
      .isInstanceOf(IllegalArgumentException.class)
      .hasMessageContaining("WALLET_PG_OWNER_PASSWORD is a development value published");
  }

  @Test
  @DisplayName("real passwords are used as given; development mode fills in the published ones")
  void passwords() {
    LedgerSettings production = LedgerSettings.fromEnvironment(Map.of("WALLET_PG_PASSWORD", "app-secret",
      "WALLET_PG_OWNER_PASSWORD", "owner-secret"));
    LedgerSettings development = LedgerSettings.fromEnvironment(Map.of("WALLET_MODE", "development"));

    assertThat(production.app().password()).isEqualTo("app-secret");
    assertThat(production.owner().password()).isEqualTo("owner-secret");
    assertThat(development.app().password()).isEqualTo("wallet-dev-app");
    assertThat(development.owner().password()).isEqualTo("wallet-dev-owner");
  }

  /**
   * The reconciler and the rebuild read the sets of pending movements to each other region: until
   * 2026-12-07 their money core knew no regions, and the reconciler took a movement waiting for an
   * unreachable region for one in no set, a finding that halts all money movement.
   */
  @Test
  @DisplayName("the ledger processes' money core knows the deployment's regions and serves this region's shards")
  void theMoneyCoreKnowsTheRegions() {
    LedgerSettings settings = LedgerSettings.fromEnvironment(Map.of("WALLET_MODE", "development",
      "WALLET_REGIONS", "a=http://127.0.0.1:1,b=http://127.0.0.1:2", "WALLET_REGION", "b"));

    assertThat(settings.cacheOptions().regions().regions()).extracting(region -> region.name()).containsExactly("a", "b");
    assertThat(settings.cacheOptions().regions().self()).map(region -> region.name()).contains("b");
    assertThat(settings.cacheOptions().shards()).isEqualTo(settings.shards());
    assertThat(settings.shards().first()).isEqualTo(1_000);
  }

  @Test
  @DisplayName("WALLET_LEDGER_PLACEMENT places shard ranges on other databases; the rest stay in the home one")
  void placement() {
    LedgerSettings settings = LedgerSettings.fromEnvironment(Map.of("WALLET_MODE", "development",
      "WALLET_LEDGER_PLACEMENT", "32-47=10.0.0.2:5432/ledger_b, 48-63=10.0.0.3:5433/ledger_c"));
    LedgerPlacement placement = settings.placement();

    assertThat(placement.databaseOf(new ShardId(31))).isEqualTo(settings.app());
    assertThat(placement.databaseOf(new ShardId(32)).toString()).isEqualTo("10.0.0.2:5432/ledger_b");
    assertThat(placement.databaseOf(new ShardId(63)).toString()).isEqualTo("10.0.0.3:5433/ledger_c");
    assertThat(placement.databases()).hasSize(3).first().isEqualTo(settings.app());
    assertThat(settings.ownerPlacement().databaseOf(new ShardId(40)).user()).isEqualTo(settings.owner().user());
    assertThat(LedgerSettings.fromEnvironment(Map.of("WALLET_MODE", "development")).placement().databases())
      .as("one database by default").hasSize(1);
  }

  @Test
  @DisplayName("a placement that overlaps, leaves the region's shards, names the home database or is malformed is refused")
  void badPlacementsRefused() {
    assertThatThrownBy(() -> placed("0-40=h:1/a,40-63=h:1/b")).hasMessageContaining("placed twice");
    assertThatThrownBy(() -> placed("32-64=h:1/a")).hasMessageContaining("not a range of this region's shards");
    assertThatThrownBy(() -> placed("32-63=127.0.0.1:25432/wallet")).hasMessageContaining("on the home database");
    assertThatThrownBy(() -> placed("32-63=h/a")).hasMessageContaining("first-last=host:port/database");
  }

  @Test
  @DisplayName("the placement after a move: ranges split around the moved shards, joined with neighbours of the same database")
  void placementAfterAMove() {
    LedgerPlacement placement = placed("32-63=h:1/b").placement();
    ShardRange middle = new ShardRange(40, 8);

    assertThat(placement.moving(middle, placement.database("home")).spec()).isEqualTo("32-39=h:1/b,48-63=h:1/b");
    assertThat(placement.moving(new ShardRange(24, 8), placement.database("h:1/b")).spec()).isEqualTo("24-63=h:1/b");
    assertThat(placement.moving(new ShardRange(0, 8), placement.database("h:2/c")).spec())
      .isEqualTo("0-7=h:2/c,32-63=h:1/b");
    assertThat(placement.moving(new ShardRange(32, 32), placement.database("home")).spec()).as("one database again")
      .isEmpty();
    assertThat(placement.database("h:2/c").user()).as("the home database's role").isEqualTo(placement.home().user());
    assertThatThrownBy(() -> placement.database("h/c")).hasMessageContaining("host:port/database or home");
  }

  private static LedgerSettings placed(String placement) {
    return LedgerSettings.fromEnvironment(Map.of("WALLET_MODE", "development", "WALLET_LEDGER_PLACEMENT", placement));
  }
}
