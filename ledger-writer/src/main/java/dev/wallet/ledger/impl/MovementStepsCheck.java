package dev.wallet.ledger.impl;

import dev.wallet.balancecache.outbox.MovementKind;
import dev.wallet.balancecache.outbox.PostingType;
import dev.wallet.ledger.ReconciliationReport.Discrepancy;
import dev.wallet.ledger.ReconciliationReport.Kind;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
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
 * out on the source's; never both; and no credit or reversal without its debit. Together with each
 * in-transit account compared with the ledger at the same sequence (the per-account check), this
 * accounts for every unit in transit movement by movement, on one snapshot of the ledger, however
 * much crosses shards meanwhile: the in-transit check of the hot tier ({@link InTransitCheck}) only
 * concludes while nothing does.
 *
 * <p>A run reads the credits and reversals recorded since the previous run, and the debits of
 * their movements. A debit not in the ledger yet is normal for a moment (the source shard's writer
 * may commit after the destination's): the movement is looked at again on later runs, and is a
 * discrepancy once it has waited longer than the stall bound. That wait is kept in memory (at most
 * {@link #MAX_AWAITING} movements): a restarted writer forgets it, and the hot tier's check finds
 * such money at the next pause in cross-shard traffic.
 */
final class MovementStepsCheck {

  static final int MAX_AWAITING = 100_000;

  private enum Step { DEBIT, CREDIT, REVERSAL }

  private static final Map<String, Step> STEP_OF_TYPE = Arrays.stream(MovementKind.values())
    .flatMap(kind -> Map.of(kind.debit(), Step.DEBIT, kind.credit(), Step.CREDIT, kind.reversed(), Step.REVERSAL)
      .entrySet().stream())
    .collect(Collectors.toUnmodifiableMap(e -> e.getKey().wire(), Map.Entry::getValue));
  private static final String[] STEP_TYPES = STEP_OF_TYPE.keySet().toArray(String[]::new);
  private static final String[] SETTLING_TYPES = PostingType.wires(Arrays.stream(MovementKind.values())
    .flatMap(kind -> Set.of(kind.credit(), kind.reversed()).stream()).collect(Collectors.toSet()));

  private final Duration bound;
  /** Movements credited or reversed in the ledger whose debit is not there yet, since when. */
  private final Map<String, Instant> awaitingDebit = new ConcurrentHashMap<>();

  MovementStepsCheck(Duration bound) {
    this.bound = bound;
  }

  /** What a movement's postings moved through in-transit accounts, per step. */
  private record Transit(long amount, String currency) {

    Transit plus(Transit other) {
      return new Transit(amount + other.amount, currency.equals(other.currency) ? currency : "mixed currencies");
    }

    @Override
    public String toString() {
      return amount + " " + currency;
    }
  }

  /** The movements credited or reversed since {@code since}, and those still awaiting their debit, judged. */
  Future<List<Discrepancy>> check(Pool pool, Instant since, Instant now) {
    return pool.preparedQuery(SqlQueries.MOVEMENTS_SETTLING_SINCE)
      .execute(Tuple.tuple().addOffsetDateTime(since.atOffset(ZoneOffset.UTC)).addArrayOfString(SETTLING_TYPES))
      .compose(rows -> {
        Set<String> movements = new TreeSet<>(awaitingDebit.keySet());
        rows.forEach(row -> movements.add(row.getString("movement")));
        List<Discrepancy> found = new ArrayList<>();
        return Reconciler.chunks(List.copyOf(movements), chunk -> pool.preparedQuery(SqlQueries.MOVEMENT_TRANSIT_LEGS)
            .execute(Tuple.tuple().addArrayOfString(chunk.toArray(String[]::new)).addArrayOfString(STEP_TYPES))
            .map(legs -> {
              judge(chunk, steps(legs), now, found);
              return null;
            }))
          .map(found);
      });
  }

  private static Map<String, Map<Step, Transit>> steps(Iterable<Row> legs) {
    Map<String, Map<Step, Transit>> steps = new TreeMap<>();
    for (Row leg : legs) {
      steps.computeIfAbsent(leg.getString("movement"), m -> new EnumMap<>(Step.class))
        .merge(STEP_OF_TYPE.get(leg.getString("type")),
          new Transit(leg.getLong("amount"), leg.getString("currency").trim()), Transit::plus);
    }
    return steps;
  }

  private void judge(List<String> movements, Map<String, Map<Step, Transit>> steps, Instant now,
                     List<Discrepancy> found) {
    for (String movement : movements) {
      Map<Step, Transit> of = steps.getOrDefault(movement, Map.of());
      Transit debit = of.get(Step.DEBIT);
      Transit credit = of.get(Step.CREDIT);
      Transit reversal = of.get(Step.REVERSAL);
      if (credit != null && reversal != null) {
        found.add(discrepancy(movement, "credited (" + out(credit) + ") and reversed (" + out(reversal) + ")"));
      }
      if (debit != null) {
        awaitingDebit.remove(movement);
        mismatch(movement, debit, "credit", credit).ifPresent(found::add);
        mismatch(movement, debit, "reversal", reversal).ifPresent(found::add);
      } else if (credit == null && reversal == null) {
        awaitingDebit.remove(movement);
        found.add(discrepancy(movement, "credited or reversed without moving anything out of transit"));
      } else {
        awaitedTooLong(movement, credit != null ? "its credit " + out(credit) : "its reversal " + out(reversal), now)
          .ifPresent(found::add);
      }
    }
  }

  private static Optional<Discrepancy> mismatch(String movement, Transit debit, String step, Transit settling) {
    if (settling == null || (settling.amount() == -debit.amount() && settling.currency().equals(debit.currency()))) {
      return Optional.empty();
    }
    return Optional.of(discrepancy(movement, "its debit put " + debit + " into transit, its " + step + " "
      + out(settling)));
  }

  private static String out(Transit settling) {
    return "took " + new Transit(-settling.amount(), settling.currency()) + " out of transit";
  }

  /** A discrepancy once the movement has waited for its debit longer than the bound. */
  private Optional<Discrepancy> awaitedTooLong(String movement, String settled, Instant now) {
    Instant since = awaitingDebit.get(movement);
    if (since == null) {
      if (awaitingDebit.size() < MAX_AWAITING) {
        awaitingDebit.put(movement, now);
      }
      return Optional.empty();
    }
    Duration waited = Duration.between(since, now);
    if (waited.compareTo(bound) < 0) {
      return Optional.empty();
    }
    return Optional.of(discrepancy(movement, settled + ", and its debit has not been in the ledger for "
      + waited.toSeconds() + " s (the bound is " + bound.toSeconds() + " s)"));
  }

  private static Discrepancy discrepancy(String movement, String evidence) {
    return new Discrepancy(Kind.MOVEMENT_STEPS, movement, evidence);
  }
}
