package dev.wallet.edge.money;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.Money;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FeesTest {

  @ParameterizedTest(name = "{0} minor at {1} bps is {2}")
  @CsvSource({
    "1018, 250, 25",
    "1020, 250, 26",
    "1, 250, 0",
    "2, 2500, 1",
    "10000, 120, 120",
    "999, 0, 0",
    "999, 10000, 999",
    "9007199254740991, 10000, 9007199254740991",
    "9007199254740991, 9999, 9006298534815517",
    "9007199254740991, 1, 900719925474"
  })
  @DisplayName("the fee is amount × bps / 10000 rounded half up, exact for every amount the money core accepts")
  void fee(long amount, int bps, long fee) {
    assertThat(Fees.feeMinor(Money.of(amount, "USD"), bps)).isEqualTo(fee);
  }
}
