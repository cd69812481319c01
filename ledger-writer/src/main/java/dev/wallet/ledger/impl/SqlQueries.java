package dev.wallet.ledger.impl;

import dev.wallet.balancecache.model.SystemNames;
import dev.wallet.balancecache.outbox.MovementKind;
import dev.wallet.balancecache.outbox.PostingType;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Every statement the ledger runs, in one place. Batches travel as arrays and are spread with
 * unnest (one round trip per table); the VALUES forms are there to measure the alternatives.
 */
public final class SqlQueries {

  private SqlQueries() {
  }

  /** A posting type as an SQL literal (wire names are plain lower-case words: nothing to escape). */
  static String literal(PostingType type) {
    return "'" + type.wire() + "'";
  }

  /** Each movement kind with the posting types of its saga's steps, as an SQL VALUES list. */
  private static String sagaSteps() {
    return Arrays.stream(MovementKind.values())
      .map(k -> "('" + k.wire() + "', " + String.join(", ", literal(k.debit()), literal(k.credit()),
        literal(k.completed()), literal(k.reversed())) + ")")
      .collect(Collectors.joining(", ", "(VALUES ", ")"));
  }

  /**
   * One writer transaction per shard at a time: entries must arrive in each account's sequence order.
   * The shards $1 are locked in the array's order, so transactions that lock in one order never
   * deadlock, and refused (WL005) if one moved out of this database meanwhile (V16); one statement
   * instead of one round trip per shard.
   */
  static final String LOCK_SHARDS = "SELECT ledger_lock_shards($1::text[])";

  static final String ENSURE_MONTH = "SELECT ledger_ensure_month($1::date)";

  /**
   * The shards $1 pinned to this database, unless some are already (the first writer's placement stays)
   * or a move brought or took some (their set is the moves' to change, as ShardMove pins).
   */
  static final String PIN_SHARDS = """
    INSERT INTO ledger_shards (shard) SELECT unnest($1::int[])
     WHERE NOT EXISTS (SELECT 1 FROM ledger_shards) AND NOT EXISTS (SELECT 1 FROM ledger_shard_moves)
    ON CONFLICT (shard) DO NOTHING""";

  /** Whether any writer pinned shards to this database, or any move brought or took some. */
  static final String ANY_PINNED = """
    SELECT EXISTS (SELECT 1 FROM ledger_shards) OR EXISTS (SELECT 1 FROM ledger_shard_moves) AS pinned""";

  /** What the first writer pinned, changed by the moves since (V10). */
  static final String PINNED_SHARDS = "SELECT shard FROM ledger_shards_held ORDER BY shard";

  /** Shards whose move into this database has not finished (V17: held by no database until it has). */
  static final String ARRIVING_SHARDS = """
    SELECT shard FROM (SELECT DISTINCT ON (shard) shard, direction FROM ledger_shard_moves ORDER BY shard, id DESC) latest
     WHERE direction = 'arriving' ORDER BY shard""";

  static final String INSERT_ACCOUNTS = """
    INSERT INTO accounts (id, kind, owner_id, currency, wallet_type, shard, opened_at, parent_id)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                         $8::text[])
    ON CONFLICT (id) DO NOTHING""";

  static final String INSERT_POSTINGS = """
    INSERT INTO postings (id, type, shard, reference, idempotency_scope, counterparty, created_at, stream_id, movement)
    SELECT id, type, shard, reference, scope, counterparty, created_at, stream_id, movement::jsonb
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                  $7::timestamptz[], $8::text[], $9::text[])
           AS u(id, type, shard, reference, scope, counterparty, created_at, stream_id, movement)
    ON CONFLICT (id, created_at) DO NOTHING""";

  /**
   * The arbiter is the entry's own key, so a redelivered entry is skipped, while a different entry
   * at a place (account, seq) already taken fails the batch: that is a divergence. Rows go in in
   * array order (the stream's), which is each account's sequence order.
   */
  static final String INSERT_ENTRIES = """
    INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at)
    SELECT posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at
      FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::bigint[], $6::text[],
                  $7::bigint[], $8::bigint[], $9::timestamptz[])
           WITH ORDINALITY AS u(posting_id, idx, account_id, bucket, amount, currency, balance_after, seq,
                                created_at, n)
     ORDER BY n
    ON CONFLICT (posting_id, idx, created_at) DO NOTHING""";

  static final String INSERT_ACCOUNT_EVENTS = """
    INSERT INTO account_events (id, account_id, type, status, previous, reason, created_at, stream_id)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::timestamptz[], $8::text[])
    ON CONFLICT (id) DO NOTHING""";

  static final String INSERT_ACCOUNT_ROW = """
    INSERT INTO accounts (id, kind, owner_id, currency, wallet_type, shard, opened_at, parent_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING""";

  static final String INSERT_POSTING_ROW = """
    INSERT INTO postings (id, type, shard, reference, idempotency_scope, counterparty, created_at, stream_id, movement)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text::jsonb) ON CONFLICT (id, created_at) DO NOTHING""";

  static final String INSERT_ENTRY_ROW = """
    INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (posting_id, idx, created_at) DO NOTHING""";

  static final String INSERT_ACCOUNT_EVENT_ROW = """
    INSERT INTO account_events (id, account_id, type, status, previous, reason, created_at, stream_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING""";

  // ------------------------------------------------------------------------------------ reads

