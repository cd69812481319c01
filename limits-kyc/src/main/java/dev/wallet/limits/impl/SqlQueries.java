package dev.wallet.limits.impl;

/**
 * Every statement of the limits module, in one place, all over its own schema {@code limits}. The
 * AML monitors and reports read the ledger through {@code dev.wallet.ledger.LedgerMovements}.
 */
final class SqlQueries {

  private SqlQueries() {
  }

  /** Serialises publishers of one ruleset (several members may see the same file change at once). */
  static final String LOCK_RULESET = """
    SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtext('limits.rules:' || $1))) AS locked""";

  static final String LATEST_VERSION = """
    SELECT version, yaml, sha256, source, actor, published_at FROM limits.rules_versions
     WHERE ruleset = $1 ORDER BY version DESC LIMIT 1""";

  static final String VERSION_SHA = """
    SELECT sha256 FROM limits.rules_versions WHERE ruleset = $1 AND version = $2""";

  static final String LATEST_VERSION_FROM_SOURCE = """
    SELECT version, yaml, sha256, source, actor, published_at FROM limits.rules_versions
     WHERE ruleset = $1 AND source = $2 ORDER BY version DESC LIMIT 1""";

  static final String PUBLISHED_FROM_SOURCE_BEFORE = """
    SELECT version FROM limits.rules_versions WHERE ruleset = $1 AND source = $2 AND sha256 = $3 LIMIT 1""";

  static final String INSERT_VERSION = """
    INSERT INTO limits.rules_versions (ruleset, version, sha256, yaml, source, actor)
    VALUES ($1, $2, $3, $4, $5, $6) RETURNING published_at""";

  static final String INSERT_AUDIT = """
    INSERT INTO limits.audit (ruleset, action, actor, source, subject, sha256, detail)
    VALUES ($1, $2, $3, $4, $5, $6, $7)""";

  /**
   * The same bad text from the same actor and source is audited once while the same version is in
   * force, however many members read it; until 2026-12-07 once whoever sent it, and a second officer's
   * attempt left no trace.
   */
  static final String REFUSAL_ALREADY_AUDITED = """
    SELECT 1 FROM limits.audit a
     WHERE a.action = 'rules_refused' AND a.ruleset = $1 AND a.sha256 = $2 AND a.actor = $3 AND a.source = $4
       AND a.at >= coalesce((SELECT max(published_at) FROM limits.rules_versions WHERE ruleset = $1), '-infinity')""";

  /** Of the tiers a rules version drops ($1), those KYC profiles hold, with how many hold each. */
  static final String HOLDERS_OF_TIERS = """
    SELECT tier, count(*) AS holders FROM limits.kyc_profiles WHERE tier = ANY($1) GROUP BY tier ORDER BY tier""";

  static final String AUDIT_PAGE = """
    SELECT id, at, action, actor, source, subject, detail FROM limits.audit
     WHERE ruleset = $1 OR ruleset IS NULL ORDER BY id DESC LIMIT $2""";

  static final String LOAD_PROFILE = """
    SELECT owner_id, tier, country, updated_at, updated_by, source FROM limits.kyc_profiles WHERE owner_id = $1""";

  static final String LOAD_PROFILES = """
    SELECT owner_id, tier, country, updated_at, updated_by, source FROM limits.kyc_profiles
     WHERE owner_id = ANY($1)""";

  static final String LOCK_PROFILE = """
    SELECT tier, country FROM limits.kyc_profiles WHERE owner_id = $1 FOR UPDATE""";

  static final String UPSERT_PROFILE = """
    INSERT INTO limits.kyc_profiles (owner_id, tier, country, updated_at, updated_by, source)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (owner_id) DO UPDATE
      SET tier = excluded.tier, country = excluded.country, updated_at = excluded.updated_at,
          updated_by = excluded.updated_by, source = excluded.source""";

  // ------------------------------------------------------------------ AML monitors and reports


  static final String LOCK_MONITOR = "SELECT pg_try_advisory_xact_lock(hashtext('limits.aml-monitor'))";

  static final String POSITION = """
    SELECT recorded_at, posting_id, credits_from FROM limits.aml_position WHERE monitor = $1""";

  /** The position, and $4: the sums of credits no longer hold what was created before it (see {@link #PRUNE_CREDITS}). */
  static final String SAVE_POSITION = """
    INSERT INTO limits.aml_position (monitor, recorded_at, posting_id, credits_from) VALUES ($1, $2, $3, $4)
    ON CONFLICT (monitor) DO UPDATE SET recorded_at = excluded.recorded_at, posting_id = excluded.posting_id,
      credits_from = greatest(limits.aml_position.credits_from, excluded.credits_from)""";

