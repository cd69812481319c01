-- What compliance decided about an AML flag. Each decision is a new row (append-only, like the
-- flags): the latest row is the flag's state, all of them its audit (who, when, what, why).
-- A flag without a row is open.

CREATE TABLE limits.aml_flag_reviews (
  id       bigserial   PRIMARY KEY,
  flag_id  bigint      NOT NULL REFERENCES limits.aml_flags (id),
  state    text        NOT NULL CHECK (state IN ('reviewed', 'escalated', 'dismissed')),
  note     text        NOT NULL CHECK (length(btrim(note)) BETWEEN 1 AND 2000),
  actor    text        NOT NULL,
  at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX aml_flag_reviews_flag ON limits.aml_flag_reviews (flag_id, id DESC);

CREATE TRIGGER aml_flag_reviews_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON limits.aml_flag_reviews
  FOR EACH STATEMENT EXECUTE FUNCTION limits.refuse_change();

GRANT SELECT, INSERT ON limits.aml_flag_reviews TO ${app_role};
GRANT USAGE ON SEQUENCE limits.aml_flag_reviews_id_seq TO ${app_role};