  /**
   * A page of one account's entries, newest first, after the cursor's (seq, bucket). {@code seq <= $2}
   * says again what the OR says, in the one form the (account, seq, ...) index can start from: without
   * it PostgreSQL read and dropped every entry newer than the cursor, so each page cost more the
   * further back it went (5.0 ms against 1.3 ms 2,400 entries back, docs/benchmarks.md).
   */
  static final String ENTRIES_PAGE = """
    SELECT e.posting_id, e.idx, p.reference, p.type, e.bucket, e.amount, e.currency, e.balance_after, e.seq,
           e.created_at, e.account_id
      FROM entries e JOIN postings p ON p.id = e.posting_id AND p.created_at = e.created_at
     WHERE e.account_id = $1 AND e.seq <= $2
       AND (e.seq < $2 OR (e.seq = $2 AND e.bucket > $3))
       AND ledger_shard_here($5)
     ORDER BY e.seq DESC, e.bucket ASC
     LIMIT $4""";

  /**
   * A page of several accounts' entries by time (a hot merchant's wallet and stripes), sweeps left
   * out: each account's bucket is read newest first through its (account, bucket, created_at) index
   * up to the page size, and the page is the newest of those, after the cursor's (time, posting, idx).
   */
  static final String ACCOUNTS_ENTRIES_PAGE = """
    SELECT e.posting_id, e.idx, p.reference, p.type, e.bucket, e.amount, e.currency, e.balance_after, e.seq,
           e.created_at, e.account_id
      FROM unnest($1::text[]) AS a(id)
      CROSS JOIN (VALUES ('available'), ('held')) AS b(bucket)
      CROSS JOIN LATERAL (
        SELECT * FROM entries x
         WHERE x.account_id = a.id AND x.bucket = b.bucket AND x.created_at <= $2
           AND (x.created_at, x.posting_id, x.idx) < ($2, $3, $4)
           AND NOT EXISTS (SELECT 1 FROM postings s WHERE s.id = x.posting_id AND s.created_at = x.created_at
                             AND left(s.type, 6) = 'sweep_')
         ORDER BY x.created_at DESC, x.posting_id DESC, x.idx DESC
         LIMIT $5) e
      JOIN postings p ON p.id = e.posting_id AND p.created_at = e.created_at
     ORDER BY e.created_at DESC, e.posting_id DESC, e.idx DESC
     LIMIT $5""";

  /**
   * For a hot merchant's first page, each account ($1) with its shard ($2): its last seq in the
   * ledger, and the latest created_at of the postings its shard's writer committed last (by the
   * postings_by_shard index; any committed posting's time bounds what is still to come, since a
   * shard's stream is committed in order).
   */
  static final String ACCOUNTS_FRONTIER = """
    SELECT q.account_id,
           (SELECT max(seq) FROM entries WHERE account_id = q.account_id) AS ledger_seq,
           (SELECT max(p.created_at) FROM postings p
             WHERE p.shard = q.shard
               AND p.recorded_at = (SELECT max(recorded_at) FROM postings WHERE shard = q.shard)) AS shard_last
      FROM unnest($1::text[], $2::text[]) AS q(account_id, shard)""";

  /** Each account's and bucket's last balance_after at or before the instant (a hot merchant's accounts). */
  static final String ACCOUNTS_BALANCE_AT = """
    SELECT a.id AS account, b.bucket, last.balance_after, last.seq
      FROM unnest($1::text[]) AS a(id)
      CROSS JOIN (VALUES ('available'), ('held')) AS b(bucket)
      CROSS JOIN LATERAL (
        SELECT balance_after, seq FROM entries
         WHERE account_id = a.id AND bucket = b.bucket AND created_at <= $2
         ORDER BY created_at DESC, seq DESC LIMIT 1) last""";

  /** The sweeps out of the accounts $1 debited in the day before $2, each with what it carried. */
  static final String SWEEP_DEBITS_AT = """
    SELECT p.reference, sum(-e.amount)::bigint AS carried
      FROM entries e JOIN postings p ON p.id = e.posting_id AND p.created_at = e.created_at
     WHERE e.account_id = ANY($1) AND e.bucket = 'available' AND e.created_at <= $2
       AND e.created_at > $2 - interval '1 day' AND p.type = 'sweep_debit'
     GROUP BY p.reference""";

  /**
   * The sweeps into the accounts $1 credited in the minute before $2, each with what it brought: a
   * credit's master stamps it, and one whose clock is behind the debit's may stamp it before the
   * debit (by less than a minute: a master's clock that far off is an incident of its own).
   */
  static final String SWEEP_CREDITS_AT = """
    SELECT p.reference, sum(e.amount)::bigint AS brought
      FROM entries e JOIN postings p ON p.id = e.posting_id AND p.created_at = e.created_at
     WHERE e.account_id = ANY($1) AND e.bucket = 'available' AND e.created_at <= $2
       AND e.created_at > $2 - interval '1 minute' AND p.type = 'sweep_credit'
     GROUP BY p.reference""";

  /** Of the sweeps $1, those debited after $2. */
  static final String SWEEPS_DEBITED_AFTER = """
    SELECT DISTINCT reference FROM postings WHERE reference = ANY($1) AND created_at > $2 AND type = 'sweep_debit'""";

  /** Of the sweeps $1, those credited or reversed by $2. */
  static final String SWEEPS_ENDED_AT = """
    SELECT DISTINCT reference FROM postings
     WHERE reference = ANY($1) AND created_at <= $2 AND type IN ('sweep_credit', 'sweep_reversed')""";

