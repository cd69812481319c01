-- A rules version that drops a tier is refused while KYC profiles hold it (RulesStore): the
-- publication asks which of the dropped tiers are held, which this answers without reading every profile.
CREATE INDEX kyc_profiles_tier ON limits.kyc_profiles (tier);