  /** Adds credits ($1 wallets, $2 currencies, $3 creation instants, $4 amounts) to their minutes' sums. */
  static final String ADD_CREDITS = """
    INSERT INTO limits.aml_credits (wallet_id, currency, minute, credited)
    SELECT wallet_id, currency, date_trunc('minute', created_at, 'UTC'), sum(amount)::bigint
      FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[]) AS c(wallet_id, currency, created_at, amount)
     GROUP BY 1, 2, 3
    ON CONFLICT (wallet_id, currency, minute) DO UPDATE SET credited = limits.aml_credits.credited + excluded.credited""";

  /**
   * What came into each of the wallets $1 in the minutes that [$2, $3] touches, per currency: each
   * wallet's minutes read by its key. With {@code wallet_id = ANY($1)} the prepared statement's
   * generic plan read every row of the window by the minute index and compared each with every
   * wallet asked for (222 ms for 400 wallets over 22,571 rows, growing with both, against 2-10 ms
   * this way; docs/benchmarks.md); {@code OFFSET 0} keeps the read from being flattened into that.
   */
  static final String CREDITS_IN_WINDOW = """
    SELECT w.wallet_id, c.currency, sum(c.credited)::bigint AS credited
      FROM (SELECT DISTINCT unnest($1::text[]) AS wallet_id) w
     CROSS JOIN LATERAL (SELECT currency, credited FROM limits.aml_credits
                          WHERE wallet_id = w.wallet_id AND minute >= date_trunc('minute', $2::timestamptz, 'UTC')
                            AND minute <= $3 OFFSET 0) c
     GROUP BY w.wallet_id, c.currency""";

  /** Forgets the minutes before $1. */
  static final String PRUNE_CREDITS = "DELETE FROM limits.aml_credits WHERE minute < $1";

  static final String INSERT_FLAG = """
    INSERT INTO limits.aml_flags (dedupe_key, kind, owner_id, wallet_id, currency, total_minor, posting_ids,
                                  occurred_at, detail)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (dedupe_key) DO NOTHING""";

  /** The flags of kind $1 about owner $2 in currency $3 (and wallet $4, unless null) since $5: when, and their evidence. */
  static final String FLAGGED_POSTINGS = """
    SELECT occurred_at, posting_ids FROM limits.aml_flags
     WHERE owner_id = $2 AND kind = $1 AND occurred_at >= $5 AND currency = $3
       AND ($4::text IS NULL OR wallet_id = $4)""";

  private static final String FLAG_COLUMNS = """
    SELECT id, kind, owner_id, wallet_id, currency, total_minor, posting_ids, occurred_at, detected_at, detail
      FROM limits.aml_flags
    """;

  static final String FLAGS_DETECTED = FLAG_COLUMNS + """
     WHERE detected_at >= $1 AND detected_at < $2 AND id > $4 ORDER BY id LIMIT $3""";

  /** The queue: $1..$2 detection period, then optional kind, owner, state (null: any), $6 limit. */
  static final String FLAG_QUEUE = """
    SELECT f.id, f.kind, f.owner_id, f.wallet_id, f.currency, f.total_minor, f.posting_ids, f.occurred_at,
           f.detected_at, f.detail, coalesce(r.state, 'open') AS state
      FROM limits.aml_flags f
      LEFT JOIN LATERAL (SELECT state FROM limits.aml_flag_reviews
                          WHERE flag_id = f.id ORDER BY id DESC LIMIT 1) r ON true
     WHERE f.detected_at >= $1 AND f.detected_at < $2
       AND ($3::text IS NULL OR f.kind = $3)
       AND ($4::text IS NULL OR f.owner_id = $4)
       AND ($5::text IS NULL OR coalesce(r.state, 'open') = $5)
     ORDER BY f.id DESC LIMIT $6""";

  static final String FLAG_BY_ID = FLAG_COLUMNS + """
     WHERE id = $1""";

  static final String FLAG_REVIEWS = """
    SELECT id, flag_id, state, note, actor, at FROM limits.aml_flag_reviews WHERE flag_id = $1 ORDER BY id""";

  static final String INSERT_FLAG_REVIEW = """
    INSERT INTO limits.aml_flag_reviews (flag_id, state, note, actor) VALUES ($1, $2, $3, $4)
    RETURNING id, flag_id, state, note, actor, at""";

  static final String FLAGS_OCCURRED = FLAG_COLUMNS + """
     WHERE occurred_at >= $1 AND occurred_at < $2 ORDER BY occurred_at, id LIMIT $3""";
}
