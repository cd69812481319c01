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
import java.util.HashMap;
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
   * wallet's movements that could show the pattern, and the flags raised about them before, are read
   * once per batch.
   */
  Future<Void> run(List<LedgerMovement> movements) {
    EarlierFlags earlier = new EarlierFlags(conn, earliestWindows(movements));
    return structuringWindows(movements).compose(owners -> rapidWindows(movements)
      .compose(wallets -> Sequential.forEach(movements, m -> large(m)
        .compose(done -> structuring(m, Optional.ofNullable(owners.get(ownerAndCurrency(m))), earlier))
        .compose(done -> rapidInOut(m, Optional.ofNullable(wallets.get(m.walletId())), earlier)))));
  }

  /** For each subject of earlier flags the batch may ask about, the start of its earliest window. */
  private Map<EarlierFlags.Subject, Instant> earliestWindows(List<LedgerMovement> movements) {
    Map<EarlierFlags.Subject, Instant> starts = new HashMap<>();
    for (LedgerMovement m : movements) {
      if (nearThreshold(m)) {
        starts.merge(structuringSubject(m), structuringSince(m), Detection::earlier);
      }
      if (rapidCandidate(m)) {
        starts.merge(rapidSubject(m), rapidSince(m), Detection::earlier);
      }
    }
    return starts;
  }

  private static Instant earlier(Instant a, Instant b) {
    return a.isBefore(b) ? a : b;
  }

  private static EarlierFlags.Subject structuringSubject(LedgerMovement m) {
    return new EarlierFlags.Subject(STRUCTURING, m.ownerId(), m.currency(), Optional.empty());
  }

  private static EarlierFlags.Subject rapidSubject(LedgerMovement m) {
    return new EarlierFlags.Subject(RAPID_IN_OUT, m.ownerId(), m.currency(), Optional.of(m.walletId()));
  }

  private Instant structuringSince(LedgerMovement m) {
    return m.createdAt().minus(Duration.ofHours(aml.structuringWindowHours()));
  }

  private Instant rapidSince(LedgerMovement m) {
    return m.createdAt().minus(Duration.ofMinutes(aml.rapidWindowMinutes()));
  }

  /** An outgoing movement in a currency rapid in-and-out watches: its wallet's window is judged. */
  private boolean rapidCandidate(LedgerMovement m) {
    return m.outgoing() && aml.rapidMinIn().containsKey(m.currency());
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
    List<LedgerMovement> outgoing = movements.stream().filter(this::rapidCandidate).toList();
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
        + m.size() + " " + m.currency() + " at or above the threshold " + threshold).mapEmpty();
  }

  private Future<Void> structuring(LedgerMovement m, Optional<MovementTimeline> owner, EarlierFlags earlier) {
    if (!nearThreshold(m) || owner.isEmpty()) {
      return Future.succeededFuture();
    }
    long threshold = aml.largeTransaction().get(m.currency());
    Instant since = structuringSince(m);
    MovementTimeline.Span window = owner.get().between(since, m.createdAt());
    if (window.count() < aml.structuringMinCount()) {
      return Future.succeededFuture();
    }
    EarlierFlags.Subject subject = structuringSubject(m);
    return unflagged(earlier, subject, window, since)
      .compose(rest -> rest.count() < aml.structuringMinCount() ? Future.succeededFuture()
        : flagPattern(earlier, subject, "structuring:" + m.ownerId() + ":" + m.currency() + ":"
          + rest.first().orElseThrow().postingId(), m, rest, rest.total(),
          rest.count() + " movements of " + aml.structuringFloor(threshold) + " to " + (threshold - 1) + " "
            + m.currency() + " (just below the threshold " + threshold + ") within " + aml.structuringWindowHours()
            + " h"));
  }

  private Future<Void> rapidInOut(LedgerMovement m, Optional<MovementTimeline> timeline, EarlierFlags earlier) {
    if (!rapidCandidate(m) || timeline.isEmpty()) {
      return Future.succeededFuture();
    }
    long minIn = aml.rapidMinIn().get(m.currency());
    Instant since = rapidSince(m);
    // from the first credit on: until 2026-12-07 money sent out before it (older money) counted as
    // gone out, so a decoy sent after a large credit was flagged with it, and the flag's evidence
    // then hid the credit from the real exit that followed
    MovementTimeline.Span window = timeline.get().between(since, m.createdAt()).fromFirstIn();
    if (!rapid(window, minIn)) {
      return Future.succeededFuture();
    }
    EarlierFlags.Subject subject = rapidSubject(m);
    return unflagged(earlier, subject, window, since).map(MovementTimeline.Span::fromFirstIn)
      .compose(rest -> !rapid(rest, minIn) ? Future.succeededFuture()
        : flagPattern(earlier, subject, "rapid:" + m.walletId() + ":" + rest.firstIn().orElseThrow().postingId(), m,
          rest, rest.wentOut(), rest.cameIn() + " " + m.currency() + " came in and "
            + rest.wentOut() + " went out within " + aml.rapidWindowMinutes() + " min"));
  }

  private boolean rapid(MovementTimeline.Span window, long minIn) {
    return window.firstIn().isPresent() && window.cameIn() >= minIn
      && Math.multiplyExact(window.wentOut(), 100) >= Math.multiplyExact(window.cameIn(), aml.rapidOutPercent());
  }

  /**
   * The window but the postings that earlier flags about {@code subject} (the same kind, owner and,
   * for rapid in-and-out, wallet) hold: a pattern is flagged once, and what follows it is judged on its own. Until 2026-12-07 a
   * flag was keyed by its window's first movement alone, so a larger pattern in the same window had
   * the key of a flag raised already (perhaps dismissed), and was never flagged; and once the window
   * slid past that movement, a new flag repeated movements flagged before. A flag about these
   * postings ends at its latest, so only flags since the window's start can hold any.
   */
  private static Future<MovementTimeline.Span> unflagged(EarlierFlags earlier, EarlierFlags.Subject subject,
                                                         MovementTimeline.Span window, Instant since) {
    return earlier.heldSince(subject, since).map(window::without);
  }

  /** A structuring or rapid in-and-out flag of {@code pattern}, which later windows of its subject leave out. */
  private Future<Void> flagPattern(EarlierFlags earlier, EarlierFlags.Subject subject, String key, LedgerMovement m,
                                   MovementTimeline.Span pattern, long total, String detail) {
    return flag(key, subject.kind(), m, total, pattern::postingIds, m.createdAt(), detail)
      .map(written -> {
        if (written) {
          earlier.raised(subject, m.createdAt(), pattern.postingIds());
        }
        return null;
      });
  }

  /** Writes a flag unless one of its key exists; true when this wrote it. */
  private Future<Boolean> flag(String key, String kind, LedgerMovement m, long total, Supplier<List<String>> evidence,
                               Instant occurredAt, String detail) {
    if (!flagged.add(key)) {
      return Future.succeededFuture(false);
    }
    return conn.preparedQuery(SqlQueries.INSERT_FLAG).execute(Tuple.from(List.of(key, kind, m.ownerId(), m.walletId(),
        m.currency(), total, evidence.get().toArray(String[]::new), PgCompliance.utc(occurredAt), detail)))
      .map(inserted -> inserted.rowCount() == 1);
  }
}
