package dev.wallet.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.wallet.balancecache.outbox.MovementKind;
import dev.wallet.balancecache.outbox.OutboxRecord;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.balancecache.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Row;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One posting vocabulary: the enum balance-cache owns, the names its scripts write, and the list the
 * ledger's CHECK constraint accepts are the same. A name renamed or added in one place only fails
 * here (the scripts' side: {@code AuthorizationsLedgerTest} and {@code LedgerWriterTest} run them and
 * the ledger refuses a name outside the constraint).
 */
@ExtendWith(VertxExtension.class)
class PostingVocabularyTest {

  private static final Pattern QUOTED = Pattern.compile("'([^']*)'");

  private LedgerFixture ledger;

  @BeforeEach
  void start(Vertx vertx) {
    ledger = new LedgerFixture(vertx);
  }

  @AfterEach
  void stop() {
    ledger.close();
  }

  @Test
  @DisplayName("the ledger's CHECK constraint on postings.type, read from the PostgreSQL catalog, lists exactly "
    + "the wire names of PostingType")
  void constraintListsTheEnum() {
    Row row = Await.result(ledger.pool().query("""
      SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c
       WHERE c.conrelid = 'postings'::regclass AND c.conname = 'postings_type_known'""").execute())
      .iterator().next();
    Set<String> allowed = quoted(row.getString(0));

    assertThat(allowed).containsExactlyInAnyOrderElementsOf(
      Arrays.stream(PostingType.values()).map(PostingType::wire).toList());
  }

  @Test
  @DisplayName("the ledger refuses a posting whose type is outside the vocabulary")
  void ledgerRefusesAnUnknownType() {
    Await.result(ledger.pool().query("SELECT ledger_ensure_month(now()::date)").execute());

    assertThatThrownBy(() -> Await.result(ledger.pool().query("""
      INSERT INTO postings (id, type, shard, created_at, stream_id)
      VALUES ('vocabulary-test', 'transfer_sent', 's0000', now(), '0-1')""").execute()))
      .hasMessageContaining("postings_type_known");
  }

  @Test
  @DisplayName("every saga step a movement kind names is the posting type its script composes: <kind>_<step>")
  void sagaStepsAreComposedAsTheScriptsDo() {
    for (MovementKind kind : MovementKind.values()) {
      kind.sameShard().ifPresent(oneScript -> assertThat(oneScript.wire()).isEqualTo(kind.wire()));
      assertThat(kind.debit().wire()).isEqualTo(kind.wire() + "_debit");
      assertThat(kind.credit().wire()).isEqualTo(kind.wire() + "_credit");
      assertThat(kind.completed().wire()).isEqualTo(kind.wire() + "_completed");
      assertThat(kind.reversed().wire()).isEqualTo(kind.wire() + "_reversed");
      assertThat(MovementKind.ofDebit(kind.debit())).isEqualTo(kind);
    }
    assertThat(MovementKind.SWEEP.sameShard()).as("a sweep always crosses shards").isEmpty();
    Arrays.stream(PostingType.values()).forEach(t -> assertThat(PostingType.fromWire(t.wire())).isEqualTo(t));
  }

  @Test
  @DisplayName("an outbox entry of a type outside the vocabulary does not parse, and says which")
  void unknownOutboxTypeFails() {
    String entry = "{\"v\":1,\"id\":\"x\",\"type\":\"transfer_sent\",\"shard\":\"s0000\",\"ts\":1}";

    assertThatThrownBy(() -> OutboxRecord.parse(entry)).isInstanceOf(IllegalArgumentException.class)
      .hasMessageContaining("unknown posting type 'transfer_sent'");
  }

  private static Set<String> quoted(String definition) {
    Matcher m = QUOTED.matcher(definition);
    Set<String> names = new HashSet<>();
    while (m.find()) {
      names.add(m.group(1));
    }
    assertThat(names).as("names in " + definition).isNotEmpty();
    return names;
  }
}