  /** Each bucket's last balance_after at or before the instant: no replay. */
  static final String BALANCE_AT = """
    SELECT b.bucket, last.balance_after, last.seq
      FROM (VALUES ('available'), ('held')) AS b(bucket)
      CROSS JOIN LATERAL (
        SELECT balance_after, seq FROM entries
         WHERE account_id = $1 AND bucket = b.bucket AND created_at <= $2
         ORDER BY created_at DESC, seq DESC LIMIT 1) last
     WHERE ledger_shard_here($3)""";

  /**
   * What the postings of shard $1 hold of payment $2's record (V13): the one that opened it (with
   * 'payer') and every change of 'refunded' since. $3: the shard's number, for the moved-shard check.
   */
  static final String PAYMENT_RECORD = """
    SELECT movement::text AS movement, created_at, shard FROM postings
     WHERE movement ? 'pay' AND movement->>'pay' = $2 AND shard = $1 AND ledger_shard_here($3)""";

  /**
   * Posting $1 of shard $2 ($3: the shard's number, for the moved-shard check) as a credit to wallet
   * $4: its entry on the wallet's available bucket, and the wallet's held balance as that posting left
   * it (the last held entry at or before it).
   */
  static final String CREDIT_POSTING = """
    SELECT p.created_at, e.account_id, e.amount, e.currency, e.balance_after AS available, e.seq, %s AS held
      FROM postings p
      JOIN entries e ON e.posting_id = p.id AND e.created_at = p.created_at AND e.bucket = 'available'
                    AND e.account_id = $4
     WHERE p.id = $1 AND p.shard = $2 AND ledger_shard_here($3)""".formatted(lastBalanceAsOfEntry("held"));

  /**
   * Hold $1 placed on wallet $4 of shard $2 ($3: the shard's number, for the moved-shard check): its
   * posting's entry on the wallet's held bucket, and the wallet's available balance as it left it.
   */
  static final String HOLD_PLACED = """
    SELECT p.reference, p.created_at, e.account_id, e.amount, e.currency, e.balance_after AS held, e.seq,
           %s AS available
      FROM postings p
      JOIN entries e ON e.posting_id = p.id AND e.created_at = p.created_at AND e.bucket = 'held'
                    AND e.account_id = $4
     WHERE p.id = $1 || '.hold' AND p.shard = $2 AND ledger_shard_here($3)""".formatted(lastBalanceAsOfEntry("available"));

  /** What hold $1 on shard $2 ($3: its number, for the moved-shard check) counted when placed (lib.lua). */
  static final String HOLD_COUNTED = """
    SELECT p.movement->>'counted' AS counted FROM postings p
     WHERE p.id = $1 || '.hold' AND p.shard = $2 AND ledger_shard_here($3)""";

  /**
   * How hold $1 of shard $2 ended ($3: the shard's number, for the moved-shard check): its ending
   * posting's entry on the wallet's held bucket, and the wallet's available balance as that posting
   * left it (a settlement has no entry there: the last one before).
   */
  static final String HOLD_ENDING = """
    SELECT p.type, p.reference, p.created_at, e.account_id, e.amount, e.currency, e.balance_after AS held, e.seq,
           %s AS available
      FROM postings p
      JOIN entries e ON e.posting_id = p.id AND e.created_at = p.created_at AND e.bucket = 'held'
     WHERE p.id IN ($1 || '.settled', $1 || '.released') AND p.shard = $2 AND ledger_shard_here($3)"""
    .formatted(lastBalanceAsOfEntry("available"));

  /**
   * The wallet's balance in {@code bucket} as entry {@code e} left it: the last entry of that bucket
   * at or before it (a posting may touch only the other one); 0 before the first.
   */
  private static String lastBalanceAsOfEntry(String bucket) {
    return """
      coalesce((SELECT o.balance_after FROM entries o
                 WHERE o.account_id = e.account_id AND o.bucket = '%s' AND o.created_at <= e.created_at
                   AND o.seq <= e.seq
                 ORDER BY o.created_at DESC, o.seq DESC LIMIT 1), 0)""".formatted(bucket);
  }

  /**
   * The postings of authorization $1 on shard $2 ($3: the shard's number, for the moved-shard check):
   * the hold that placed it (with its held entry: payer, amount, currency), its release, and every
   * capture naming it in its movement (V14).
   */
  static final String AUTHORIZATION_STEPS = """
    SELECT steps.* FROM (
      SELECT p.type, p.movement::text AS movement, p.created_at, e.account_id, e.amount, e.currency
        FROM postings p
        JOIN entries e ON e.posting_id = p.id AND e.created_at = p.created_at AND e.bucket = 'held'
       WHERE p.id = $1 || '.hold' AND p.shard = $2
      UNION ALL
      SELECT p.type, p.movement::text, p.created_at, NULL, NULL, NULL
        FROM postings p WHERE p.id = $1 || '.released' AND p.shard = $2
      UNION ALL
      SELECT p.type, p.movement::text, p.created_at, NULL, NULL, NULL
        FROM postings p WHERE p.movement ? 'auth' AND p.movement->>'auth' = $1 AND p.shard = $2) steps
     WHERE ledger_shard_here($3)""";

  /** Every posting naming payment $1 in its movement (V13), in whichever shard: its steps and its refunds'. */
  static final String PAYMENT_POSTINGS = """
    SELECT movement::text AS movement, created_at, shard FROM postings
     WHERE movement ? 'pay' AND movement->>'pay' = $1""";

