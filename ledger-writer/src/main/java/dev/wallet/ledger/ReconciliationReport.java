package dev.wallet.ledger;

import dev.wallet.balancecache.model.WalletId;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One reconciliation run: what it covered, what disagreed (with the evidence), which wallets were
 * frozen and which findings halted all money movement because of it; or that it failed, and why. {@code ok} only when the run completed and
 * nothing disagreed: a run that could not check is not a clean run.
 *
 * @param scope           what the run covered: every shard, or a slice of them plus the wallets the ledger saw move
 * @param globalChecks    whether this run also checked that all accounts sum to zero and the in-transit accounts
 * @param inTransitChecked whether the in-transit check concluded: false when the run had no global checks, or
 *                        when cross-shard movements were under way at every reading (it then found nothing, for
 *                        lack of a settled reading, not because the accounts agree)
 * @param walletsCompared wallets whose Redis balance was compared with the ledger at the same sequence
 * @param walletsBehind   wallets the ledger has not caught up with yet (normal lag: compared next run)
 * @param ledgerTotals    per currency, the sum over every account of its last balance_after (zero)
 * @param haltsRaised     the findings of scope {@link Scope#EVERYTHING} this run halted money movement for
 *                        ("KIND subject"); a finding already halted, or released since the run started, is not
 * @param failure         why the run could not complete (Redis or PostgreSQL unreachable...), or null
 */
public record ReconciliationReport(String instance, Instant startedAt, Instant finishedAt, String scope,
                                   boolean globalChecks, boolean inTransitChecked, long walletsCompared,
                                   long walletsBehind, Map<String, Long> ledgerTotals, List<Discrepancy> discrepancies,
                                   List<String> frozenWallets, List<String> haltsRaised, String failure) {

  public ReconciliationReport {
    ledgerTotals = Map.copyOf(ledgerTotals);
    discrepancies = List.copyOf(discrepancies);
    frozenWallets = List.copyOf(frozenWallets);
    haltsRaised = List.copyOf(haltsRaised);
  }

  /** A run that could not complete: nothing was established, and it says so. */
  public static ReconciliationReport failed(String instance, Instant startedAt, Instant finishedAt, String scope,
                                            String failure) {
    return new ReconciliationReport(instance, startedAt, finishedAt, scope, false, false, 0, 0, Map.of(), List.of(),
      List.of(), List.of(), failure);
  }

  public boolean ok() {
    return failure == null && discrepancies.isEmpty();
  }

  /** What disagreed: {@code kind} says which check, {@code subject} what it is about (a wallet, a posting, a currency). */
  public record Discrepancy(Kind kind, String subject, String evidence) {

    /**
     * What must stop moving money: a wallet's own finding stops that wallet; anything else (a
     * system account, a posting, a currency's total, the in-transit accounts) cannot be pinned on
     * one wallet or one shard, so it stops everything.
     */
    public Scope scope() {
      return WalletId.isWalletId(subject) && kind.aboutOneAccount ? Scope.WALLET : Scope.EVERYTHING;
    }

    /** How a halt names the finding it was raised for. */
    public String describe() {
      return kind + " " + subject;
    }
  }

  /**
   * What a discrepancy stops. There is no shard scope: the findings not about one wallet are about
   * money that crossed shards or left the hot tier (a system account is one shard's side of
   * movements whose other side is on another shard or outside), so stopping one shard would stop
   * one side of a disagreeing movement and not the other.
   */
  public enum Scope {
    /** The wallet is frozen (reads work, money does not move). */
    WALLET,
    /** Every edge refuses money movements (503 halted) until a person releases the halt. */
    EVERYTHING
  }

  public enum Kind {
    /** Redis and the ledger hold different balances for a wallet at the same sequence. */
    WALLET_BALANCE(true),
    /** The ledger has postings of a wallet that Redis does not (a lost write, a bad rebuild). */
    WALLET_AHEAD_OF_REDIS(true),
    /** Redis and the ledger hold different balances for a system account at the same sequence. */
    SYSTEM_ACCOUNT_BALANCE(true),
    /** The ledger has postings of a system account that Redis does not. */
    SYSTEM_ACCOUNT_AHEAD_OF_REDIS(true),
    /**
     * The ledger has stayed behind an account's Redis sequence, without advancing, for longer than
     * normal lag ever lasts: an outbox entry was lost (or its shard's writer is stuck).
     */
    LEDGER_STALLED(true),
    /** A posting whose entries do not sum to zero per currency. */
    UNBALANCED_POSTING(false),
    /** An account's sequence has a hole, or a balance_after does not follow from the amounts. */
    BROKEN_SEQUENCE(true),
    /** All accounts together do not sum to zero. */
    LEDGER_TOTAL(false),
    /** The in-transit accounts do not hold what the pending transfers say. */
    IN_TRANSIT(false),
    /**
     * A cross-shard movement's steps disagree in the ledger: its credit or reversal takes out of
     * transit other than its debit put in, it is both credited and reversed, or it has no debit.
     */
    MOVEMENT_STEPS(false);

    /** Whether the subject is one account (a wallet or a system account). */
    private final boolean aboutOneAccount;

    Kind(boolean aboutOneAccount) {
      this.aboutOneAccount = aboutOneAccount;
    }
  }

  public JsonObject toJson() {
    JsonArray found = new JsonArray();
    discrepancies.forEach(d -> found.add(new JsonObject().put("kind", d.kind().name()).put("subject", d.subject())
      .put("evidence", d.evidence())));
    JsonObject totals = new JsonObject();
    ledgerTotals.forEach(totals::put);
    return new JsonObject().put("instance", instance).put("startedAt", startedAt.toString())
      .put("finishedAt", finishedAt.toString()).put("ok", ok()).put("scope", scope).put("globalChecks", globalChecks)
      .put("inTransitChecked", inTransitChecked).put("walletsCompared", walletsCompared)
      .put("walletsBehind", walletsBehind).put("ledgerTotals", totals)
      .put("discrepancies", found).put("frozenWallets", new JsonArray(frozenWallets))
      .put("haltsRaised", new JsonArray(haltsRaised)).put("failure", failure);
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
    List<String> halts = new ArrayList<>();
    json.getJsonArray("haltsRaised", new JsonArray()).forEach(h -> halts.add((String) h));
    return new ReconciliationReport(json.getString("instance"), Instant.parse(json.getString("startedAt")),
      Instant.parse(json.getString("finishedAt")), json.getString("scope", "every shard"),
      json.getBoolean("globalChecks", true),
      // reports from before the field: the in-transit check then always concluded when the global checks ran
      json.getBoolean("inTransitChecked", json.getBoolean("globalChecks", true)),
      json.getLong("walletsCompared"), json.getLong("walletsBehind"), totals, found, frozen, halts,
      json.getString("failure"));
  }
}
