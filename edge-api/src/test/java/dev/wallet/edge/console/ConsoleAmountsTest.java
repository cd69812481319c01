package dev.wallet.edge.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ConsoleAmountsTest {

  @Test
  @DisplayName("minor units are shown in the currency's own digits, exactly")
  void currencyDigits() {
    assertThat(ConsolePages.amount(150_000, "USD")).isEqualTo("1500.00 USD");
    assertThat(ConsolePages.amount(-5, "USD")).isEqualTo("-0.05 USD");
    assertThat(ConsolePages.amount(1_234, "JPY")).isEqualTo("1234 JPY");
    assertThat(ConsolePages.amount(1_234, "KWD")).isEqualTo("1.234 KWD");
    assertThat(ConsolePages.amount(Long.MAX_VALUE, "EUR")).isEqualTo("92233720368547758.07 EUR");
  }

  @Test
  @DisplayName("a currency without a minor unit (XTS) is shown in whole units, not multiplied by ten")
  void noMinorUnit() {
    assertThat(ConsolePages.amount(7, "XTS")).isEqualTo("7 XTS");
  }
}
