package dev.wallet.ledger;

import static dev.wallet.balancecache.testing.MoneyCore.owner;
import static org.assertj.core.api.Assertions.assertThat;

import dev.wallet.balancecache.BalanceCache;
import dev.wallet.balancecache.model.Outcome;
import dev.wallet.balancecache.model.OutcomeCode;
import dev.wallet.balancecache.model.TransferView;
import dev.wallet.balancecache.model.WalletId;
import dev.wallet.balancecache.testing.Await;
import dev.wallet.balancecache.testing.MoneyCore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DoubleSpendTest {

  private LedgerFixture ledger;
  private BalanceCache cache;
  private MoneyCore core;

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
    cache = ledger.moneyCore();
    core = new MoneyCore(cache);
    ledger.startWriter();
  }

  @AfterEach
  void stop() {
    ledger.close();
  }

  @Test
  @DisplayName("a wallet holding 100 sent 200 concurrent transfers of 7 pays exactly 14 of them and keeps 2, and the ledger agrees")
  void exactlyFourteenSucceed() {
    String alice = owner();
    WalletId payer = core.funded(alice, 100);
    List<WalletId> payees = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      payees.add(core.openNear(owner(), payer));
      payees.add(core.openElsewhere(owner(), payer));
    }

    List<Future<Outcome<TransferView>>> transfers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      transfers.add(core.transfer(payer, payees.get(i % payees.size()), 7, alice));
    }
    Await.result(Future.join(transfers));

    List<OutcomeCode> codes = transfers.stream().map(f -> f.result().code()).toList();
    assertThat(codes.stream().filter(c -> c == OutcomeCode.OK)).hasSize(14);
    assertThat(codes.stream().filter(c -> c == OutcomeCode.INSUFFICIENT_FUNDS)).hasSize(186);
    assertThat(core.available(payer)).isEqualTo(2);
    assertThat(payees.stream().mapToLong(core::available).sum()).isEqualTo(98);

    ledger.awaitDrained(Duration.ofSeconds(30));
    assertThat(ledger.ledgerBalance(payer)).containsExactly(2, 0, 15);
    assertThat(ledger.count("SELECT count(*) FROM entries WHERE account_id = $1 AND amount = -7", payer.value()))
      .isEqualTo(14);
    for (WalletId payee : payees) {
      assertThat(ledger.ledgerBalance(payee)[0]).isEqualTo(core.available(payee));
    }
  }
}
