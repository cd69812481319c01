-- The monitors ask, before they raise a flag, which postings earlier flags of the same kind about the
-- same owner hold: a pattern is flagged once, and activity after it is judged on its own.
CREATE INDEX aml_flags_owner ON limits.aml_flags (owner_id, kind, occurred_at);