  static final String POSTINGS_BY_REFERENCE = """
    SELECT id, type, shard, reference, idempotency_scope, counterparty, created_at, stream_id, movement::text AS movement
      FROM postings WHERE reference = $1 ORDER BY created_at, id""";

  static final String POSTING_BY_ID = """
    SELECT id, type, shard, reference, idempotency_scope, counterparty, created_at, stream_id
      FROM postings WHERE id = $1""";

  /** The accounts the postings $1 moved money of, and those they name as counterparty. */
  static final String ACCOUNTS_OF_POSTINGS = """
    SELECT account_id FROM entries WHERE posting_id = ANY($1::text[])
    UNION
    SELECT counterparty FROM postings WHERE id = ANY($1::text[]) AND counterparty IS NOT NULL""";

  /** The owners of the accounts $1 (system accounts have none). */
  static final String OWNERS_OF_ACCOUNTS = """
    SELECT DISTINCT owner_id FROM accounts WHERE id = ANY($1::text[]) AND owner_id IS NOT NULL""";

  static final String ENTRIES_OF_POSTINGS = """
    SELECT posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at
      FROM entries WHERE posting_id = ANY($1::text[]) ORDER BY created_at, posting_id, idx""";

  static final String LAST_RECONCILIATION = """
    SELECT result FROM reconciliation_runs ORDER BY finished_at DESC LIMIT 1""";

  /**
   * Where a reconciler that starts continues from: the start of the last run that completed (any
   * instance's), less the margin of the oldest transaction that could have been open then.
   */
  /** Where a restarted reconciler starts: the last completed run's start, less $1 ms. */
  static final String LAST_COMPLETED_RECONCILIATION_START = """
    SELECT max(started_at) - $1::bigint * interval '1 millisecond' AS since FROM reconciliation_runs
     WHERE result->>'failure' IS NULL""";

  /** When a run (of any instance) last concluded the in-transit check. */
  static final String LAST_IN_TRANSIT_CONCLUDED = """
    SELECT max(finished_at) AS at FROM reconciliation_runs WHERE result->>'inTransitChecked' = 'true'""";

  static final String INSERT_RECONCILIATION = """
    INSERT INTO reconciliation_runs (finished_at, instance, started_at, ok, result) VALUES ($1, $2, $3, $4, $5)""";

  // ------------------------------------------------------------------------------ money halts

  static final String OPEN_HALTS = """
    SELECT h.id, h.kind, h.subject, h.evidence, h.raised_by, h.raised_at FROM money_halts h
     WHERE NOT EXISTS (SELECT 1 FROM money_halt_releases r WHERE r.halt_id = h.id) ORDER BY h.id""";

  /**
   * A halt for a finding, unless one is open for it or one was released after the finding's run
   * began. Two reconcilers raising the same finding at the same instant may both insert: two open
   * halts for one finding, released together, do no harm.
   */
  static final String RAISE_HALT = """
    INSERT INTO money_halts (kind, subject, evidence, raised_by, run_started_at)
    SELECT $1, $2, $3, $4, $5
     WHERE NOT EXISTS (SELECT 1 FROM money_halts h
                         LEFT JOIN money_halt_releases r ON r.halt_id = h.id
                        WHERE h.kind = $1 AND h.subject = $2 AND (r.halt_id IS NULL OR r.released_at >= $5))
    RETURNING id, kind, subject, evidence, raised_by, raised_at""";

  /** One release row per open halt, the same person and reason on each; answers the halts released. */
  static final String RELEASE_ALL_HALTS = """
    WITH released AS (
      INSERT INTO money_halt_releases (halt_id, released_by, reason)
      SELECT h.id, $1, $2 FROM money_halts h
       WHERE NOT EXISTS (SELECT 1 FROM money_halt_releases r WHERE r.halt_id = h.id)
      RETURNING halt_id)
    SELECT h.id, h.kind, h.subject, h.evidence, h.raised_by, h.raised_at
      FROM money_halts h JOIN released ON released.halt_id = h.id ORDER BY h.id""";

  /** The open halts among the ids ($3) released. */
  static final String RELEASE_HALTS = """
    WITH released AS (
      INSERT INTO money_halt_releases (halt_id, released_by, reason)
      SELECT h.id, $1, $2 FROM money_halts h
       WHERE h.id = ANY($3::bigint[])
         AND NOT EXISTS (SELECT 1 FROM money_halt_releases r WHERE r.halt_id = h.id)
      RETURNING halt_id)
    SELECT h.id, h.kind, h.subject, h.evidence, h.raised_by, h.raised_at
      FROM money_halts h JOIN released ON released.halt_id = h.id ORDER BY h.id""";

  // ------------------------------------------------------------------------------ reconciliation

  /** For each (account, seq) asked: both buckets' balance_after as of that seq, and the account's last seq. */
  static final String BALANCES_AT_SEQ = """
    SELECT q.account_id, q.seq,
           (SELECT max(seq) FROM entries WHERE account_id = q.account_id) AS ledger_seq,
           (SELECT balance_after FROM entries WHERE account_id = q.account_id AND bucket = 'available'
               AND seq <= q.seq ORDER BY seq DESC LIMIT 1) AS available,
           (SELECT balance_after FROM entries WHERE account_id = q.account_id AND bucket = 'held'
               AND seq <= q.seq ORDER BY seq DESC LIMIT 1) AS held
      FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS q(account_id, seq, n)
     ORDER BY q.n""";

