package dev.wallet.ledger.impl;

import dev.wallet.balancecache.HotTierAccess;
import dev.wallet.balancecache.HotTierAccess.MovementAtSource;
import dev.wallet.balancecache.outbox.MovementKind;
import dev.wallet.ledger.LedgerNodes;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * In the ledger, the steps of every cross-shard movement agree: what its debit put into the source
 * shard's in-transit account, its credit took out on the destination's shard, or its reversal back
 * out on the source's; never both; no credit or reversal without its debit; and no debit left
 * without an end that nothing in the hot tier will bring. Together with each in-transit account
 * compared with the ledger at the same sequence (the per-account check), this accounts for the
 * money in transit movement by movement, on one snapshot of the ledger, however much crosses
 * shards meanwhile: the hot tier's in-transit check ({@link InTransitCheck}) only concludes while
 * nothing does.
 *
 * <p>A run reads the movements with a step recorded since the previous run (a completion too), and
 * every step of those and of the movements earlier runs left waiting. Two waits are normal for a while: a credit
 * before its debit (the source shard's writer may commit after the destination's), and a debit
 * before its credit or reversal (the saga takes milliseconds, or as long as the destination's shard
 * is unwritable). Each is looked at again on later runs; past the stall bound, a credit without a
 * debit is a finding, and so is a debit whose movement the hot tier no longer drives (no record,
 * or in no pending set). A completion moves no money: a debit into transit that is completed ends
 * only with its credit, which the destination shard's writer may commit after the completion; from
 * the run that first sees the completion it waits the bound again, and past it is a finding, since
 * the hot tier finished the movement and nothing will credit it (a credit the destination's master
 * applied and lost in a failover leaves the money in transit for good, the hot tier and the ledger
 * agreeing). These waits are kept in memory (at most {@link #MAX_WAITING} movements
 * each): a restarted writer forgets them, but reads again at least a stall bound of steps before
 * the last completed run ({@code Reconciler.resumeFromLastRun}), so a movement still waiting is
 * looked at again; its wait starts over, so it is reported at most one bound later.
 *
 * <p>A transfer between regions has its debit and end in the source region's ledger, with the
 * region's clearing account instead of transit, and its credit in the destination's: here a debit
 * that put nothing into transit waits for its end (completed or reversed), and a credit from another
 * region waits for nothing.
 */
final class MovementStepsCheck {

  static final int MAX_WAITING = 100_000;

  private enum Step { DEBIT, CREDIT, REVERSAL, COMPLETION }

  private static final Map<String, Step> STEP_OF_TYPE = Arrays.stream(MovementKind.values())
    .flatMap(kind -> Map.of(kind.debit(), Step.DEBIT, kind.credit(), Step.CREDIT, kind.reversed(), Step.REVERSAL,
      kind.completed(), Step.COMPLETION).entrySet().stream())
    .collect(Collectors.toUnmodifiableMap(e -> e.getKey().wire(), Map.Entry::getValue));
  private static final String[] ALL_STEPS = STEP_OF_TYPE.keySet().toArray(String[]::new);

  private final Duration bound;
  private final HotTierAccess hotTier;
  /** Movements credited or reversed in the ledger whose debit is not there yet, since when. */
  private final Map<String, Instant> awaitingDebit = new ConcurrentHashMap<>();
  /** Movements debited in the ledger with neither a credit nor a reversal there yet, since when. */
  private final Map<String, Instant> awaitingEnd = new ConcurrentHashMap<>();
  /** Movements debited into transit and completed in the ledger whose credit is not there yet, since when. */
  private final Map<String, Instant> awaitingCredit = new ConcurrentHashMap<>();

  MovementStepsCheck(Duration bound, HotTierAccess hotTier) {
    this.bound = bound;
    this.hotTier = hotTier;
  }

  /** What a step's posting moved through an in-transit account (zero, "none", when it has no such line). */
  private record Transit(long amount, String currency) {

    static final Transit NONE = new Transit(0, "none");

    Transit plus(Transit other) {
      return new Transit(amount + other.amount, currency.equals(other.currency) ? currency : "mixed currencies");
    }

    Transit negated() {
      return new Transit(-amount, currency);
    }

    @Override
    public String toString() {
      return amount + " " + currency;
    }
  }

  /** Judges the movements with a step recorded since {@code since}, and those earlier runs left waiting. */
  Future<List<Discrepancy>> check(LedgerNodes ledger, Instant since, Instant now) {
    // completions too: one recorded long after its debit (its destination unwritable meanwhile) is judged
    // by the run that reads it, also after a restart that forgot the debit's wait
    return ledger.everywhere(SqlQueries.MOVEMENTS_STEPPED_SINCE,
        Tuple.tuple().addOffsetDateTime(since.atOffset(ZoneOffset.UTC)).addArrayOfString(ALL_STEPS))
      .compose(rows -> {
        Set<String> movements = new TreeSet<>(awaitingDebit.keySet());
        movements.addAll(awaitingEnd.keySet());
        movements.addAll(awaitingCredit.keySet());
        rows.forEach(row -> movements.add(row.getString("movement")));
        List<Discrepancy> found = Collections.synchronizedList(new ArrayList<>());
        List<String> unended = Collections.synchronizedList(new ArrayList<>());
        return Reconciler.chunks(List.copyOf(movements), chunk -> ledger.everywhere(SqlQueries.MOVEMENT_STEPS,
              Tuple.tuple().addArrayOfString(chunk.toArray(String[]::new)).addArrayOfString(ALL_STEPS))
            .map(steps -> {
              judge(chunk, steps(steps), now, found, unended);
              return null;
            }))
          .compose(judged -> stranded(ledger, unended, now))
          .map(strandings -> {
            found.addAll(strandings);
            return List.copyOf(found);
          });
      });
  }

  private static Map<String, Map<Step, Transit>> steps(Iterable<Row> rows) {
    Map<String, Map<Step, Transit>> steps = new TreeMap<>();
    for (Row row : rows) {
      Transit transit = row.getLong("amount") == null ? Transit.NONE
        : new Transit(row.getLong("amount"), row.getString("currency").trim());
      steps.computeIfAbsent(row.getString("movement"), m -> new EnumMap<>(Step.class))
        .merge(STEP_OF_TYPE.get(row.getString("type")), transit, Transit::plus);
    }
    return steps;
  }

  private void judge(List<String> movements, Map<String, Map<Step, Transit>> steps, Instant now,
                     List<Discrepancy> found, List<String> unended) {
    for (String movement : movements) {
      Map<Step, Transit> of = steps.getOrDefault(movement, Map.of());
      Transit debit = of.get(Step.DEBIT);
      Transit credit = of.get(Step.CREDIT);
      Transit reversal = of.get(Step.REVERSAL);
      if (credit != null && reversal != null) {
        found.add(discrepancy(movement, "credited (" + out(credit) + ") and reversed (" + out(reversal) + ")"));
      }
      if (debit == null) {
        awaitingEnd.remove(movement);
        awaitingCredit.remove(movement);
        if ((credit == null || credit.equals(Transit.NONE)) && reversal == null) {
          // nothing, or a credit that took nothing out of transit: another region's transfer, whose debit
          // is in that region's ledger (docs/architecture.md, "Regions")
          awaitingDebit.remove(movement);
        } else if (waitedTooLong(awaitingDebit, movement, now)) {
          found.add(discrepancy(movement, (credit != null ? "its credit " + out(credit) : "its reversal "
            + out(reversal)) + ", and its debit has not been in the ledger for " + waitedFor(awaitingDebit, movement, now)));
        }
        continue;
      }
      awaitingDebit.remove(movement);
      mismatch(movement, debit, "credit", credit).ifPresent(found::add);
      mismatch(movement, debit, "reversal", reversal).ifPresent(found::add);
      awaitEnd(movement, of, now, found, unended);
    }
  }

  /**
   * A debit's end: its credit or reversal. Its completion is one only for a debit that put nothing
   * into transit (to another region, whose ledger has the credit); otherwise the completion waits for
   * its credit, and past the bound is a finding. A debit without either waits for the hot tier to
   * finish it, and past the bound is asked of it ({@link #stranded}).
   */
  private void awaitEnd(String movement, Map<Step, Transit> of, Instant now, List<Discrepancy> found,
                        List<String> unended) {
    boolean completed = of.containsKey(Step.COMPLETION);
    if (of.containsKey(Step.CREDIT) || of.containsKey(Step.REVERSAL)
      || completed && of.get(Step.DEBIT).equals(Transit.NONE)) {
      awaitingEnd.remove(movement);
      awaitingCredit.remove(movement);
    } else if (completed) {
      awaitingEnd.remove(movement);
      if (waitedTooLong(awaitingCredit, movement, now)) {
        found.add(discrepancy(movement, "debited and completed, its credit not in the ledger for "
          + waitedFor(awaitingCredit, movement, now) + ": the " + of.get(Step.DEBIT) + " its debit put into transit"
          + " stays there, as the hot tier finished the movement and nothing will credit it"));
      }
    } else if (waitedTooLong(awaitingEnd, movement, now)) {
      unended.add(movement);
    }
  }

  /** Whether {@code movement} has waited in {@code waiting} longer than the bound; it starts waiting now if new. */
  private boolean waitedTooLong(Map<String, Instant> waiting, String movement, Instant now) {
    Instant since = waiting.get(movement);
    if (since == null) {
      if (waiting.size() < MAX_WAITING) {
        waiting.put(movement, now);
      }
      return false;
    }
    return Duration.between(since, now).compareTo(bound) >= 0;
  }

  private String waitedFor(Map<String, Instant> waiting, String movement, Instant now) {
    return Duration.between(waiting.get(movement), now).toSeconds() + " s (the bound is " + bound.toSeconds() + " s)";
  }

  /**
   * The debits long without an end whose movement the hot tier no longer drives to one. A movement
   * that ended after the ledger was read may already have its record retired (which happens once its
   * end is in the ledger): the ledger is read again for those the hot tier does not know, and one
   * found completed there waits for its credit from the next run on ({@link #awaitEnd}).
   */
  private Future<List<Discrepancy>> stranded(LedgerNodes ledger, List<String> unended, Instant now) {
    List<Future<String>> asked = unended.stream().map(movement -> hotTier.movementAtSource(movement)
      .map(at -> at == MovementAtSource.STRANDED ? movement : null)).toList();
    return Future.all(asked).compose(done -> {
      List<String> unknown = asked.stream().map(Future::result).filter(m -> m != null).toList();
      if (unknown.isEmpty()) {
        return Future.succeededFuture(List.of());
      }
      return ledger.everywhere(SqlQueries.MOVEMENT_STEPS,
          Tuple.tuple().addArrayOfString(unknown.toArray(String[]::new)).addArrayOfString(ALL_STEPS))
        .map(rows -> {
          Map<String, Map<Step, Transit>> steps = steps(rows);
          return unknown.stream().filter(movement -> steps.getOrDefault(movement, Map.of()).keySet().stream()
              .noneMatch(step -> step != Step.DEBIT))
            .map(movement -> discrepancy(movement, "debited, neither credited nor reversed in the ledger for "
              + waitedFor(awaitingEnd, movement, now) + ", and its source shard in the hot tier has no pending"
              + " record of it: nothing will finish it"))
            .toList();
        });
    });
  }

  private static Optional<Discrepancy> mismatch(String movement, Transit debit, String step, Transit settling) {
    if (settling == null || settling.equals(debit.negated())) {
      return Optional.empty();
    }
    return Optional.of(discrepancy(movement, "its debit put " + debit + " into transit, its " + step + " "
      + out(settling)));
  }

  private static String out(Transit settling) {
    return "took " + settling.negated() + " out of transit";
  }

  private static Discrepancy discrepancy(String movement, String evidence) {
    return new Discrepancy(Kind.MOVEMENT_STEPS, movement, evidence);
  }
}
