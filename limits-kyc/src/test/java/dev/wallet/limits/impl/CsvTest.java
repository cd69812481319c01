package dev.wallet.limits.impl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class CsvTest {

  @Test
  @DisplayName("amounts are written exactly from minor units, in the currency's own number of decimals")
  void decimals() {
    assertThat(Csv.decimal(123_456, 2)).isEqualTo("1234.56");
    assertThat(Csv.decimal(5, 2)).isEqualTo("0.05");
    assertThat(Csv.decimal(-5, 2)).isEqualTo("-0.05");
    assertThat(Csv.decimal(1, 3)).isEqualTo("0.001");
    assertThat(Csv.decimal(7, 0)).isEqualTo("7");
    assertThat(Csv.decimal((1L << 53) - 1, 2)).isEqualTo("90071992547409.91");
  }

  @Test
  @DisplayName("text a spreadsheet would run as a formula is defused, and separators are quoted")
  void cells() {
    String csv = new Csv(List.of("a", "b", "c", "d")).row(Arrays.asList("=HYPERLINK(\"x\")", "x,y", -5L, null)).text();

    assertThat(csv).isEqualTo("a,b,c,d\r\n\"'=HYPERLINK(\"\"x\"\")\",\"x,y\",-5,\r\n");
  }
}
