package dev.wallet.ledger.impl;

/** Every statement the ledger runs, in one place. */
final class SqlQueries {

  private SqlQueries() {
  }

  static final String ENTRIES_PAGE = """
    SELECT e.posting_id, e.idx, p.reference, p.type, e.bucket, e.amount, e.currency, e.balance_after, e.seq,
           e.created_at
      FROM entries e JOIN postings p ON p.id = e.posting_id
     WHERE e.account_id = $1
       AND (e.seq < $2 OR (e.seq = $2 AND e.bucket > $3))
     ORDER BY e.seq DESC, e.bucket ASC
     LIMIT $4""";
}
