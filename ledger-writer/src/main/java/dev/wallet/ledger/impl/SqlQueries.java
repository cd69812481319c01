package dev.wallet.ledger.impl;

/** Every statement the ledger runs, in one place. Batches travel as arrays and are spread with unnest. */
final class SqlQueries {

  private SqlQueries() {
  }

  static final String INSERT_ACCOUNTS = """
    INSERT INTO accounts (id, kind, owner_id, currency, wallet_type, shard, opened_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
    ON CONFLICT (id) DO NOTHING""";

  static final String INSERT_POSTINGS = """
    INSERT INTO postings (id, type, shard, reference, created_at, stream_id)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
    ON CONFLICT (id) DO NOTHING""";

  /**
   * The arbiter is the entry's own key, so a redelivered entry is skipped, while a different entry
   * at a place (account, bucket, seq) already taken fails the batch: that is a divergence.
   */
  static final String INSERT_ENTRIES = """
    INSERT INTO entries (posting_id, idx, account_id, bucket, amount, currency, balance_after, seq, created_at)
    SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::bigint[], $6::text[],
                         $7::bigint[], $8::bigint[], $9::timestamptz[])
    ON CONFLICT (posting_id, idx) DO NOTHING""";

  static final String INSERT_ACCOUNT_EVENTS = """
    INSERT INTO account_events (id, account_id, type, status, previous, reason, created_at, stream_id)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                         $7::timestamptz[], $8::text[])
    ON CONFLICT (id) DO NOTHING""";

  static final String ENTRIES_PAGE = """
    SELECT e.posting_id, e.idx, p.reference, p.type, e.bucket, e.amount, e.currency, e.balance_after, e.seq,
           e.created_at
      FROM entries e JOIN postings p ON p.id = e.posting_id
     WHERE e.account_id = $1
       AND (e.seq < $2 OR (e.seq = $2 AND e.bucket > $3))
     ORDER BY e.seq DESC, e.bucket ASC
     LIMIT $4""";
}