  /**
   * The entries of the posting {@code p}, read by its key for each posting the outer query found
   * (recorded since a point, or of the movements asked about). As a plain join, the plan sorted a
   * scan of the whole month's entries to merge them with a few postings (docs/benchmarks.md);
   * {@code OFFSET 0} keeps this lateral read from being flattened into that join.
   */
  private static final String ENTRIES_OF_POSTING = """
    SELECT e.account_id, e.seq, e.amount, e.currency FROM entries e
     WHERE e.posting_id = p.id AND e.created_at = p.created_at OFFSET 0""";

  /**
   * Postings recorded since a point whose entries do not sum to zero per currency, the first 100 of
   * them with how many there are in all. The sums are
   * made first, the limit applied after: with the limit on the grouping itself, PostgreSQL expected
   * to find 100 unbalanced postings early and walked the month's postings in id order to stream
   * them, filtering on recorded_at (2.2 s a run at 1.3 million postings, where reading the 17,000
   * new ones by their recorded_at index and summing their entries takes 0.2 s).
   */
  static final String UNBALANCED_SINCE = """
    WITH sums AS MATERIALIZED (
      SELECT p.id AS posting_id, e.currency, sum(e.amount) AS total
        FROM postings p CROSS JOIN LATERAL (%s) e
       WHERE p.recorded_at >= $1
       GROUP BY p.id, p.created_at, e.currency)
    SELECT posting_id, currency, total, count(*) OVER () AS unbalanced FROM sums WHERE total <> 0
     ORDER BY posting_id LIMIT 100""".formatted(ENTRIES_OF_POSTING);

  /**
   * Among the entries from each account's {@code first_seq} on: a hole in the account's sequence, or
   * a balance_after that does not follow from the bucket's previous one plus the amount. Each
   * bucket's last entry before {@code first_seq} is read as the predecessor (the balance-at-an-
   * instant index, newest first), so the check reads what is new and one entry more, never an
   * account's whole history (an in-transit account has an entry per saga). The new entries are read
   * account by account from the (account, seq) index: as a plain join, the generic plan hashed the
   * accounts against a scan of the whole month's entries (docs/benchmarks.md); OFFSET 0 keeps the
   * lateral read from being flattened into that join. Each account's first break only, and every
   * account's: until 2026-12-07 the first 100 breaks of a chunk of accounts, and a run that found
   * more left the others unnamed and unfrozen for good (the next run reads past them).
   */
  static final String BROKEN_SEQUENCES = """
    WITH firsts AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS f(account_id, first_seq)),
    lines AS (
      SELECT f.account_id, e.seq, e.idx, e.bucket, e.amount, e.balance_after, true AS fresh
        FROM firsts f CROSS JOIN LATERAL (SELECT e.seq, e.idx, e.bucket, e.amount, e.balance_after FROM entries e
                                           WHERE e.account_id = f.account_id AND e.seq >= f.first_seq OFFSET 0) e
      UNION ALL
      SELECT f.account_id, prev.seq, prev.idx, prev.bucket, prev.amount, prev.balance_after, false
        FROM firsts f CROSS JOIN (VALUES ('available'), ('held')) AS b(bucket)
        CROSS JOIN LATERAL (SELECT e.seq, e.idx, e.bucket, e.amount, e.balance_after FROM entries e
                             WHERE e.account_id = f.account_id AND e.bucket = b.bucket AND e.seq < f.first_seq
                             ORDER BY e.created_at DESC, e.seq DESC, e.idx DESC LIMIT 1) prev)
    SELECT DISTINCT ON (account_id) account_id, seq, bucket, balance_after, expected, prev_seq FROM (
      SELECT account_id, seq, bucket, balance_after, fresh,
             lag(balance_after, 1, 0::bigint) OVER (PARTITION BY account_id, bucket ORDER BY seq, idx) + amount
               AS expected,
             lag(seq, 1, 0::bigint) OVER (PARTITION BY account_id ORDER BY seq, idx) AS prev_seq
        FROM lines) x
     WHERE fresh AND (balance_after <> expected OR seq > prev_seq + 1)
     ORDER BY account_id, seq, bucket""";

  /** Accounts with entries in postings recorded since a point, each with the first such entry's seq. */
  static final String ACCOUNTS_TOUCHED_SINCE = """
    SELECT e.account_id, min(e.seq) AS first_seq
      FROM postings p CROSS JOIN LATERAL (%s) e
     WHERE p.recorded_at >= $1 GROUP BY e.account_id""".formatted(ENTRIES_OF_POSTING);

  /**
   * Where the next reconciliation run must start reading postings: the oldest transaction open in
   * this database (any of them may still commit postings stamped with its start), else now. The
   * writers run as the same role as the reconciler, so their sessions' xact_start is visible.
   */
  static final String OLDEST_OPEN_TRANSACTION = """
    SELECT coalesce(min(xact_start), now()) AS since FROM pg_stat_activity
     WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()""";

  /** Every in-transit system account the ledger has seen (transit:USD:s0042). */
  /** Cross-shard movements with a step recorded since $1 ($2: the posting types of those steps). */
  static final String MOVEMENTS_STEPPED_SINCE = """
    SELECT DISTINCT reference AS movement FROM postings
     WHERE recorded_at >= $1 AND type = ANY($2::text[]) AND reference IS NOT NULL""";

