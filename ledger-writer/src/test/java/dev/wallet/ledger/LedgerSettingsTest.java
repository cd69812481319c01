package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
