-- Where a profile was last set ("api", "console": the audit's sources), which its audit line names.
-- Rows set before this were audited "api" whichever it was, and so were writes of edges not yet
-- upgraded, which name no source: the default keeps both as their audit lines say.
ALTER TABLE limits.kyc_profiles ADD COLUMN IF NOT EXISTS source text NOT NULL DEFAULT 'api';
