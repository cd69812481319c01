package dev.wallet.limits.impl;

import dev.wallet.balancecache.async.Sequential;
import dev.wallet.ledger.LedgerMovement;
import dev.wallet.ledger.LedgerMovements;
import dev.wallet.limits.model.AmlRules;
import io.vertx.core.Future;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The three monitors applied to one batch of new movements, inside the monitor's transaction.
 * Each flag's key says what it is about (a posting; an owner's first near-threshold movement of a
 * window; a wallet's first incoming movement of a window), and a window leaves out the postings
 * earlier flags of its kind about the same owner hold, so the same pattern is not flagged again and
 * what follows it is judged on its own. A key this batch flagged already is not written again (the
 * database would keep the first anyway), nor is its evidence gathered.
 */
final class Detection {

  private final SqlConnection conn;
  private final LedgerMovements ledger;
  private final AmlRules aml;
  private final AmlCredits credits;
  private static final String STRUCTURING = "structuring";
  private static final String RAPID_IN_OUT = "rapid_in_out";

  private final Set<String> flagged = new HashSet<>();

  /** {@code ledger} and {@code credits} read within the transaction of {@code conn}, which the flags are written in. */
  Detection(SqlConnection conn, LedgerMovements ledger, AmlRules aml, AmlCredits credits) {
    this.conn = conn;
    this.ledger = ledger;
    this.aml = aml;
    this.credits = credits;
  }

  /**
   * One movement after the other. Structuring looks at each near-threshold movement's window of its
   * owner, rapid in-and-out at each outgoing movement's window of its wallet; each owner's and each
   * wallet's movements that could show the pattern are read once per batch.
   */
  Future<Void> run(List<LedgerMovement> movements) {
    return structuringWindows(movements).compose(owners -> rapidWindows(movements)
      .compose(wallets -> Sequential.forEach(movements, m -> large(m)
        .compose(done -> structuring(m, Optional.ofNullable(owners.get(ownerAndCurrency(m)))))
        .compose(done -> rapidInOut(m, Optional.ofNullable(wallets.get(m.walletId())))))));
  }

  /**
   * For each owner and currency with a movement that structuring looks at, the owner's movements just
   * below the threshold over the batch's span of them with the window before it.
   */
  private Future<Map<List<String>, MovementTimeline>> structuringWindows(List<LedgerMovement> movements) {
    Map<List<String>, List<LedgerMovement>> nearThreshold = movements.stream().filter(this::nearThreshold)
      .collect(Collectors.groupingBy(Detection::ownerAndCurrency, LinkedHashMap::new, Collectors.toList()));
    Map<List<String>, MovementTimeline> timelines = new LinkedHashMap<>();
    return Sequential.forEach(List.copyOf(nearThreshold.entrySet()), owner -> {
      List<LedgerMovement> made = owner.getValue();
      long threshold = aml.largeTransaction().get(made.get(0).currency());
      Instant from = made.stream().map(LedgerMovement::createdAt).min(Instant::compareTo).orElseThrow()
        .minus(Duration.ofHours(aml.structuringWindowHours()));
      Instant to = made.stream().map(LedgerMovement::createdAt).max(Instant::compareTo).orElseThrow();
      return ledger.madeByOwner(made.get(0).ownerId(), made.get(0).currency(), from, to,
          aml.structuringFloor(threshold), threshold)
        .onSuccess(window -> timelines.put(owner.getKey(), new MovementTimeline(window))).mapEmpty();
    }).map(done -> timelines);
  }

  private static List<String> ownerAndCurrency(LedgerMovement m) {
    return List.of(m.ownerId(), m.currency());
  }

  /** A movement its owner made, of the structuring floor up to (not including) the large-transaction threshold. */
  private boolean nearThreshold(LedgerMovement m) {
    Long threshold = aml.largeTransaction().get(m.currency());
    return threshold != null && m.madeByOwner() && m.size() < threshold && m.size() >= aml.structuringFloor(threshold);
  }