  /**
   * The steps ($2: their posting types) of the movements $1, each with what it moved through an
   * in-transit account (none for a completion), each posting's entries read by its key. As a plain
   * join the planner took the in-transit test for rare (650 of 130,000 entries expected, half of
   * them found) and merged the postings with a sorted scan of the whole month's entries: 146 ms
   * for 500 movements, growing with the month, against 34-44 ms this way (docs/benchmarks.md).
   * With LIKE instead of left(...) it ranged over every in-transit entry by the account index.
   */
  static final String MOVEMENT_STEPS = """
    SELECT p.reference AS movement, p.type, e.amount, e.currency
      FROM postings p LEFT JOIN LATERAL (%s) e ON left(e.account_id, 8) = 'transit:'
     WHERE p.reference = ANY($1::text[]) AND p.type = ANY($2::text[])""".formatted(ENTRIES_OF_POSTING);

  static final String TRANSIT_ACCOUNTS = "SELECT id FROM accounts WHERE kind = 'system' AND id LIKE 'transit:%'";

  /**
   * Over every account: each bucket's last balance_after, summed per currency; zero when nothing
   * leaked. One index probe per account and bucket (the balance-at-an-instant index), where a
   * DISTINCT ON over every entry sorted the whole ledger: 1.4 s against 0.16 s at half a million
   * entries, and the difference grows with the ledger.
   */
  static final String TOTALS = """
    SELECT a.currency, sum(last.balance_after)::bigint AS total
      FROM accounts a
     CROSS JOIN (VALUES ('available'), ('held')) AS b(bucket)
     CROSS JOIN LATERAL (SELECT e.balance_after FROM entries e
                          WHERE e.account_id = a.id AND e.bucket = b.bucket
                          ORDER BY e.created_at DESC, e.seq DESC LIMIT 1) last
     GROUP BY a.currency""";

  // ------------------------------------------------------------------------------------ rebuild

  /**
   * The movements another region debited and this one credited since $1: their credit (a type of $2)
   * drew on a region's clearing account (docs/architecture.md, "Regions"). The shard is the credited
   * wallet's, where the decision marker lives (a shard's name; tests write postings of made-up ones).
   */
  static final String CREDITS_FROM_OTHER_REGIONS = """
    SELECT DISTINCT p.reference AS movement, p.shard
      FROM postings p JOIN entries e ON e.posting_id = p.id AND e.created_at = p.created_at
     WHERE p.created_at >= $1 AND e.created_at >= $1 AND p.type = ANY($2::text[])
       AND left(e.account_id, 7) = 'region.' AND p.shard ~ '^s[0-9]{4}$'""";

  /** Idempotency records of postings young enough that a client may still retry them. */
  static final String RECENT_SCOPES = """
    SELECT DISTINCT ON (idempotency_scope) idempotency_scope, created_at FROM postings
     WHERE idempotency_scope IS NOT NULL AND created_at >= $1 ORDER BY idempotency_scope, created_at DESC""";

  /**
   * Each limit counter that postings created since $1 counted (their movement's 'counted', lib.lua),
   * with when its window ends and what they counted net of what reversals and releases gave back;
   * only windows that end after $2 (ms).
   */
  static final String OPEN_LIMIT_WINDOWS = """
    SELECT w->>0 AS counter, max((w->>1)::bigint) AS ends_at,
           sum((c->>'amt')::bigint)::bigint AS amount, sum((c->>'cnt')::bigint)::bigint AS count
      FROM postings p
     CROSS JOIN LATERAL (SELECT (p.movement->>'counted')::jsonb AS c) counted
     CROSS JOIN LATERAL jsonb_array_elements(counted.c->'keys') w
     WHERE p.created_at >= $1 AND p.movement ? 'counted'
     GROUP BY w->>0
    HAVING max((w->>1)::bigint) > $2""";

  static final String ACCOUNTS = """
    SELECT id, kind, owner_id, currency, wallet_type, shard, opened_at, parent_id FROM accounts ORDER BY id""";

  /**
   * Each account's last balance_after per bucket and its last seq (accounts without entries left
   * out), read by index probes per account. Until 2026-12-07 every entry ever written was
   * aggregated into an array per account: an in-transit or fee account, with an entry per movement,
   * would pass PostgreSQL's 1 GB limit for one array within weeks at the design's volume, and the
   * rebuild could not run when it was needed (found by a read-only hunt).
   */
  static final String ACCOUNT_STATES = """
    SELECT a.id AS account_id, last.seq, avail.balance_after AS available, held.balance_after AS held
      FROM accounts a
     CROSS JOIN LATERAL (SELECT max(e.seq) AS seq FROM entries e WHERE e.account_id = a.id) last
      LEFT JOIN LATERAL (SELECT e.balance_after FROM entries e WHERE e.account_id = a.id AND e.bucket = 'available'
                          ORDER BY e.seq DESC, e.idx DESC LIMIT 1) avail ON true
      LEFT JOIN LATERAL (SELECT e.balance_after FROM entries e WHERE e.account_id = a.id AND e.bucket = 'held'
                          ORDER BY e.seq DESC, e.idx DESC LIMIT 1) held ON true
     WHERE last.seq IS NOT NULL""";

  private static final String LATEST_STATUS_FIRST =
    "substring(e.id FROM '\\.status\\.([0-9]+)$')::bigint DESC NULLS LAST, e.created_at DESC, e.id DESC";

