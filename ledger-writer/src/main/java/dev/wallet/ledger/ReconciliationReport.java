package dev.wallet.ledger;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One reconciliation run: what was compared, what disagreed (with the evidence), and which
 * wallets were frozen because of it. {@code ok} only when nothing disagreed.
 *
 * @param walletsCompared wallets whose Redis balance was compared with the ledger at the same sequence
 * @param walletsBehind   wallets the ledger has not caught up with yet (normal lag: compared next run)
 * @param ledgerTotals    per currency, the sum over every account of its last balance_after (zero)
 */
public record ReconciliationReport(String instance, Instant startedAt, Instant finishedAt, long walletsCompared,
                                   long walletsBehind, Map<String, Long> ledgerTotals,
                                   List<Discrepancy> discrepancies, List<String> frozenWallets) {

  public ReconciliationReport {
    ledgerTotals = Map.copyOf(ledgerTotals);
    discrepancies = List.copyOf(discrepancies);
    frozenWallets = List.copyOf(frozenWallets);
  }

  public boolean ok() {
    return discrepancies.isEmpty();
  }

  /** What disagreed: {@code kind} says which check, {@code subject} what it is about (a wallet, a posting, a currency). */
  public record Discrepancy(Kind kind, String subject, String evidence) {
  }

  public enum Kind {
    /** Redis and the ledger hold different balances for a wallet at the same sequence. */
    WALLET_BALANCE,
    /** The ledger has postings of a wallet that Redis does not (a lost write, a bad rebuild). */
    WALLET_AHEAD_OF_REDIS,
    /** A posting whose entries do not sum to zero per currency. */
    UNBALANCED_POSTING,
    /** An account's sequence has a hole, or a balance_after does not follow from the amounts. */
    BROKEN_SEQUENCE,
    /** All accounts together do not sum to zero. */
    LEDGER_TOTAL,
    /** The in-transit accounts do not hold what the pending transfers say. */
    IN_TRANSIT
  }

  public JsonObject toJson() {
    JsonArray found = new JsonArray();
    discrepancies.forEach(d -> found.add(new JsonObject().put("kind", d.kind().name()).put("subject", d.subject())
      .put("evidence", d.evidence())));
    JsonObject totals = new JsonObject();
    ledgerTotals.forEach(totals::put);
    return new JsonObject().put("instance", instance).put("startedAt", startedAt.toString())
      .put("finishedAt", finishedAt.toString()).put("ok", ok()).put("walletsCompared", walletsCompared)
      .put("walletsBehind", walletsBehind).put("ledgerTotals", totals).put("discrepancies", found)
      .put("frozenWallets", new JsonArray(frozenWallets));
  }

  public static ReconciliationReport fromJson(JsonObject json) {
    List<Discrepancy> found = new ArrayList<>();
    json.getJsonArray("discrepancies").forEach(d -> {
      JsonObject o = (JsonObject) d;
      found.add(new Discrepancy(Kind.valueOf(o.getString("kind")), o.getString("subject"), o.getString("evidence")));
    });
    Map<String, Long> totals = new TreeMap<>();
    json.getJsonObject("ledgerTotals").forEach(e -> totals.put(e.getKey(), ((Number) e.getValue()).longValue()));
    List<String> frozen = new ArrayList<>();
    json.getJsonArray("frozenWallets").forEach(w -> frozen.add((String) w));
    return new ReconciliationReport(json.getString("instance"), Instant.parse(json.getString("startedAt")),
      Instant.parse(json.getString("finishedAt")), json.getLong("walletsCompared"), json.getLong("walletsBehind"),
      totals, found, frozen);
  }
}