  /**
   * The movements, over the batch's whole span (with its window before it), of the wallets that
   * could have taken in the rapid in-and-out minimum over that span: only those can show the
   * pattern. Whether they could is read from the sums of their credits by minute ({@link AmlCredits}),
   * so a busy wallet that took in less costs a row a minute instead of its window's movements.
   */
  private Future<Map<String, MovementTimeline>> rapidWindows(List<LedgerMovement> movements) {
    List<LedgerMovement> outgoing = movements.stream()
      .filter(m -> m.outgoing() && aml.rapidMinIn().containsKey(m.currency())).toList();
    if (outgoing.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Instant from = outgoing.stream().map(LedgerMovement::createdAt).min(Instant::compareTo).orElseThrow()
      .minus(Duration.ofMinutes(aml.rapidWindowMinutes()));
    Instant to = outgoing.stream().map(LedgerMovement::createdAt).max(Instant::compareTo).orElseThrow();
    List<String> wallets = outgoing.stream().map(LedgerMovement::walletId).distinct().toList();
    return credits.credited(wallets, from, to)
      .map(this::candidates)
      .compose(candidates -> candidates.isEmpty() ? Future.succeededFuture(Map.of())
        : ledger.ofWallets(List.copyOf(candidates), from, to)
          .map(window -> window.stream()
            .collect(Collectors.groupingBy(LedgerMovement::walletId, LinkedHashMap::new,
              Collectors.collectingAndThen(Collectors.toList(), MovementTimeline::new)))));
  }

  private Set<String> candidates(List<LedgerMovements.Credited> credited) {
    Set<String> wallets = new HashSet<>();
    for (LedgerMovements.Credited sum : credited) {
      Long minIn = aml.rapidMinIn().get(sum.currency());
      if (minIn != null && sum.creditedMinor() >= minIn) {
        wallets.add(sum.walletId());
      }
    }
    return wallets;
  }

  private Future<Void> large(LedgerMovement m) {
    Long threshold = aml.largeTransaction().get(m.currency());
    if (threshold == null || m.size() < threshold || m.returned()) {
      return Future.succeededFuture();
    }
    return flag("large:" + m.postingId() + ":" + m.walletId(), "large_transaction", m, m.size(),
      () -> List.of(m.postingId()), m.createdAt(), (m.outgoing() ? "outgoing " : "incoming ") + m.type().wire() + " of "
        + m.size() + " " + m.currency() + " at or above the threshold " + threshold);
  }

  private Future<Void> structuring(LedgerMovement m, Optional<MovementTimeline> owner) {
    if (!nearThreshold(m) || owner.isEmpty()) {
      return Future.succeededFuture();
    }
    long threshold = aml.largeTransaction().get(m.currency());
    Instant since = m.createdAt().minus(Duration.ofHours(aml.structuringWindowHours()));
    MovementTimeline.Span window = owner.get().between(since, m.createdAt());
    if (window.count() < aml.structuringMinCount()) {
      return Future.succeededFuture();
    }
    return unflagged(STRUCTURING, m, Optional.empty(), window, since)
      .compose(rest -> rest.count() < aml.structuringMinCount() ? Future.succeededFuture()
        : flag("structuring:" + m.ownerId() + ":" + m.currency() + ":" + rest.first().orElseThrow().postingId(),
          STRUCTURING, m, rest.total(), rest::postingIds, m.createdAt(),
          rest.count() + " movements of " + aml.structuringFloor(threshold) + " to " + (threshold - 1) + " "
            + m.currency() + " (just below the threshold " + threshold + ") within " + aml.structuringWindowHours()
            + " h"));
  }

  private Future<Void> rapidInOut(LedgerMovement m, Optional<MovementTimeline> timeline) {
    Long minIn = aml.rapidMinIn().get(m.currency());
    if (minIn == null || !m.outgoing() || timeline.isEmpty()) {
      return Future.succeededFuture();
    }
    Instant since = m.createdAt().minus(Duration.ofMinutes(aml.rapidWindowMinutes()));
    // from the first credit on: until 2026-12-07 money sent out before it (older money) counted as
    // gone out, so a decoy sent after a large credit was flagged with it, and the flag's evidence
    // then hid the credit from the real exit that followed
    MovementTimeline.Span window = timeline.get().between(since, m.createdAt()).fromFirstIn();
    if (!rapid(window, minIn)) {
      return Future.succeededFuture();
    }
    return unflagged(RAPID_IN_OUT, m, Optional.of(m.walletId()), window, since).map(MovementTimeline.Span::fromFirstIn)
      .compose(rest -> !rapid(rest, minIn) ? Future.succeededFuture()
        : flag("rapid:" + m.walletId() + ":" + rest.firstIn().orElseThrow().postingId(), RAPID_IN_OUT, m,
          rest.wentOut(), rest::postingIds, m.createdAt(), rest.cameIn() + " " + m.currency() + " came in and "
            + rest.wentOut() + " went out within " + aml.rapidWindowMinutes() + " min"));
  }

  private boolean rapid(MovementTimeline.Span window, long minIn) {
    return window.firstIn().isPresent() && window.cameIn() >= minIn
      && Math.multiplyExact(window.wentOut(), 100) >= Math.multiplyExact(window.cameIn(), aml.rapidOutPercent());
  }

  /**
   * The window but the postings that earlier flags of {@code kind} about the same owner (and wallet)
   * hold: a pattern is flagged once, and what follows it is judged on its own. Until 2026-12-07 a
   * flag was keyed by its window's first movement alone, so a larger pattern in the same window had
   * the key of a flag raised already (perhaps dismissed), and was never flagged; and once the window
   * slid past that movement, a new flag repeated movements flagged before. A flag about these
   * postings ends at its latest, so only flags since the window's start can hold any.
   */
  private Future<MovementTimeline.Span> unflagged(String kind, LedgerMovement m, Optional<String> wallet,
                                                  MovementTimeline.Span window, Instant since) {
    return conn.preparedQuery(SqlQueries.FLAGGED_POSTINGS)
      .execute(Tuple.of(kind, m.ownerId(), m.currency(), wallet.orElse(null), PgCompliance.utc(since)))
      .map(rows -> {
        Set<String> flaggedBefore = new HashSet<>();
        rows.forEach(row -> flaggedBefore.addAll(Arrays.asList(row.getArrayOfStrings("posting_ids"))));
        return window.without(flaggedBefore);
      });
  }

  private Future<Void> flag(String key, String kind, LedgerMovement m, long total, Supplier<List<String>> evidence,
                            Instant occurredAt, String detail) {
    if (!flagged.add(key)) {
      return Future.succeededFuture();
    }
    return conn.preparedQuery(SqlQueries.INSERT_FLAG).execute(Tuple.from(List.of(key, kind, m.ownerId(), m.walletId(),
      m.currency(), total, evidence.get().toArray(String[]::new), PgCompliance.utc(occurredAt), detail))).mapEmpty();
  }
}
