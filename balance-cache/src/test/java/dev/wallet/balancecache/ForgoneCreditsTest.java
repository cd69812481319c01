package dev.wallet.balancecache;

import static dev.wallet.balancecache.testing.MoneyCore.USD;
import static dev.wallet.balancecache.testing.MoneyCore.key;
import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.command.Credit;
import dev.wallet.balancecache.model.Credited;
import dev.wallet.balancecache.model.Money;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.SystemAccount;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCoreTest;
import io.vertx.core.Future;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link BalanceCache#forgoCredit}: a deposit whose reversal the wallet learnt before crediting it
 * forgoes its credit, and whoever read the deposit before the reversal may still be sending that
 * credit. The credit's key decides which came first, once.
 */
class ForgoneCreditsTest extends MoneyCoreTest {

  @Test
  @DisplayName("a credit forgone before it was made is never made: the credit asked afterwards is refused "
    + "CREDIT_FORGONE and moves nothing")
  void forgoneFirst() {
    WalletId wallet = core.open(owner());
    Credit credit = deposit(wallet, 400);

    Outcome<Credited> forgone = Await.result(cache.forgoCredit(credit));
    Outcome<Credited> late = Await.result(cache.credit(credit));
    Outcome<Credited> again = Await.result(cache.forgoCredit(credit));

    assertThat(forgone.code()).isEqualTo(OutcomeCode.CREDIT_FORGONE);
    assertThat(forgone.replayed()).isFalse();
    assertThat(late.code()).isEqualTo(OutcomeCode.CREDIT_FORGONE);
    assertThat(late.replayed()).isTrue();
    assertThat(again.code()).isEqualTo(OutcomeCode.CREDIT_FORGONE);
    assertThat(core.available(wallet)).isZero();
    assertThat(core.wallet(wallet).seq()).isZero();
  }

  @Test
  @DisplayName("a credit made before it is forgone stays made: the forgoing replays it, OK, and moves nothing")
  void creditedFirst() {
    WalletId wallet = core.open(owner());
    Credit credit = deposit(wallet, 400);

    Outcome<Credited> credited = Await.result(cache.credit(credit));
    Outcome<Credited> forgone = Await.result(cache.forgoCredit(credit));

    assertThat(credited.code()).isEqualTo(OutcomeCode.OK);
    assertThat(forgone.code()).isEqualTo(OutcomeCode.OK);
    assertThat(forgone.replayed()).isTrue();
    assertThat(forgone.value().postingId()).isEqualTo(credited.value().postingId());
    assertThat(core.available(wallet)).isEqualTo(400);
    assertThat(core.wallet(wallet).seq()).isEqualTo(1);
  }

  @Test
  @DisplayName("credits and their forgoing sent at once all end one way: every answer OK and the money credited "
    + "once, or every answer CREDIT_FORGONE and nothing credited")
  void racing() {
    for (int round = 0; round < 20; round++) {
      WalletId wallet = core.open(owner());
      Credit credit = deposit(wallet, 400);

      List<Future<Outcome<Credited>>> sent = IntStream.range(0, 20)
        .mapToObj(i -> i % 2 == 0 ? cache.credit(credit) : cache.forgoCredit(credit)).toList();
      Await.result(Future.all(sent));

      List<OutcomeCode> codes = sent.stream().map(answer -> answer.result().code()).distinct().toList();
      assertThat(codes).as("round " + round).hasSize(1);
      boolean credited = codes.get(0) == OutcomeCode.OK;
      assertThat(codes.get(0)).isIn(OutcomeCode.OK, OutcomeCode.CREDIT_FORGONE);
      assertThat(core.available(wallet)).isEqualTo(credited ? 400 : 0);
      assertThat(core.wallet(wallet).seq()).isEqualTo(credited ? 1 : 0);
    }
  }

  private static Credit deposit(WalletId wallet, long minor) {
    return new Credit(wallet, new Money(minor, USD), SystemAccount.clearing("sandbox", USD), PostingType.DEPOSIT,
      "d-" + UUID.randomUUID(), key("deposit"));
  }
}
