package dev.wallet.edge.funds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.model.Money;
import dev.wallet.edge.gateway.GatewayStatus;
import dev.wallet.edge.gateway.GatewayStatus.State;
import java.util.Currency;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Which answers of a gateway, asked about a movement, disagree with it about the amount. */
class GatewayAnswerAmountTest {

  private static final Currency USD = Currency.getInstance("USD");
  private static final Money ASKED = new Money(900, USD);

  @Test
  @DisplayName("money moved for another amount (or currency) disagrees; the same amount, or none named, does not")
  void movedOtherThanAsked() {
    assertThat(GatewayMovements.movedOtherThanAsked(ASKED, answer(State.SUCCEEDED, new Money(899, USD)))).isTrue();
    assertThat(GatewayMovements.movedOtherThanAsked(ASKED, answer(State.REVERSED, new Money(899, USD)))).isTrue();
    assertThat(GatewayMovements.movedOtherThanAsked(ASKED, answer(State.SUCCEEDED,
      new Money(900, Currency.getInstance("EUR"))))).isTrue();
    assertThat(GatewayMovements.movedOtherThanAsked(ASKED, answer(State.SUCCEEDED, ASKED))).isFalse();
    assertThat(GatewayMovements.movedOtherThanAsked(ASKED, new GatewayStatus(State.SUCCEEDED, Optional.empty(),
      Optional.empty(), Optional.empty()))).isFalse();
  }

  @Test
  @DisplayName("a decline or a pending answer moved nothing, whatever amount it names (a gateway may give 0 or a part)")
  void nothingMovedNamesAnyAmount() {
    assertThat(GatewayMovements.movedOtherThanAsked(ASKED, answer(State.FAILED, new Money(0, USD)))).isFalse();
    assertThat(GatewayMovements.movedOtherThanAsked(ASKED, answer(State.PENDING, new Money(450, USD)))).isFalse();
  }

  private static GatewayStatus answer(State state, Money amount) {
    return new GatewayStatus(state, Optional.of("ref"), Optional.empty(), Optional.of(amount));
  }
}