  /**
   * Each wallet's last status and how many status changes it had (the hot tier's status_version).
   * The last is the highest version, which its event's id ends with ({@code <wallet>.status.<n>}):
   * two changes in one millisecond have the same time, and as text {@code .status.9} sorts after
   * {@code .status.10}, so until 2026-12-06 a rebuild could restore the older of the two (a frozen
   * wallet reopened). A credit stripe's {@code own_status} is its last change that was not a copy of
   * its merchant wallet's (set_status.lua keeps a freeze or close of the stripe's own against later
   * copies; a copy's reason names the merchant, Stripes): until 2026-12-07 a rebuild left it out, and
   * the next copy of an active merchant reopened a stripe reconciliation had frozen.
   */
  static final String ACCOUNT_STATUSES = """
    SELECT e.account_id,
           (array_agg(e.status ORDER BY %2$s))[1] AS status,
           (array_agg(e.status ORDER BY %2$s) FILTER (WHERE a.parent_id IS NOT NULL
              AND e.reason IS DISTINCT FROM %3$s || a.parent_id))[1] AS own_status,
           count(*) AS versions
      FROM account_events e JOIN accounts a ON a.id = e.account_id
     WHERE e.type = %1$s GROUP BY e.account_id""".formatted(literal(PostingType.WALLET_STATUS), LATEST_STATUS_FIRST,
    "'" + SystemNames.STATUS_COPIED_FROM_MERCHANT + "'");

  /**
   * The latest time each shard's scripts stamped (lib.lua's clock, in whole milliseconds): its postings'
   * and its accounts' status events'. Only shards' names (tests write postings of made-up ones, which
   * the rebuild failed on until 2026-12-07).
   */
  static final String SHARD_CLOCKS = """
    SELECT shard, max(latest) AS latest
      FROM (SELECT shard, max(created_at) AS latest FROM postings GROUP BY shard
            UNION ALL
            SELECT a.shard, max(e.created_at) FROM account_events e JOIN accounts a ON a.id = e.account_id
             GROUP BY a.shard) stamped
     WHERE shard ~ '^s[0-9]{4}$'
     GROUP BY shard""";

  /**
   * Cross-shard movements (transfers, payments, refunds) debited and neither completed nor
   * reversed, with what the saga needs: the debit's record fields, and its destination when the
   * debit names it. Its end is on the debit's shard; its credit may be in another database (see
   * {@link #MOVEMENT_CREDITS}).
   */
  static final String OPEN_MOVEMENTS = """
    SELECT d.reference AS movement_id, k.kind, d.shard, d.idempotency_scope,
           d.created_at, d.movement::text AS movement, w.account_id AS from_wallet, -w.amount AS amount, w.currency,
           d.counterparty
      FROM postings d
      JOIN %s AS k(kind, debit, credit, completed, reversed) ON k.debit = d.type
      JOIN entries w ON w.posting_id = d.id AND w.created_at = d.created_at AND w.amount < 0
     WHERE NOT EXISTS (SELECT 1 FROM postings f WHERE f.reference = d.reference
                          AND f.type IN (k.completed, k.reversed))""".formatted(sagaSteps());

  /**
   * Which of the movements $1 were credited ($2: the credit posting types), and the wallet each
   * credited, NULL when its credit has no wallet line: a payment whose fee is its whole amount credits
   * the fee account alone (lib.lua's add_credit_legs), and is credited all the same.
   */
  static final String MOVEMENT_CREDITS = """
    SELECT DISTINCT ON (c.reference) c.reference AS movement_id,
           (SELECT ce.account_id FROM entries ce JOIN accounts a ON a.id = ce.account_id AND a.kind = 'wallet'
             WHERE ce.posting_id = c.id AND ce.created_at = c.created_at AND ce.amount > 0 LIMIT 1) AS to_wallet
      FROM postings c
     WHERE c.reference = ANY($1) AND c.type = ANY($2)
     ORDER BY c.reference""";

  /** Withdrawals' holds placed and neither settled nor released. */
  static final String OPEN_HOLDS = """
    SELECT h.id AS posting_id, h.reference, h.created_at, h.movement::text AS movement, e.account_id AS wallet,
           e.amount, e.currency
      FROM postings h
      JOIN entries e ON e.posting_id = h.id AND e.created_at = h.created_at AND e.bucket = 'held'
     WHERE h.type = %s AND (h.movement IS NULL OR NOT h.movement ? 'to')
       AND NOT EXISTS (SELECT 1 FROM postings f WHERE f.id IN (left(h.id, -5) || '.settled', left(h.id, -5) || '.released'))"""
    .formatted(literal(PostingType.HOLD));

  /**
   * Authorizations (holds naming a merchant) still holding money: not released, and not taken to
   * zero by their captures. Each capture's posting carries what the authorization held and had
   * captured after it (capture.lua); held only falls, so the least is the latest.
   */
  static final String OPEN_AUTHORIZATIONS = """
    WITH captures AS (
      SELECT c.movement->>'auth' AS auth, min((c.movement->>'held')::bigint) AS held,
             max((c.movement->>'captured')::bigint) AS captured
        FROM postings c
       WHERE c.type IN (%s, %s) AND c.movement ? 'auth'
       GROUP BY 1)
    SELECT h.id AS posting_id, h.reference, h.created_at, h.movement::text AS movement, e.account_id AS wallet,
           e.amount, e.currency, coalesce(c.held, e.amount) AS held, coalesce(c.captured, 0) AS captured
      FROM postings h
      JOIN entries e ON e.posting_id = h.id AND e.created_at = h.created_at AND e.bucket = 'held'
      LEFT JOIN captures c ON c.auth = left(h.id, -5)
     WHERE h.type = %s AND h.movement ? 'to' AND coalesce(c.held, e.amount) > 0
       AND NOT EXISTS (SELECT 1 FROM postings f WHERE f.id = left(h.id, -5) || '.released')"""
    .formatted(literal(PostingType.CAPTURE), literal(MovementKind.PAYMENT.debit()), literal(PostingType.HOLD));

