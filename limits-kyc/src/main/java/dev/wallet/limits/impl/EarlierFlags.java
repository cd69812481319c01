package dev.wallet.limits.impl;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The postings that earlier flags hold, for one batch of the monitors: each subject's flags are read
 * once, from the earliest window of the batch that asks about them, and each window then takes
 * those of its own span in memory. Read once per movement instead (until 2026-12-07), a wallet that
 * paid out thousands of times within its window cost the monitor a query for each payout once the
 * window showed the pattern, quadratic again as the walk of its window had been (docs/benchmarks.md,
 * "The AML monitor was quadratic in a wallet's payouts"). The monitors' lock keeps other runs from
 * flagging meanwhile, so what was read stays true but for this batch's own flags, which are added as
 * they are written.
 */
final class EarlierFlags {

  /** What flags of a kind are about: an owner in a currency, and, when given, one wallet of theirs. */
  record Subject(String kind, String ownerId, String currency, Optional<String> walletId) {
  }

  private record Held(Instant occurredAt, List<String> postingIds) {
  }

  private final SqlConnection conn;
  private final Map<Subject, Instant> readFrom;
  private final Map<Subject, List<Held>> read = new HashMap<>();

  /** @param readFrom for each subject the batch may ask about, the start of its earliest window */
  EarlierFlags(SqlConnection conn, Map<Subject, Instant> readFrom) {
    this.conn = conn;
    this.readFrom = Map.copyOf(readFrom);
  }

  /**
   * The postings held by the flags about {@code subject} that occurred at or after {@code since}: a
   * flag ends at its latest posting, so only those can hold postings of a window starting then.
   */
  Future<Set<String>> heldSince(Subject subject, Instant since) {
    return held(subject).map(flags -> {
      Set<String> postings = new HashSet<>();
      flags.stream().filter(flag -> !flag.occurredAt().isBefore(since)).forEach(flag -> postings.addAll(flag.postingIds()));
      return postings;
    });
  }

  /** A flag this batch wrote, which later windows of its subject leave out as well. */
  void raised(Subject subject, Instant occurredAt, List<String> postingIds) {
    // a subject not read yet will read it from the database: it was written in the same transaction
    read.computeIfPresent(subject, (about, flags) -> {
      flags.add(new Held(occurredAt, List.copyOf(postingIds)));
      return flags;
    });
  }

  private Future<List<Held>> held(Subject subject) {
    List<Held> known = read.get(subject);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    Instant from = Objects.requireNonNull(readFrom.get(subject), () -> "no window of this batch is about " + subject);
    return conn.preparedQuery(SqlQueries.FLAGGED_POSTINGS)
      .execute(Tuple.of(subject.kind(), subject.ownerId(), subject.currency(), subject.walletId().orElse(null),
        PgCompliance.utc(from)))
      .map(rows -> {
        List<Held> flags = new ArrayList<>();
        rows.forEach(row -> flags.add(held(row)));
        read.put(subject, flags);
        return flags;
      });
  }

  private static Held held(Row row) {
    return new Held(row.getOffsetDateTime("occurred_at").toInstant(),
      Arrays.asList(row.getArrayOfStrings("posting_ids")));
  }
}
