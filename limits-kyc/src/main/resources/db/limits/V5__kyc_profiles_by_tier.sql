-- A rules version that drops a tier is refused while KYC profiles hold it (RulesStore): the
-- publication asks which of the dropped tiers are held, which this answers without reading every
-- profile. At volume, build it beforehand without blocking KYC writes
-- (CREATE INDEX CONCURRENTLY kyc_profiles_tier ON limits.kyc_profiles (tier)); this migration then finds it.
CREATE INDEX IF NOT EXISTS kyc_profiles_tier ON limits.kyc_profiles (tier);