  // ------------------------------------------------------------------ movements (LedgerMovements)

  /** The posting types that are movements, as an SQL list. */
  private static String movementTypes() {
    return typeList(PostingType.MOVEMENTS);
  }

  /** The movements and the returns of money sent before (reversals, returned withdrawals), as an SQL list. */
  private static String movementAndReturnTypes() {
    Set<PostingType> types = EnumSet.copyOf(PostingType.MOVEMENTS);
    types.addAll(PostingType.RETURNS);
    return typeList(types);
  }

  private static String typeList(Set<PostingType> types) {
    return types.stream().map(SqlQueries::literal).collect(Collectors.joining(", ", "(", ")"));
  }

  /**
   * Entries carry their posting's created_at, the partition key of both tables. PostgreSQL does not
   * carry a range across the join's equality, so each query below bounds both sides' created_at:
   * otherwise the entries' side reads every partition (a month's whole table) for each window. A
   * leg on a hot merchant's credit stripe is its merchant wallet's: the stripe is where the money
   * landed, the merchant is who received it.
   */
  private static final String MOVEMENT_COLUMNS = """
    SELECT p.id, p.type, p.created_at, p.recorded_at, coalesce(a.parent_id, e.account_id) AS account_id, a.owner_id,
           e.amount, e.currency
      FROM postings p
      JOIN entries e ON e.posting_id = p.id AND e.created_at = p.created_at
      JOIN accounts a ON a.id = e.account_id AND a.kind = 'wallet'
    """;

  /** The credit stripes of the merchant wallets $1, each with its merchant wallet. */
  static final String STRIPES_OF = "SELECT id, parent_id FROM accounts WHERE parent_id = ANY($1)";

  /**
   * The postings recorded after ($1, $2), more than $4 ms ago and before $5 (the oldest transaction
   * open in any database of the ledger: it may still commit postings stamped with its start), in
   * recording order, at most $3.
   */
  static final String POSTINGS_AFTER = """
    SELECT recorded_at, id FROM postings
     WHERE (recorded_at, id) > ($1, $2)
       AND recorded_at < least(now() - $4::bigint * interval '1 millisecond', $5)
     ORDER BY recorded_at, id LIMIT $3""";

  /** The rest of a transaction's postings: those recorded at $1 after $2, in order. */
  static final String POSTINGS_RECORDED_WITH = """
    SELECT recorded_at, id FROM postings WHERE recorded_at = $1 AND id > $2 ORDER BY id""";

  /** The movements among the postings $1, and the returns of money sent before. */
  static final String MOVEMENTS_OF = MOVEMENT_COLUMNS + """
     WHERE p.id = ANY($1) AND p.type IN %s
     ORDER BY p.recorded_at, p.id""".formatted(movementAndReturnTypes());

  /** The movements one owner made in a currency, within [$3, $4], of $5 to $6 (excluded) minor units. */
  static final String MADE_BY_OWNER = MOVEMENT_COLUMNS + """
     WHERE a.owner_id = $1 AND e.currency = $2 AND p.created_at >= $3 AND p.created_at <= $4
       AND e.created_at >= $3 AND e.created_at <= $4
       AND (e.amount < 0 OR p.type = %s) AND abs(e.amount) >= $5 AND abs(e.amount) < $6
       AND p.type IN %s
     ORDER BY p.created_at, p.id""".formatted(literal(PostingType.DEPOSIT), movementTypes());

  /** The movements, in and out, of the wallets $1 within [$2, $3], and what came back to them. */
  static final String WALLETS_MOVEMENTS = MOVEMENT_COLUMNS + """
     WHERE e.account_id = ANY($1) AND p.created_at >= $2 AND p.created_at <= $3 AND p.type IN %s
       AND e.created_at >= $2 AND e.created_at <= $3
     ORDER BY p.created_at, p.id""".formatted(movementAndReturnTypes());

  /**
   * Every credit to each of the wallets $1 within [$2, $3], per currency: entries alone, without
   * their postings' types, so a hot wallet's window costs an index range and no join. Credits that
   * are not movements (a hold given back, a reversal) are in it too: an upper bound of what came in.
   */
  static final String CREDITED = """
    SELECT e.account_id, e.currency, sum(e.amount)::bigint AS credited
      FROM entries e
     WHERE e.account_id = ANY($1) AND e.amount > 0 AND e.created_at >= $2 AND e.created_at <= $3
     GROUP BY e.account_id, e.currency""";

  /** Movements of [$1, $2) at or above their currency's threshold ($3: currencies, $4: thresholds), at most $5. */
  static final String AT_OR_ABOVE = MOVEMENT_COLUMNS + """
      JOIN unnest($3::text[], $4::bigint[]) AS t(currency, threshold) ON t.currency = e.currency
     WHERE p.created_at >= $1 AND p.created_at < $2 AND abs(e.amount) >= t.threshold AND p.type IN %s
       AND e.created_at >= $1 AND e.created_at < $2
     ORDER BY p.created_at, p.id, e.account_id LIMIT $5""".formatted(movementTypes());

}
