-- The limits module's own schema, beside the ledger's: rules versions, the audit, KYC profiles,
-- AML flags and the AML monitor's position. Runs as the owner role; ${app_role} gets only what
-- each table needs. History (versions, audit, flags) is append-only, as in the ledger.

CREATE TABLE limits.rules_versions (
  ruleset      text        NOT NULL,
  version      bigint      NOT NULL CHECK (version > 0),
  sha256       char(64)    NOT NULL,
  yaml         text        NOT NULL,
  source       text        NOT NULL,
  actor        text        NOT NULL,
  published_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  PRIMARY KEY (ruleset, version)
);

CREATE TABLE limits.audit (
  id      bigserial   PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  ruleset text,
  action  text        NOT NULL CHECK (action IN ('rules_published', 'rules_refused', 'kyc_profile_set')),
  actor   text        NOT NULL,
  source  text        NOT NULL,
  subject text        NOT NULL,
  sha256  char(64),
  detail  text        NOT NULL
);
CREATE INDEX audit_at ON limits.audit (at DESC);
CREATE INDEX audit_refusals ON limits.audit (ruleset, sha256) WHERE action = 'rules_refused';

CREATE TABLE limits.kyc_profiles (
  owner_id   text        PRIMARY KEY,
  tier       text        NOT NULL,
  country    char(2),
  updated_at timestamptz NOT NULL,
  updated_by text        NOT NULL
);

CREATE TABLE limits.aml_flags (
  id          bigserial   PRIMARY KEY,
  -- what makes a flag the same flag when a monitor run is repeated: the monitor run is idempotent
  dedupe_key  text        NOT NULL UNIQUE,
  kind        text        NOT NULL CHECK (kind IN ('large_transaction', 'structuring', 'rapid_in_out')),
  owner_id    text        NOT NULL,
  wallet_id   text,
  currency    char(3)     NOT NULL,
  total_minor bigint      NOT NULL,
  posting_ids text[]      NOT NULL CHECK (cardinality(posting_ids) > 0),
  occurred_at timestamptz NOT NULL,
  detected_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  detail      text        NOT NULL
);
CREATE INDEX aml_flags_detected ON limits.aml_flags (detected_at);
CREATE INDEX aml_flags_occurred ON limits.aml_flags (occurred_at);

-- Where the monitors stopped reading the ledger: postings are read in (recorded_at, id) order.
CREATE TABLE limits.aml_position (
  monitor     text        PRIMARY KEY,
  recorded_at timestamptz NOT NULL,
  posting_id  text        NOT NULL
);

CREATE FUNCTION limits.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$;

CREATE TRIGGER rules_versions_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON limits.rules_versions
  FOR EACH STATEMENT EXECUTE FUNCTION limits.refuse_change();
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON limits.audit
  FOR EACH STATEMENT EXECUTE FUNCTION limits.refuse_change();
CREATE TRIGGER aml_flags_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON limits.aml_flags
  FOR EACH STATEMENT EXECUTE FUNCTION limits.refuse_change();

GRANT USAGE ON SCHEMA limits TO ${app_role};
GRANT SELECT, INSERT ON limits.rules_versions, limits.audit, limits.aml_flags TO ${app_role};
GRANT SELECT, INSERT, UPDATE ON limits.kyc_profiles, limits.aml_position TO ${app_role};
GRANT USAGE ON SEQUENCE limits.audit_id_seq, limits.aml_flags_id_seq TO ${app_role};
